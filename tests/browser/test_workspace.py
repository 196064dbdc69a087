"""The officers' workspace in a real browser: an unsafe return becomes a concern on the
dashboard, the officer opens the provider and its intervention and asks for an improvement plan
(a missing answer first, named in the error summary); the return log is worked and exported."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from assure.console import dashboard
from services.escalation.entrypoints.views import uk_today
from shared.settings import AssureSettings
from shared.working_days import Nation, WorkingDays
from tests.browser.conftest import Console, accessible, screenshot
from tests.support import (
    SECTIONS_GREEN,
    SECTIONS_UNSAFE,
    eventually,
    register_with_contract,
    return_form,
)

pytestmark = pytest.mark.browser
OFFICER = "Jo Officer"


async def concern_and_intervention(console: Console, provider_id: str) -> dict:
    """An unsafe return scored, its concern raised and an intervention opened for it."""
    reference = await register_with_contract(console.api, provider_id)
    answer = await console.api.post(f"/intake/contracts/{reference}/returns",
                                    json=return_form(SECTIONS_UNSAFE))
    assert answer.status_code == 201, answer.text

    async def opened():
        found = (await console.api.get(f"/escalation/providers/{provider_id}/interventions"))
        return found.json() or None

    [intervention] = await eventually(opened, what="the intervention opened")
    return intervention


async def test_an_officer_sees_the_concern_and_requests_an_improvement_plan(
        console: Console, console_settings: AssureSettings):
    intervention = await concern_and_intervention(console, "oakwood")
    risk = (await console.api.get("/risk/providers/oakwood/risk")).json()
    # Red on safety and quality limits the score to the 50-74% band (a limiting rating).
    assert risk["latest_band"] == "50-74%" and risk["open_concerns"]

    page = await console.sign_in(OFFICER, "commissioning_officer")
    await page.wait_for_url("**/console/workspace/")
    row = page.locator("tr[data-provider=oakwood]")
    headings = await page.locator("#providers thead th").all_inner_texts()
    cells = dict(zip(headings[1:], await row.locator("td").all_inner_texts(), strict=True))
    # What an officer acts on first, so on a phone it is in view: band, concerns, deadlines.
    assert headings[:5] == ["Provider", "Risk score band", "Open concerns", "Overdue returns",
                            "Next deadline"]
    assert cells["Risk score band"].startswith("50–74%")
    assert "Level 1" in cells["Monitoring level"]
    assert cells["Risk level"] == (risk["risk_level"] or "not assessed").capitalize()
    assert cells["Trend"] == "No earlier score"
    assert cells["Open concerns"] == str(len(risk["open_concerns"]))
    await accessible(page)
    await screenshot(page, "workspace-dashboard")

    # Filtering by another band leaves Oakwood out.
    await page.get_by_label("Risk score band").select_option("below 50%")
    await page.get_by_role("button", name="Show providers").click()
    await page.get_by_text("No provider matches").wait_for()
    await page.goto("/console/workspace/")

    await row.get_by_role("link", name="Oakwood").click()
    await page.wait_for_url("**/console/workspace/providers/oakwood")
    assert await page.locator("svg.assure-chart").count() == 1
    assert await page.get_by_role("link", name="Monitoring reports").get_attribute(
        "href") == "/console/workspace/providers/oakwood/reports"
    log = (await console.api.get("/risk/providers/oakwood/log")).json()
    concern = next(entry for entry in log if entry["kind"] == "concern")
    assert concern["summary"] in await page.locator("#risk-log").inner_text()
    interventions = page.locator("#interventions")
    assert "Enforce" in await interventions.inner_text()
    await accessible(page)
    await screenshot(page, "workspace-provider")

    await interventions.get_by_role("link").first.click()
    await page.wait_for_url(f"**/console/workspace/interventions/"
                            f"{intervention['intervention_id']}")
    await accessible(page)

    # The date requested, its day left out: the error summary names it, and nothing changed.
    await page.locator("#improvement-plan-requested-on-day").fill("")
    await page.get_by_role("button", name="Request improvement plan").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert await page.title() == "Error: Intervention with Oakwood – Assure"
    link = summary.get_by_role("link", name="Date requested must include a day")
    assert await link.get_attribute("href") == "#improvement-plan-requested-on-day"
    month = page.locator("#improvement-plan-requested-on-month")
    assert await month.input_value() == str(uk_today().month)
    assert "govuk-input--error" not in await month.get_attribute("class")
    assert "govuk-input--error" in await page.locator(
        "#improvement-plan-requested-on-day").get_attribute("class")
    await accessible(page)
    await screenshot(page, "workspace-intervention-errors")
    unchanged = (await console.api.get(
        f"/escalation/interventions/{intervention['intervention_id']}")).json()
    assert unchanged["improvement_plans"] == []

    today = uk_today()
    await page.locator("#improvement-plan-requested-on-day").fill(str(today.day))
    await page.get_by_role("button", name="Request improvement plan").click()
    due = WorkingDays(Nation(console_settings.nation)).add(today, 10)
    banner = page.locator(".govuk-notification-banner--success")
    await banner.wait_for()
    assert f"it is due by {due.day} {due:%B %Y}" in await banner.inner_text()
    plans = page.locator("#improvement-plans")
    assert f"{due.day} {due:%B %Y}" in await plans.inner_text()
    assert "Requested" in await plans.inner_text()
    assert "Improvement plan due" in await page.locator("#deadlines").inner_text()
    assert "In 10 working days" in await page.locator("#deadlines").inner_text()
    await accessible(page)
    await screenshot(page, "workspace-intervention")

    # The provider's plan arrives: its SMART action without an owner is named, then recorded.
    await page.locator("#plan-received-actions-0-action").fill("Recruit two night staff")
    await page.locator("#plan-received-actions-0-measure").fill("Rota shows two waking staff")
    due_by = today + timedelta(days=30)
    for part, value in (("day", due_by.day), ("month", due_by.month), ("year", due_by.year)):
        await page.locator(f"#plan-received-actions-0-due-{part}").fill(str(value))
    await page.get_by_role("button", name="Record plan received").click()
    await summary.get_by_role("link", name="Enter who owns the action").wait_for()
    assert await page.locator("#plan-received-actions-0-action").input_value() == (
        "Recruit two night staff")
    await accessible(page)
    await page.locator("#plan-received-actions-0-owner").fill("Registered manager")
    await page.get_by_role("button", name="Record plan received").click()
    await banner.get_by_text("Improvement plan received").wait_for()
    [plan] = (await console.api.get(
        f"/escalation/interventions/{intervention['intervention_id']}")).json()[
        "improvement_plans"]
    review = date.fromisoformat(plan["review_due"])
    assert f"it is reviewed by {review.day} {review:%B %Y}" in await banner.inner_text()
    assert plan["actions"][0]["owner"] == "Registered manager"
    assert "Recruit two night staff" in await plans.inner_text()

    # Only the next thing to do: no suspension is offered before a breach notice has failed,
    # and no second plan while this one runs (issue 18).
    assert await page.locator("#suspension-reason").count() == 0
    assert await page.locator("#improvement-plan-heading").count() == 0
    # What the rules may still refuse is refused in the error summary, keeping what was typed:
    # a decommission, under "More actions", without the evidence the history must hold.
    await page.locator("#more-actions summary").click()
    await page.locator("#decommission-reason").fill("night staffing still short")
    await page.locator("#decommission-continuity-plan").fill("reviews for all 14 people")
    await page.get_by_role("button", name="Propose decommission").click()
    await summary.wait_for()
    assert "improvement plan" in (await summary.inner_text()).lower()
    assert await page.locator("#more-actions").get_attribute("open") is not None
    assert await page.locator("#decommission-reason").input_value() == (
        "night staffing still short")
    assert all(e["step"] != "decommission" for e in (await console.api.get(
        "/escalation/providers/oakwood/escalations")).json())
    await accessible(page)

    # Back on the dashboard, the plan's review is Oakwood's next deadline.
    await page.goto("/console/workspace/")
    deadline = await page.locator("tr[data-provider=oakwood] td").nth(3).inner_text()
    assert f"Improvement plan 30-day review: {review.day} {review:%B %Y}" in deadline

    await review_and_conclude(page, console, intervention["intervention_id"])


def _uk(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


async def review_and_conclude(page, console: Console, intervention_id: str) -> None:
    """The plan's 30-day review (its answer left out first, named in the error summary), then
    its outcome: the forms appear only once they apply."""
    await page.goto(f"/console/workspace/interventions/{intervention_id}")
    assert await page.locator("#plan-received-heading").count() == 0  # the plan has arrived
    assert await page.locator("#notice-met-heading").count() == 0  # no notice was issued
    await page.locator("#plan-review-notes").fill("Two night staff recruited, one in post")
    await page.get_by_role("button", name="Record review").click()
    summary = page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name="Select whether the targets are on track")
    await link.wait_for()
    assert await link.get_attribute("href") == "#plan-review-on-track"
    assert await page.locator("#plan-review-notes").input_value() == (
        "Two night staff recruited, one in post")
    assert "Select whether the targets are on track" in await page.locator(
        "#plan-review-on-track-error").inner_text()
    at = f"/escalation/interventions/{intervention_id}"
    assert (await console.api.get(at)).json()["improvement_plans"][0]["reviewed_on"] is None
    await accessible(page)

    await page.get_by_label("Yes, on track").check()
    await page.get_by_role("button", name="Record review").click()
    banner = page.locator(".govuk-notification-banner--success")
    today = uk_today()
    await banner.get_by_text(f"30-day review recorded on {_uk(today)}").wait_for()
    assert f"Held {_uk(today)}" in await page.locator("#improvement-plans").inner_text()
    assert await page.locator("#plan-review-heading").count() == 0  # held once
    await accessible(page)
    await screenshot(page, "workspace-plan-review")

    await page.get_by_label("Not achieved: the targets were not met").check()
    await page.locator("#plan-outcome-notes").fill("The night rota is still short")
    await page.get_by_role("button", name="Record outcome").click()
    await banner.get_by_text("Improvement plan not achieved").wait_for()
    [plan] = (await console.api.get(at)).json()["improvement_plans"]
    assert (plan["status"], plan["concluded_on"]) == ("not achieved", today.isoformat())
    assert "Not achieved" in await page.locator("#improvement-plans").inner_text()
    assert await page.locator("#plan-outcome-heading").count() == 0
    await accessible(page)

    # A breach notice issued can then be recorded as met.
    await page.locator("#breach-notice-deficiency").fill("Night staffing below the contract")
    await page.locator("#breach-notice-action-required").fill("Two waking night staff")
    comply = today + timedelta(days=28)
    for part, value in (("day", comply.day), ("month", comply.month), ("year", comply.year)):
        await page.locator(f"#breach-notice-comply-by-{part}").fill(str(value))
    await page.get_by_role("button", name="Issue breach notice").click()
    await banner.get_by_text("Breach notice issued").wait_for()
    await page.get_by_role("button", name="Record notice met").click()
    await banner.get_by_text("Breach notice recorded as met").wait_for()
    assert [n["status"] for n in (await console.api.get(at)).json()["breach_notices"]] == [
        "met"]
    assert await page.locator("#notice-met-heading").count() == 0
    await accessible(page)


async def test_the_dashboard_lists_the_worst_provider_first_a_page_at_a_time(
        console: Console, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)  # four providers: two pages
    await register_with_contract(console.api, "alder")  # green, first by name
    await register_with_contract(console.api, "birch")  # not scored
    answer = await console.api.post("/intake/providers", json={
        "provider_id": "cedar", "name": "Cedar"})  # no contract: risk never heard of it, last
    assert answer.status_code == 201, answer.text
    answer = await console.api.post("/intake/contracts/alder-c1/returns",
                                    json=return_form(SECTIONS_GREEN))
    assert answer.status_code == 201, answer.text
    await concern_and_intervention(console, "willow")  # the unsafe return

    async def scored():
        bands = {s["provider_id"]: s["latest_band"]
                 for s in (await console.api.get("/risk/providers")).json()}
        known = bands.get("alder") and bands.get("willow") and "birch" in bands
        return bands if known else None

    bands = await eventually(scored, what="both returns scored, Birch known")
    assert bands["alder"] == "100%" and bands["willow"] != "100%"

    page = await console.sign_in(OFFICER, "commissioning_officer")
    await page.wait_for_url("**/console/workspace/")
    rows = page.locator("#providers tbody tr[data-provider]")
    caption = page.locator("#providers caption")
    # Nothing changed since the page was made: its live region does not fetch it again.
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url)
            if "/console/workspace/fragment" in request.url else None)
    await page.goto("/console/workspace/")
    await page.locator("#providers[data-live-current=true]").wait_for(state="attached")
    assert fetched == []

    async def shown() -> list[str | None]:
        return [await row.get_attribute("data-provider") for row in await rows.all()]

    assert await shown() == ["willow", "alder"]
    assert "4 providers" in await caption.inner_text()
    assert "Showing 1 to 2" in await caption.inner_text()
    assert "Worst first" in await caption.inner_text()
    await accessible(page)
    # On a phone the table scrolls within its box: the worst provider's band and concerns
    # are in view without scrolling it.
    await page.set_viewport_size({"width": 390, "height": 740})
    for cell in ("td:nth-of-type(1) .govuk-tag", "td:nth-of-type(2)"):
        box = await rows.first.locator(cell).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, (cell, box)
    await page.set_viewport_size({"width": 1280, "height": 720})

    await page.get_by_role("navigation", name="Pages of providers").get_by_role(
        "link", name="Next").click()
    await page.wait_for_url("**/console/workspace/?page=2")
    assert await shown() == ["birch", "cedar"]  # the rest: not scored, then never contracted
    assert "Showing 3 to 4" in await caption.inner_text()
    assert "Not scored" in await rows.nth(1).inner_text()
    # The live region fetches this page again, not the first.
    assert await page.locator("#providers").get_attribute(
        "data-live-src") == "/console/workspace/fragment?page=2"
    await accessible(page)

    # Those not scored yet on their own: Birch, with a contract, then Cedar, with none.
    await page.get_by_label("Risk score band").select_option("not scored")
    await page.get_by_role("button", name="Show providers").click()
    await page.wait_for_url("**/console/workspace/?band=not+scored*")
    assert await shown() == ["birch", "cedar"]
    assert "2 providers (not scored)" in " ".join((await caption.inner_text()).split())
    await accessible(page)


async def test_a_long_return_log_is_shown_a_page_at_a_time(console: Console):
    for n in range(20):
        await register_with_contract(console.api, f"yew{n:02}")
    # Nearly a year on: three LEVEL 1 returns asked for from each contract, or more.
    later = date.today() + timedelta(days=360)
    ticked = await console.api.post("/intake/clock/tick", json={"to": later.isoformat()})
    assert ticked.status_code == 200, ticked.text
    rows = (await console.api.get("/intake/return-log")).json()
    assert len(rows) > 50

    page = await console.sign_in(OFFICER, "commissioning_officer")
    await page.goto("/console/workspace/returns")
    shown = page.locator("tbody tr")
    first = [await row.get_attribute("data-request") for row in await shown.all()]
    assert f"{len(rows)} returns" in await page.locator("caption").inner_text()
    await accessible(page)
    await page.get_by_role("link", name="Next").click()
    await page.wait_for_load_state()
    second = [await row.get_attribute("data-request") for row in await shown.all()]

    assert first + second == [row["request_id"] for row in rows]
    assert "page=2" in page.url
    await accessible(page)


async def test_the_return_log_is_allocated_and_downloaded(console: Console, tmp_path: Path):
    await register_with_contract(console.api, "rowan")
    # Four months and more on, whatever today is: a LEVEL 1 return was asked for and is overdue.
    later = date.today() + timedelta(days=140)
    ticked = await console.api.post("/intake/clock/tick", json={"to": later.isoformat()})
    assert ticked.status_code == 200, ticked.text
    rows = (await console.api.get("/intake/return-log")).json()
    assert "overdue" in {row["status"] for row in rows}

    page = await console.sign_in(OFFICER, "commissioning_officer")
    await page.goto("/console/workspace/returns")
    table = page.locator("table")
    assert len(await table.locator("tbody tr").all()) == len(rows)
    await accessible(page)
    await screenshot(page, "workspace-return-log")

    first = page.locator(f"tr[data-request='{rows[0]['request_id']}']")
    await first.get_by_role("button", name="Take").click()
    await page.locator(".govuk-notification-banner--success").get_by_text(
        "Return allocated to you").wait_for()
    assert OFFICER in await first.inner_text()
    allocated = (await console.api.get("/intake/return-log",
                                       params={"allocated_to": OFFICER})).json()
    assert [r["request_id"] for r in allocated] == [rows[0]["request_id"]]
    await accessible(page)

    await page.get_by_label("Only returns allocated to me").check()
    await page.get_by_role("button", name="Show returns").click()
    assert len(await table.locator("tbody tr").all()) == 1

    async with page.expect_download() as started:
        await page.get_by_role("link", name="CSV").click()
    download = await started.value
    assert download.suggested_filename == "return-log.csv"
    saved = tmp_path / "return-log.csv"
    await download.save_as(saved)
    lines = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert [line["Allocated to"] for line in lines] == [OFFICER]

    await first.get_by_role("button", name="Release").click()
    await page.locator(".govuk-notification-banner--success").get_by_text(
        "Return released").wait_for()
    assert (await console.api.get("/intake/return-log", params={"allocated_to": OFFICER})
            ).json() == []


async def test_every_casework_command_has_its_form_under_more_actions(console: Console):
    """Steps taken, engagement, a policy override and an escalated issue are recorded from
    the intervention's page, behind "More actions" (issue 18: every API command has its form)."""
    intervention = await concern_and_intervention(console, "elmwood")
    page = await console.sign_in(OFFICER, "commissioning_officer")
    await page.goto(f"/console/workspace/interventions/{intervention['intervention_id']}")
    more = page.locator("#more-actions")
    assert await more.get_attribute("open") is None  # folded away until wanted
    await more.locator("summary").click()

    await page.locator("#step-taken-step-2").check()  # information sharing
    await page.locator("#step-taken-notes").fill("shared the night rota findings")
    await page.get_by_role("button", name="Record step").click()
    banner = page.locator(".govuk-notification-banner--success")
    await banner.get_by_text("Step recorded").wait_for()
    assert "Information sharing" in await page.locator("main").inner_text()

    await page.locator("#more-actions summary").click()
    await page.get_by_role("button", name="Record engagement").click()  # nothing chosen
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert "Select how the provider is engaging" in await summary.inner_text()
    await page.locator("#engagement-engagement-3").check()  # not engaging
    await page.get_by_role("button", name="Record engagement").click()
    await banner.get_by_text("Engagement recorded").wait_for()

    await page.locator("#more-actions summary").click()
    await page.locator("#escalate-reason").fill("night staffing short three weeks running")
    await page.locator("#escalate-recurring").check()  # the first choice: yes
    await page.get_by_role("button", name="Escalate issue").click()
    await banner.get_by_text("Issue escalated").wait_for()

    shown = (await console.api.get(
        f"/escalation/interventions/{intervention['intervention_id']}")).json()
    assert shown["engagement"] == "not engaging"
    assert any(s["step"] == "information sharing" for s in shown["steps"])
    await accessible(page)
