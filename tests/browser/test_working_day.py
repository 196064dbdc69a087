"""A working day in the console, walked by each role in turn on the demo's data (issue 18,
"done means"): an officer's morning triage (the dashboard worst first, the worst provider, its
intervention, the return log, a monitoring visit written up), the review of an improvement plan,
a senior's approval of a serious step in the approvals queue, the provider reading what it was
told and replying, and an auditor checking the provider's history and its verification.

The whole walk runs at a desktop's width and at a phone's: every page is checked with axe-core
(WCAG 2.2 A and AA), must not be wider than the screen, and is photographed (in
ASSURE_SCREENSHOTS/working-day/<width>, else under the test's tmp_path) so that the pages can be
looked at as a commissioning team would see them."""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from assure import demo
from assure.console.rendering import uk_date
from tests.browser.conftest import Console, accessible
from tests.support import eventually

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}
# The demo's contracts name Ann Duncan as their contract manager: she is told of their news.
OFFICER = ("Ann Duncan", "commissioning_officer")
SENIOR = demo.APPROVER[0], "head_of_strategic_planning"
AUDITOR = ("Ada Auditor", "auditor")
WORST, WORST_NAME = demo.POOR, "Oakwood Care at Home"
PLANNED, PLANNED_NAME = demo.FALLING
REPLY = "Two senior carers finish their supervision training on 18 December."
WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth - window.innerWidth"


class Walk:
    """Someone's pages at one width: each one looked at, checked and photographed."""

    def __init__(self, console: Console, width: str, folder: Path) -> None:
        self.console, self.width, self.folder = console, width, folder
        self.taken = 0

    async def sign_in(self, person: tuple[str, str], provider_id: str | None = None) -> Any:
        page = await self.console.sign_in(*person, provider_id)
        await page.set_viewport_size(WIDTHS[self.width])
        return page

    async def look(self, page: Any, name: str) -> None:
        """The page as it stands: one h1, axe clean, no wider than the screen, photographed."""
        await page.wait_for_load_state()
        assert await page.locator("h1").count() == 1, f"{name}: one h1"
        over = await page.evaluate(WIDER_THAN_THE_SCREEN)
        assert over <= 0, f"{name} at {self.width}: {over} px wider than the screen"
        await accessible(page)
        self.taken += 1
        await page.screenshot(path=str(self.folder / f"{self.taken:02d}-{name}.png"),
                              full_page=True)


@pytest.fixture
def folder(tmp_path: Path, width: str) -> Path:
    root = Path(os.environ["ASSURE_SCREENSHOTS"]) if os.environ.get("ASSURE_SCREENSHOTS") \
        else tmp_path
    where = root / "working-day" / width
    where.mkdir(parents=True, exist_ok=True)
    for old in where.glob("*.png"):
        old.unlink()
    return where


async def fill_date(scope: Any, group: str, day: date) -> None:
    fields = scope.get_by_role("group", name=group)
    for part, value in (("Day", day.day), ("Month", day.month), ("Year", day.year)):
        await fields.get_by_label(part, exact=True).fill(str(value))


async def succeeded(page: Any) -> str:
    """What the success banner the page came back with says."""
    banner = page.locator(".govuk-notification-banner--success")
    await banner.wait_for()
    return await banner.inner_text()


async def council_today(console: Console) -> date:
    return date.fromisoformat((await console.api.get("/intake/clock")).json()["today"])


async def officer_morning(walk: Walk, today: date) -> tuple[str, str]:
    """Triage: the worst provider first, its intervention, the returns, a visit written up.
    Then a serious step proposed for a senior to decide. Answers the step's and report's ids."""
    page = await walk.sign_in(OFFICER)
    await page.goto("/console/workspace/")
    rows = page.locator("#providers tbody tr")
    await rows.first.wait_for()
    assert await rows.first.get_attribute("data-provider") == WORST
    await walk.look(page, "officer-dashboard")

    await page.goto("/console/workspace/returns")
    assert "Overdue" in await page.locator("main").inner_text()
    await walk.look(page, "officer-return-log")

    await page.goto("/console/inbox")
    await walk.look(page, "officer-inbox")

    await page.goto("/console/workspace/")
    await rows.first.get_by_role("link", name=WORST_NAME).click()
    await page.wait_for_url(f"**/console/workspace/providers/{WORST}")
    await walk.look(page, "officer-worst-provider")

    await page.locator("a[href^='/console/workspace/interventions/']").first.click()
    await page.wait_for_url("**/console/workspace/interventions/*")
    assert "Intervention at Enforce" in await page.locator("h1").inner_text()
    await walk.look(page, "officer-intervention")

    more = page.locator("#more-actions")
    await more.locator("summary").click()
    form = page.locator("section[aria-labelledby=chief-officer-heading]")
    await form.get_by_label("Why").fill("Unsafe care at home and staffing rated red: the "
                                        "Chief Officer should know before the committee")
    await form.get_by_role("button", name="Propose telling the Chief Officer").click()
    assert "Proposal made" in await succeeded(page)
    await walk.look(page, "officer-proposed")

    # The monitoring visit of two days ago, written up and issued to the provider.
    await page.goto(f"/console/workspace/providers/{WORST}/reports/new")
    await page.get_by_label("Meeting notes").check()
    visited = today - timedelta(days=2)
    await fill_date(page, "Date of the monitoring activity", visited)
    await page.get_by_label("Findings").fill(
        "Supervision is behind: 62% against the 80% required.\nTwo visits were missed in "
        "November.")
    await page.get_by_label("Action 1").fill("Bring supervision up to 80%")
    await fill_date(page, "Date action 1 is required by", visited + timedelta(days=42))
    await walk.look(page, "officer-report-draft")
    await page.get_by_role("button", name="Save and issue to the provider").click()
    await page.locator(".govuk-notification-banner").wait_for()
    await walk.look(page, "officer-report-issued")
    report_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    proposals = (await walk.console.api.get(f"/escalation/providers/{WORST}/escalations")).json()
    [proposal] = [p for p in proposals if p["status"] == "proposed"
                  and p["proposed_by"] == OFFICER[0]]
    return proposal["escalation_id"], report_id


