"""The auditor's and committee's views in a real browser: a provider's history with who did what
and why, its state as at a date, its download, who has read it and whether the stores' hash
chains hold; the governance report with its charts; and who may not see them."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from assure.console.audit import read_date
from assure.console.governance import parse_period, periods
from assure.exports import UK
from assure.signin import DEFAULT_NAMES
from shared.security.identity import Role
from shared.settings import AssureSettings
from tests.browser.conftest import Console, accessible, screenshot
from tests.support import SECTIONS_UNSAFE, eventually, register_with_contract, return_form

pytestmark = pytest.mark.browser
AUDITOR = "Ada Auditor (internal audit)"
SIGNED_IN = DEFAULT_NAMES[Role.COMMISSIONING_OFFICER]  # whom the console's API client acts as


async def a_provider_with_a_serious_concern(console: Console, provider_id: str) -> None:
    """Intake, risk and escalation all have something to say: a LEVEL 1 care home whose
    return rates safety red, so a concern is raised and an Enforce intervention opened."""
    api = console.api
    reference = await register_with_contract(api, provider_id)
    sent = await api.post(f"/intake/contracts/{reference}/returns",
                          json=return_form(SECTIONS_UNSAFE))
    assert sent.status_code == 201, sent.text

    async def escalated() -> Any:
        scored = (await api.get(f"/risk/providers/{provider_id}/risk")).json()
        opened = (await api.get(f"/escalation/providers/{provider_id}/interventions")).json()
        return scored.get("returns_scored") and opened

    await eventually(escalated, what="the return scored and an intervention opened")


async def cells(page: Any, table: str) -> list[list[str]]:
    return [[cell.strip() for cell in row] for row in await page.locator(
        f"{table} tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText))")]


async def submit_date(page: Any, day: date | tuple[str, str, str]) -> Any:
    parts = (str(day.day), str(day.month), str(day.year)) if isinstance(day, date) else day
    for name, value in zip(("Day", "Month", "Year"), parts, strict=True):
        await page.get_by_label(name, exact=True).fill(value)
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name="Show the state as at this date").click()
    return await navigation.value


async def test_an_auditor_reads_a_history_as_at_a_date_downloads_it_and_sees_their_read(
        console: Console):
    await a_provider_with_a_serious_concern(console, "hazel")
    page = await console.sign_in(AUDITOR, "auditor")

    await page.goto("/console/audit/")
    listed = page.locator(".assure-providers").get_by_role("link", name="Hazel")
    assert await listed.get_attribute("href") == "/console/audit/providers/hazel"
    await accessible(page)
    await page.get_by_role("button", name="Show the history").click()  # no id typed
    assert await page.title() == "Error: Provider histories – Assure"
    await page.locator(".govuk-error-summary").get_by_role("link",
                                                           name="Enter the provider id").click()
    await accessible(page)
    await page.get_by_label("Provider id").fill("hazel")
    await page.get_by_role("button", name="Show the history").click()
    await page.wait_for_url("**/console/audit/providers/hazel")

    # Events from intake, risk and escalation, each a sentence saying who did what and why;
    # notify's delivery steps folded away until asked for.
    history = page.locator(".assure-history")
    said = await history.inner_text()
    # Registered and awarded by the person the test's API client signs in as.
    assert f"{SIGNED_IN} registered Hazel as a provider." in said
    assert f"{SIGNED_IN} awarded contract hazel-c1 for care home" in said
    said = " ".join(said.split())  # each why is a paragraph of its own
    assert "Assure raised a serious concern about safety. Why: The return for the period " in said
    assert "rated 2 sections red" in said
    assert "Assure’s proportionality policy proposed a breach notice, for approval. Why: " \
        "serious concern with people's safety at risk" in said
    assert "Assure opened an intervention at the enforce level" in said
    today = datetime.now(UK).date()
    first = await history.locator("li").first.inner_text()
    assert first.startswith(f"{today.day} {today:%B %Y}, ")  # UK time: 23 November 2026
    steps = page.locator("details.assure-delivery-steps").first
    assert await steps.get_attribute("open") is None
    assert not await steps.locator(".govuk-details__text").is_visible()
    await steps.locator("summary").click()
    assert await steps.locator(".govuk-details__text").is_visible()
    assert "Assure told " in await steps.inner_text()
    banner = page.locator("#verification")
    assert "All records verified: hash chains intact" in await banner.inner_text()
    assert "Intake: " in await banner.inner_text() and "chain intact" in await banner.inner_text()
    await accessible(page)
    await screenshot(page, "audit-history")

    # As at a date: an impossible one first, then a future one, then today.
    answer = await submit_date(page, ("31", "2", "2026"))
    assert answer.status == 422
    summary = page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name="The date must be a real date, like 27 3 2026")
    assert await link.get_attribute("href") == "#as-at-day"
    assert await page.get_by_label("Day", exact=True).input_value() == "31"
    await accessible(page)
    answer = await submit_date(page, today + timedelta(days=1))
    assert answer.status == 422
    assert "The date must be today or in the past" in await summary.inner_text()
    answer = await submit_date(page, today)
    assert answer.status == 200
    assert await page.locator("h1").inner_text() == f"As at the end of {today.day} {today:%B %Y}"
    risk = await page.locator("dl[aria-labelledby=service-risk]").inner_text()
    assert "74%" in risk and "People’s safety is at risk." in risk
    escalation = await page.locator("dl[aria-labelledby=service-escalation]").inner_text()
    assert "Open at the enforce level" in escalation
    intake = await page.locator("dl[aria-labelledby=service-intake]").inner_text()
    assert "hazel-c1: care home, £250,000.00 a year" in intake
    await accessible(page)
    await screenshot(page, "audit-as-at")

    # Downloads come through the console as the API sends them.
    await page.goto("/console/audit/providers/hazel")
    csv = await page.request.get("/console/audit/providers/hazel/download/csv")
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == 'attachment; filename="history-hazel.csv"'
    assert (await csv.text()).startswith("time,service,aggregate")
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download as PDF (to print or file)").click()
    assert (await downloading.value).suggested_filename == "history-hazel.pdf"

    # Every read was recorded under the auditor's own name, taken from their sign-in.
    await page.reload()
    reads = await cells(page, ".assure-reads")
    mine = [what for reader, what, _ in reads if reader == AUDITOR]
    assert {"history (json)", "history (csv)", "history (pdf)"} <= set(mine)
    assert any(what.startswith("state as at") for what in mine)
    assert all(reader == AUDITOR for reader, _, _ in reads)
    await accessible(page)


async def test_the_governance_report_shows_each_table_beside_its_chart(console: Console):
    await a_provider_with_a_serious_concern(console, "rowan")
    page = await console.sign_in(AUDITOR, "auditor")
    await page.goto("/console/reports/governance")
    await accessible(page)
    await page.get_by_text("Choose another period").click()
    await page.get_by_label("(in progress)").first.check()  # the half-year the return came in
    await page.get_by_role("button", name="Show this period").click()
    await page.wait_for_url("**period=*")

    chart = page.locator("svg[role=img]", has=page.locator("title",
                                                           has_text="Risk-score bands, Care"))
    # The return is red on safety: a limiting rating holds it in the 50-74% band.
    assert "50–74%: 1" in await chart.locator("desc").text_content()
    bands = await cells(page, "table:has(caption:text('Contracts per risk-score band, Care'))")
    assert ["50–74%", "1"] in bands and ["Total", "1"] in bands
    compliance = page.locator("svg[role=img]", has=page.locator("title",
                                                                has_text="Compliance, Care"))
    assert await compliance.count() == 1
    assert await page.locator("table:has(caption:text('Compliance, Care homes'))").count() == 1
    await accessible(page)
    await screenshot(page, "governance-report")

    period = page.url.split("period=")[1]
    pdf = await page.request.get(f"/console/reports/governance/download?period={period}"
                                 "&format=pdf")
    assert pdf.headers["content-type"] == "application/pdf" and (await pdf.body()).startswith(
        b"%PDF")
    refused = await page.goto("/console/reports/governance?period=last-week")
    assert refused.status == 422
    assert await page.locator(".govuk-error-summary a[href='#period']").inner_text() == (
        "Choose a period from the list")
    await accessible(page)


async def test_officers_read_histories_and_providers_are_refused(console: Console):
    await register_with_contract(console.api, "birch")
    officer = await console.sign_in("Jo Officer", "commissioning_officer")
    answer = await officer.goto("/console/audit/providers/birch")
    assert answer.status == 200
    assert await officer.locator("h1").inner_text() == "History of Birch"
    # Verification and the list of readers are for auditors and administrators: not shown.
    assert await officer.locator("#verification").count() == 0
    assert await officer.locator("#reads").count() == 0
    await accessible(officer)

    provider = await console.sign_in("Pat Manager", "provider_user", provider_id="birch")
    for path in ("/console/audit/providers/x", "/console/audit/providers/birch",
                 "/console/reports/governance"):
        answer = await provider.goto(path)
        assert answer.status == 403, path
        assert await provider.locator("h1").inner_text() == "You cannot see this page"
    await accessible(provider)


async def test_a_store_altered_behind_assures_back_is_named_on_the_history_page(
        console: Console, console_settings: AssureSettings):
    await register_with_contract(console.api, "alder")
    # Someone with access to the database renames the provider in its stored registration.
    with sqlite3.connect(console_settings.data_dir / "intake.sqlite") as db:
        table = next(name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'") if name.endswith("events"))
        row, state = next((row, state) for row, state in db.execute(
            f"SELECT rowid, state FROM {table} ORDER BY rowid")  # noqa: S608
            if b"Alder" in state)
        db.execute(f"UPDATE {table} SET state = ? WHERE rowid = ?",  # noqa: S608
                   (state.replace(b"Alder", b"Elmer"), row))

    page = await console.sign_in(AUDITOR, "auditor")
    await page.goto("/console/audit/providers/alder")
    banner = await page.locator("#verification").inner_text()
    assert "Records may have been altered: a hash chain is broken" in banner
    assert "Intake: " in banner and "chain broken at record" in banner
    assert "version 1: its content does not match its hash" in banner
    assert "Risk: " in banner and "chain intact" in banner
    await accessible(page)
    await screenshot(page, "audit-verification-broken")



@pytest.mark.parametrize(("typed", "problem"), [
    (("", "", ""), {"date": "Enter the date"}),
    (("31", "", "2026"), {"month": "The date must include a month"}),
    (("31", "2", "2026"), {"date": "The date must be a real date, like 27 3 2026"}),
    (("1", "3", "26"), {"date": "The date must be a real date, like 27 3 2026"}),
    (("24", "11", "2026"), {"date": "The date must be today or in the past"}),
    (("23", "11", "2026"), {}),
])
def test_the_as_at_date_is_read_as_govuk_date_inputs_are(typed, problem):
    day, found = read_date(dict(zip(("day", "month", "year"), typed, strict=True)),
                           today=date(2026, 11, 23))
    assert found == problem and (day is None) == bool(problem)


def test_the_periods_offered_are_the_half_years_and_financial_years_so_far():
    offered = [(str(start), str(end)) for start, end, _ in periods(date(2026, 11, 23))]
    assert offered[:2] == [("2026-10-01", "2027-03-31"), ("2026-04-01", "2026-09-30")]
    assert offered[4:6] == [("2026-04-01", "2027-03-31"), ("2025-04-01", "2026-03-31")]
    assert parse_period("2026-10-01..2027-03-31") == (date(2026, 10, 1), date(2027, 3, 31))
    assert parse_period("2027-03-31..2026-10-01") is None and parse_period("last-week") is None
