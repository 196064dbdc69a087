"""A monitoring report and the provider's right of reply, in the browser (§9, issue 9 item 1):
an officer drafts and issues it, the provider sees its closing date, sends an empty reply (the
error summary), then a real one, and the officer finalises the report with the reply."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assure.console.rendering import uk_date
from services.escalation.entrypoints.views import uk_today
from tests.browser.conftest import Console, accessible, screenshot

pytestmark = pytest.mark.browser

REPORTS = "/console/workspace/providers/oakwood/reports"
REPLY = "Two senior carers finish their supervision training on 4 December."


async def test_an_officer_issues_a_report_the_provider_replies_and_the_officer_finalises(
        console: Console):
    answer = await console.api.post("/intake/providers", json={
        "provider_id": "oakwood", "name": "Oakwood Care Home"})
    assert answer.status_code in (200, 201), answer.text
    activity = uk_today() - timedelta(days=7)

    # The officer drafts the record of last week's monitoring meeting, first with nothing in it.
    officer = await console.sign_in("Jo Officer", "commissioning_officer")
    await officer.goto(REPORTS)
    assert "No monitoring reports" in await officer.locator("main").inner_text()
    await accessible(officer)
    await officer.get_by_role("button", name="Draft a monitoring report").click()
    await officer.wait_for_url(f"**{REPORTS}/new")
    await accessible(officer)
    await officer.get_by_role("button", name="Save and issue to the provider").click()
    summary = officer.locator(".govuk-error-summary")
    await summary.wait_for()
    assert await officer.title() == "Error: Draft a monitoring report – Assure"
    for message in ("Select the kind of record", "Enter the date of the monitoring activity",
                    "Enter the findings of the monitoring activity"):
        assert await summary.get_by_role("link", name=message).count() == 1
    await accessible(officer)
    await screenshot(officer, "report-draft-errors")

    await officer.get_by_label("Meeting notes").check()
    activity_date = officer.get_by_role("group", name="Date of the monitoring activity")
    await activity_date.get_by_label("Day").fill(str(activity.day))
    await activity_date.get_by_label("Month").fill(str(activity.month))
    await activity_date.get_by_label("Year").fill(str(activity.year))
    await officer.get_by_label("Findings").fill(
        "Supervision is behind: 62% against the 80% required.\nThe home is clean and calm.")
    await officer.get_by_label("Action 1").fill("Bring supervision up to 80%")
    action_date = officer.get_by_role("group", name="Date action 1 is required by")

    async def required_by(day) -> None:
        await action_date.get_by_label("Day").fill(str(day.day))
        await action_date.get_by_label("Month").fill(str(day.month))
        await action_date.get_by_label("Year").fill(str(day.year))

    # An action required before the meeting that agreed it: the API's refusal is named against
    # the action's date, and everything typed is kept.
    await required_by(activity - timedelta(days=1))
    await officer.get_by_role("button", name="Save and issue to the provider").click()
    link = officer.locator(".govuk-error-summary").get_by_role(
        "link", name="The date required must be on or after the activity")
    await link.wait_for()
    assert await link.get_attribute("href") == "#date_required-0-day"
    assert (await officer.get_by_label("Findings").input_value()).startswith("Supervision")
    assert await officer.get_by_label("Meeting notes").is_checked()
    await accessible(officer)
    await required_by(activity + timedelta(days=42))
    await screenshot(officer, "report-draft")
    await officer.get_by_role("button", name="Save and issue to the provider").click()
    banner = officer.locator(".govuk-notification-banner")
    await banner.wait_for()

    [report] = (await console.api.get(
        "/escalation/providers/oakwood/monitoring-reports")).json()
    closes = uk_date(report["reply_by"])
    assert f"They can reply until {closes}" in await banner.inner_text()
    assert "No reply yet" in await officer.locator("main").inner_text()
    await accessible(officer)
    await screenshot(officer, "report-issued-officer")

    # The provider sees it with the day its window closes, and replies: empty first.
    provider = await console.sign_in("Registered manager", "provider_user", "oakwood")
    await provider.goto("/console/provider/reports")
    row = provider.locator("tbody tr")
    assert await row.count() == 1
    assert f"Reply by {closes}" in await row.inner_text()
    assert "working day" in await row.inner_text()
    await accessible(provider)
    await screenshot(provider, "provider-reports")
    await provider.get_by_role("link", name="Meeting notes").click()
    await provider.wait_for_url(f"**/console/provider/reports/{report['report_id']}")
    main = provider.locator("main")
    assert "Bring supervision up to 80%" in await main.inner_text()
    assert f"until the end of {closes}" in await main.inner_text()
    await accessible(provider)

    await provider.get_by_role("button", name="Send your reply").click()
    summary = provider.locator(".govuk-error-summary")
    await summary.wait_for()
    assert (await provider.title()).startswith("Error: ")
    link = summary.get_by_role("link", name="Enter your reply to the report")
    assert await link.get_attribute("href") == "#reply-text"
    await accessible(provider)
    await screenshot(provider, "provider-reply-error")

    await provider.get_by_label("Your reply to the report").fill(REPLY)
    await provider.get_by_role("button", name="Send your reply").click()
    await provider.locator(".govuk-notification-banner").wait_for()
    assert REPLY in await provider.locator("main").inner_text()
    assert await provider.get_by_role("button", name="Send your reply").count() == 0
    await accessible(provider)
    await screenshot(provider, "provider-replied")

    # The officer sees the reply beside the report and finalises it; it is then read-only.
    await officer.goto(f"{REPORTS}/{report['report_id']}")
    assert REPLY in await officer.locator("main").inner_text()
    await officer.get_by_role("button", name="Finalise the report").click()
    banner = officer.locator(".govuk-notification-banner")
    await banner.wait_for()
    assert "Report finalised" in await banner.inner_text()
    assert await officer.get_by_role("button", name="Finalise the report").count() == 0
    assert "Final" in await officer.locator(".govuk-summary-list").inner_text()
    await accessible(officer)
    await screenshot(officer, "report-finalised")
    await officer.goto(REPORTS)
    assert "Final" in await officer.locator("tbody").inner_text()
    await accessible(officer)
    await screenshot(officer, "officer-reports")
