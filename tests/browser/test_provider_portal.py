"""The provider portal in a real browser: a provider sees what it owes, submits a return with
an error and corrects it, saves a draft and comes back to it, and attaches evidence; its past
submissions show the score risk gave each (issue 9, "done means")."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shared.contracts.forms import example
from tests.browser.conftest import Console, accessible, screenshot
from tests.support import SECTIONS_UNSAFE, eventually, register_with_contract, return_form

pytestmark = pytest.mark.browser

PROVIDER = "elm-court"
PERIOD = "2026-04-01--2026-07-31"
FORM_URL = f"/console/provider/contracts/{PROVIDER}-c1/returns/cmr-level-1/{PERIOD}"
PDF = b"%PDF-1.4\n% supervision records, July 2026\n%%EOF\n"


async def provider_owing_a_return(console: Console) -> Any:
    """Elm Court, its LEVEL 1 contract awarded on 1 July 2026 and the calendar run to 20 August:
    the April to July return (due 17 August) is overdue. Its registered manager signs in."""
    assert (await console.api.post("/intake/clock/tick", json={"to": "2026-07-01"})).is_success
    await register_with_contract(console.api, PROVIDER)
    assert (await console.api.post("/intake/clock/tick", json={"to": "2026-08-20"})).is_success
    return await console.sign_in("Registered manager", "provider_user", PROVIDER)


async def fill(page: Any, answers: Any, path: str = "") -> None:
    """Types a return's answers into the page's form, field by field, as a person would."""
    if isinstance(answers, dict):
        for name, value in answers.items():
            if not (path == "" and name in ("period_start", "period_end")):
                await fill(page, value, f"{path}.{name}" if path else name)
        return
    if isinstance(answers, list) and any(isinstance(item, dict) for item in answers):
        for index, item in enumerate(answers):
            await fill(page, item, f"{path}.{index}")
        return
    field_id = path.replace(".", "-")
    if isinstance(answers, bool) or path.endswith(("rating", "position")):
        value = {True: "yes", False: "no"}.get(answers, answers)
        await page.locator(f"input[name='{path}'][value='{value}']").check()
    elif isinstance(answers, list):
        await page.locator(f"#{field_id}").fill("\n".join(answers))
    elif isinstance(answers, str) and len(answers) == 10 and answers[4] == "-":
        day = date.fromisoformat(answers)
        for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
            await page.locator(f"#{field_id}-{part}").fill(str(value))
    else:
        await page.locator(f"#{field_id}").fill("" if answers is None else str(answers))


def april_to_july() -> dict[str, Any]:
    return example("cmr-level-1", date(2026, 4, 1), date(2026, 7, 31))


async def test_a_provider_submits_a_return_with_an_error_then_corrects_it(console: Console):
    page = await provider_owing_a_return(console)
    await page.goto("/console/provider/")
    owed = page.locator("table").first
    overdue = owed.locator("tr", has_text="1 April 2026 to 31 July 2026")
    assert "17 August 2026" in await overdue.inner_text()
    assert await overdue.locator(".govuk-tag--red", has_text="Overdue").count() == 1
    await accessible(page)
    await screenshot(page, "provider-home")

    await overdue.get_by_role("link", name="Start return").click()
    await page.wait_for_url(f"**{FORM_URL}")
    await accessible(page)
    answers = april_to_july()
    answers["leadership_and_management"]["summary"] = ""  # left blank
    answers["sustainability"]["vacancies"] = -1  # a count below nothing
    await fill(page, answers)
    await page.get_by_role("button", name="Submit return").click()

    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert await page.title() == "Error: Contract monitoring return (LEVEL 1) – Assure"
    links = summary.locator("a")
    assert await links.all_inner_texts() == [
        "Leadership and management: enter summary",
        "Sustainability: vacancies must be 0 or more",
    ]
    assert [await a.get_attribute("href") for a in await links.all()] == [
        "#leadership_and_management-summary", "#sustainability-vacancies"]
    inline = page.locator("#sustainability-vacancies-error")
    assert "Sustainability: vacancies must be 0 or more" in await inline.inner_text()
    # What was typed stays, the bad answer too; nothing was stored.
    assert await page.locator("#sustainability-vacancies").input_value() == "-1"
    assert await page.locator("#finance-income").input_value() == "412000.00"
    assert await page.locator("#introduction_and_matters_arising-meeting_date-day"
                              ).input_value() == "14"
    assert await page.locator("input[name='staffing.rating'][value=green]").is_checked()
    await accessible(page)
    await screenshot(page, "provider-form-errors")

    await links.nth(1).click()
    assert await page.evaluate("document.activeElement.id") == "sustainability-vacancies"
    await page.locator("#sustainability-vacancies").fill("1")
    await page.locator("#leadership_and_management-summary").fill(
        "Stable management team; registered manager in post since 2019.")
    await page.get_by_role("button", name="Submit return").click()

    panel = page.locator(".govuk-panel--confirmation")
    await panel.wait_for()
    assert "Return submitted" in await panel.inner_text()
    await accessible(page)
    await screenshot(page, "provider-submitted")

    async def scored() -> bool:
        await page.goto("/console/provider/")
        row = page.locator("#past ~ .assure-table-scroll table tr",
                           has_text="1 April 2026 to 31 July 2026")
        return await row.locator(".govuk-tag", has_text="100%").count() == 1

    await eventually(scored, what="the return's score on the provider's page")
    past = page.locator("#past ~ .assure-table-scroll table tr",
                        has_text="1 April 2026 to 31 July 2026")
    assert "100%" in await past.inner_text() and "(late)" in await past.inner_text()
    owed_now = await page.locator("#owed ~ .assure-table-scroll table").first.inner_text()
    assert "31 July 2026" not in owed_now  # sent: no longer owed
    await accessible(page)


async def test_a_draft_is_saved_and_resumed_and_is_not_a_submission(console: Console):
    page = await provider_owing_a_return(console)
    await page.goto(FORM_URL)
    await page.locator("#finance-income").fill("not yet known")
    await page.locator("input[name='finance.rating'][value=amber]").check()
    await page.get_by_role("button", name="Save as draft").click()

    await page.wait_for_url("**/console/provider/")
    banner = page.locator(".govuk-notification-banner--success")
    assert "Draft saved: Contract monitoring return (LEVEL 1) for 1 April 2026 to 31 July " \
           "2026" in await banner.inner_text()
    row = page.locator("#owed ~ .assure-table-scroll table tr",
                       has_text="1 April 2026 to 31 July 2026")
    assert "Draft saved" in await row.inner_text()
    assert "You have not sent any returns yet." in await page.locator("main").inner_text()
    await accessible(page)

    await row.get_by_role("link", name="Continue draft").click()
    await page.wait_for_url(f"**{FORM_URL}")
    assert "You are continuing the draft Registered manager saved" in await page.locator(
        ".govuk-inset-text").inner_text()
    assert await page.locator("#finance-income").input_value() == "not yet known"
    assert await page.locator("input[name='finance.rating'][value=amber]").is_checked()
    assert await page.locator("#sustainability-vacancies").input_value() == ""
    await accessible(page)


async def test_evidence_is_attached_to_a_return_sent_and_a_wrong_file_is_named(
        console: Console):
    page = await provider_owing_a_return(console)
    await page.goto(FORM_URL)
    await fill(page, april_to_july())
    await page.get_by_role("button", name="Submit return").click()
    await page.locator(".govuk-panel--confirmation").wait_for()

    await page.locator("#file").set_input_files(files=[{
        "name": "run.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90\x00"}])
    await page.get_by_role("button", name="Attach file").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    link = summary.get_by_role("link")
    assert "is not accepted" in await link.inner_text()
    assert await link.get_attribute("href") == "#file"
    assert "is not accepted" in await page.locator("#file-error").inner_text()
    await accessible(page)

    await page.locator("#file").set_input_files(files=[{
        "name": "supervision records.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    await page.get_by_role("button", name="Attach file").click()
    await page.locator(".govuk-notification-banner--success").wait_for()
    assert "supervision records.pdf is attached" in await page.locator(
        ".govuk-notification-banner--success").inner_text()
    evidence = page.locator("#evidence ~ .assure-table-scroll table")
    assert "supervision records.pdf" in await evidence.inner_text()
    async with page.expect_download() as download:
        await evidence.get_by_role("link", name="supervision records.pdf").click()
    saved = await (await download.value).path()
    assert Path(saved).read_bytes() == PDF
    await accessible(page)
    await screenshot(page, "provider-return")


async def test_the_portal_is_for_providers_users(console: Console):
    page = await console.sign_in("Jo Officer", "commissioning_officer")
    answer = await page.goto("/console/provider/")
    assert answer.status == 403
    assert "provider’s own users" in await page.locator("main").inner_text() or \
        "provider's own users" in await page.locator("main").inner_text()
    await accessible(page)


async def test_a_provider_sees_what_the_council_asked_of_it_and_not_its_casework(
        console: Console):
    await register_with_contract(console.api, PROVIDER)
    await console.api.post(f"/intake/contracts/{PROVIDER}-c1/returns",
                           json=return_form(SECTIONS_UNSAFE))

    async def opened() -> Any:
        found = (await console.api.get(f"/escalation/providers/{PROVIDER}/interventions")).json()
        return found[0] if found else None

    at = f"/escalation/interventions/{(await eventually(opened))['intervention_id']}"
    asked = await console.api.post(f"{at}/improvement-plans", json={
        "requested_on": "2026-12-18"})
    assert asked.status_code == 201, asked.text

    page = await console.sign_in("Registered manager", "provider_user", PROVIDER)
    await page.goto("/console/provider/")
    actions = page.locator("#actions ~ .assure-table-scroll table").first
    row = actions.locator("tr", has_text="Send your improvement plan to the council")
    assert "7 January 2027" in await row.inner_text()  # 10 working days, Christmas skipped
    await accessible(page)
    await screenshot(page, "provider-actions")


async def test_a_provider_corrects_a_return_it_sent_and_both_stay_in_its_history(
        console: Console):
    """Issue 18: "providers can correct a sent return". The correction starts from the answers
    sent, is scored as the provider's return for the period, and the first is kept, marked."""
    page = await provider_owing_a_return(console)
    await page.goto(FORM_URL)
    await fill(page, april_to_july())
    await page.get_by_role("button", name="Submit return").click()
    await page.locator(".govuk-panel--confirmation").wait_for()
    [first] = (await console.api.get(f"/intake/contracts/{PROVIDER}-c1/returns")).json()

    await page.goto(f"/console/provider/returns/{first['return_id']}")
    await page.get_by_role("link", name="Correct this return").click()
    assert await page.locator("input[name='finance.rating'][value=green]").is_checked()
    await accessible(page)
    await page.locator("input[name='finance.rating'][value=amber]").check()
    await page.get_by_role("button", name="Send correction").click()
    await page.locator(".govuk-panel--confirmation").wait_for()

    sent = (await console.api.get(f"/intake/contracts/{PROVIDER}-c1/returns")).json()
    [corrected] = [r for r in sent if r["return_id"] == first["return_id"]]
    [correction] = [r for r in sent if r["corrects"] == first["return_id"]]
    assert corrected["corrected_by"] == correction["return_id"]
    assert correction["sections"]["finance"] == "amber"

    # The corrected return offers no second correction; its correction does.
    await page.goto(f"/console/provider/returns/{first['return_id']}")
    assert await page.get_by_role("link", name="Correct this return").count() == 0
    assert "A later return corrected this one" in await page.locator("main").inner_text()


async def test_on_a_phone_a_return_owed_says_it_is_overdue_without_scrolling(console: Console):
    """Its table scrolls sideways within its box on a phone: whether a return is overdue is
    its first column, in view (issue 18: it was the fourth, off the screen)."""
    page = await provider_owing_a_return(console)
    for width in (320, 390):
        await page.set_viewport_size({"width": width, "height": 740})
        await page.goto("/console/provider/")
        row = page.locator("#owed ~ .assure-table-scroll table tr",
                           has_text="1 April 2026 to 31 July 2026")
        box = await row.locator(".govuk-tag--red", has_text="Overdue").bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, (width, box)
        await accessible(page)