async def plan_review(walk: Walk, today: date) -> None:
    """The improvement plan the trend's concern asked of Elm Court is in: the officer records
    it with its first SMART action, and the plan's review date follows."""
    page = await walk.sign_in(OFFICER)
    await page.goto(f"/console/workspace/providers/{PLANNED}")
    await walk.look(page, "officer-planned-provider")
    await page.locator("a[href^='/console/workspace/interventions/']").first.click()
    await page.wait_for_url("**/console/workspace/interventions/*")
    assert await page.locator("#improvement-plans").count() == 1
    form = page.locator("section[aria-labelledby=plan-received-heading]")
    await fill_date(form, "Date received", today)
    await form.get_by_label("Action", exact=True).fill("Recruit two senior carers")
    await form.get_by_label("Owner").fill("Registered manager")
    await form.get_by_label("Measure").fill("Both in post, on the rota")
    await fill_date(form, "Action due by", today + timedelta(days=40))
    await walk.look(page, "officer-plan-form")
    await form.get_by_role("button", name="Record plan received").click()
    assert "Improvement plan received" in await succeeded(page)
    assert "Recruit two senior carers" in await page.locator("#improvement-plans").inner_text()
    await walk.look(page, "officer-plan-received")


async def senior_approves(walk: Walk, escalation_id: str) -> None:
    page = await walk.sign_in(SENIOR)

    async def told() -> Any:
        inbox = (await walk.console.api.get("/notify/inbox/head-of-strategic-planning")).json()
        return next((n for n in inbox if n["about_event_type"] == "EscalationProposed"
                     and n["provider_id"] == WORST), None)

    notification = await eventually(told, what="the senior told of the proposal")
    await page.goto("/console/inbox")
    row = page.locator(f"[data-notification='{notification['notification_id']}']")
    assert "Unread" in await row.inner_text()
    await walk.look(page, "senior-inbox")
    await page.goto("/console/workspace/approvals")
    card = page.locator(f"[data-escalation='{escalation_id}']")
    await card.wait_for()
    assert OFFICER[0] in await card.inner_text()
    await walk.look(page, "senior-approvals")
    await card.get_by_label("Reason for your decision").fill(
        "Agreed: the Chief Officer is briefed before Thursday's committee")
    await card.get_by_role("button", name="Approve").click()
    assert "approved" in await succeeded(page)
    await walk.look(page, "senior-approved")


async def provider_replies(walk: Walk, report_id: str) -> None:
    page = await walk.sign_in(("Registered manager", "provider_user"), WORST)
    await page.goto("/console/inbox")
    await walk.look(page, "provider-inbox")
    await page.goto("/console/provider/")
    await walk.look(page, "provider-home")
    await page.goto("/console/provider/reports")
    await walk.look(page, "provider-reports")
    await page.get_by_role("link", name="Meeting notes").click()
    await page.wait_for_url(f"**/console/provider/reports/{report_id}")
    await page.get_by_label("Your reply to the report").fill(REPLY)
    await walk.look(page, "provider-report")
    await page.get_by_role("button", name="Send your reply").click()
    await page.locator(".govuk-notification-banner").wait_for()
    assert REPLY in await page.locator("main").inner_text()
    await walk.look(page, "provider-replied")


async def auditor_checks(walk: Walk, today: date) -> None:
    page = await walk.sign_in(AUDITOR)
    await page.goto("/console/audit/")
    await walk.look(page, "auditor-providers")
    await page.locator(".assure-providers").get_by_role("link", name=WORST_NAME).click()
    await page.wait_for_url(f"**/console/audit/providers/{WORST}")
    history = await page.locator("main").inner_text()
    assert SENIOR[0] in history and OFFICER[0] in history
    assert "All records verified: hash chains intact" in await page.locator(
        "#verification").inner_text()
    await walk.look(page, "auditor-history")
    await page.goto(f"/console/audit/providers/{WORST}/as-at")
    for part, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        await page.get_by_label(part, exact=True).fill(str(value))
    await page.get_by_role("button", name="Show the state as at this date").click()
    await page.wait_for_url("**/as-at?*")
    assert uk_date(today.isoformat()) in await page.locator("h1").inner_text()
    await walk.look(page, "auditor-as-at")


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_a_working_day_for_each_role(console: Console, width: str, folder: Path):
    await asyncio.to_thread(demo.run, console.url, lambda _: None)
    today = await council_today(console)
    walk = Walk(console, width, folder)
    escalation_id, report_id = await officer_morning(walk, today)
    await plan_review(walk, today)
    await senior_approves(walk, escalation_id)
    await provider_replies(walk, report_id)
    await auditor_checks(walk, today)
    assert walk.taken >= 20
