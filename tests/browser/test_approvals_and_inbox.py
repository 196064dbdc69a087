"""The approvals queue and the notifications inbox in a real browser: a senior sees a proposed
suspension arrive without reloading and approves it; nobody approves their own proposal; a
notification arrives without reloading and is marked as read (issue 9, §8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from assure.console import inbox as console_inbox
from assure.signin import as_person
from shared.security.identity import Role
from tests.browser.conftest import Console, accessible, screenshot
from tests.support import SECTIONS_UNSAFE, eventually, register_with_contract, return_form

pytestmark = pytest.mark.browser

OFFICER = "Jo Officer"
HOSP = ("Morag Campbell", "head_of_strategic_planning")
GM = ("Ewan Grant", "general_manager")


async def ok(answer: httpx.Response, code: int = 200) -> Any:
    assert answer.status_code == code, answer.text
    return answer.json()


async def failed_breach_notice(api: httpx.AsyncClient, provider_id: str) -> str:
    """An unsafe return opens an intervention; its breach notice is not met. Its address."""
    reference = await register_with_contract(api, provider_id)
    await ok(await api.post(f"/intake/contracts/{reference}/returns",
                            json=return_form(SECTIONS_UNSAFE)), 201)

    async def opened() -> list[dict[str, Any]]:
        return (await api.get(f"/escalation/providers/{provider_id}/interventions")).json()

    [intervention] = await eventually(opened, what="InterventionOpened")
    at = f"/escalation/interventions/{intervention['intervention_id']}"
    # The policy's own proposal is confirmed first, as on the ladder.
    for proposal in await ok(await api.get(f"/escalation/providers/{provider_id}/escalations")):
        await ok(await api.post(f"/escalation/escalations/{proposal['escalation_id']}/approve",
                                json={}, extensions=as_person(GM[0], Role(GM[1]))))
    await ok(await api.post(f"{at}/breach-notices", json={
        "deficiency": "night staffing below the contract",
        "action_required": "two waking night staff every night", "issued_on": "2026-10-01",
        "comply_by": "2026-10-30"}), 201)
    checked = await ok(await api.post("/escalation/deadlines/check",
                                      params={"today": "2026-11-02"}))
    assert checked["breach_notices_failed"] == 1
    return at


async def another_proposal(api: httpx.AsyncClient, provider_id: str) -> dict[str, Any]:
    """A proposal to tell the Chief Officer about a provider, made through the API."""
    reference = await register_with_contract(api, provider_id)
    intervention = await ok(await api.post(
        f"/escalation/providers/{provider_id}/interventions", json={
            "summary": "serious adverse incident", "contract_reference": reference}), 201)
    return await ok(await api.post(
        f"/escalation/interventions/{intervention['intervention_id']}/chief-officer",
        json={"reason": "serious adverse incident"},
        extensions=as_person(OFFICER, Role.COMMISSIONING_OFFICER)), 201)


async def signed_in_api(console: Console, user: str, role: str) -> dict[str, str]:
    """A bearer token for someone in a role DevSignIn would not pick for the route."""
    token = await ok(await console.api.post("/auth/dev-token", json={"user": user, "role": role}))
    return {"Authorization": f"Bearer {token['access_token']}"}


async def mark_page(page: Any) -> None:
    """A flag that only a reload would clear: proof a change came without one."""
    await page.evaluate("window.assureNotReloaded = true")


async def not_reloaded(page: Any) -> bool:
    return await page.evaluate("window.assureNotReloaded === true")


async def test_a_senior_sees_a_proposed_suspension_arrive_and_approves_it(console: Console):
    at = await failed_breach_notice(console.api, "hazel")
    page = await console.sign_in(*HOSP)
    await page.goto("/console/workspace/approvals")
    assert await page.title() == "Approvals – Assure"
    queue = page.locator("#approvals")
    assert await queue.get_attribute("aria-live") == "polite"
    assert await queue.get_attribute("data-live-src") == "/console/workspace/approvals/fragment"
    assert "No serious steps are waiting" in await queue.inner_text()
    await accessible(page)
    await mark_page(page)

    # An officer proposes the suspension while the senior has the queue open.
    proposal = await ok(await console.api.post(f"{at}/suspension", json={
        "reason": "breach notice not met by 30 October",
        "contingency_plan": "social work reviews for all 14 people"},
        extensions=as_person(OFFICER, Role.COMMISSIONING_OFFICER)), 201)
    card = queue.locator(f"[data-escalation='{proposal['escalation_id']}']")
    await card.wait_for()
    assert await not_reloaded(page)
    text = await card.inner_text()
    for shown in ("Suspension of Hazel", OFFICER, "breach notice not met by 30 October"):
        assert shown in text
    assert await card.get_by_role("link", name="Hazel", exact=True).get_attribute("href") == (
        "/console/workspace/providers/hazel")
    await accessible(page)
    await screenshot(page, "approvals-queue")

    reason = card.get_by_label("Reason for your decision")
    await reason.fill("contingency plan agreed with the locality team")
    # Another proposal arrives while the senior types: the list changes under them, and what
    # they typed, and where, stays.
    other = await another_proposal(console.api, "larch")
    await queue.locator(f"[data-escalation='{other['escalation_id']}']").wait_for()
    assert await not_reloaded(page)
    assert await reason.input_value() == "contingency plan agreed with the locality team"
    assert await reason.evaluate("field => field === document.activeElement")
    await card.get_by_role("button", name="Approve the Suspension of Hazel").click()
    banner = page.locator(".govuk-notification-banner--success")
    await banner.wait_for()
    assert "Suspension of Hazel approved" in await banner.inner_text()
    assert await queue.locator(f"[data-escalation='{proposal['escalation_id']}']").count() == 0
    await accessible(page)

    decided = await ok(await console.api.get(
        f"/escalation/escalations/{proposal['escalation_id']}"))
    assert (decided["status"], decided["decided_by"]) == ("approved", HOSP[0])
    history = await ok(await console.api.get("/escalation/providers/hazel/history"))
    [approval] = [e for e in history if e["event"] == "Approved"
                  and e["aggregate_id"] == proposal["escalation_id"]]
    assert approval["why"] == "contingency plan agreed with the locality team"


async def test_a_senior_who_proposed_a_step_cannot_approve_it(console: Console):
    reference = await register_with_contract(console.api, "larch")
    intervention = await ok(await console.api.post(
        "/escalation/providers/larch/interventions", json={
            "summary": "a resident's death is under police investigation",
            "contract_reference": reference}), 201)
    as_gm = await signed_in_api(console, *GM)
    proposal = await ok(await console.api.post(
        f"/escalation/interventions/{intervention['intervention_id']}/chief-officer",
        json={"reason": "criminal investigation, media interest"},
        headers=as_gm, auth=None), 201)

    page = await console.sign_in(*GM)
    await page.goto("/console/workspace/approvals")
    card = page.locator(f"[data-escalation='{proposal['escalation_id']}']")
    await card.get_by_role("button", name="Approve").click()
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert await page.title() == "Error: Approvals – Assure"
    link = summary.get_by_role("link", name="You proposed this step")
    assert await link.get_attribute("href") == f"#reason-{proposal['escalation_id']}"
    assert "You proposed this step" in await card.locator(".govuk-error-message").inner_text()
    await accessible(page)
    await screenshot(page, "approvals-own-proposal-refused")

    still = await ok(await console.api.get(
        f"/escalation/escalations/{proposal['escalation_id']}"))
    assert (still["status"], still["decided_by"]) == ("proposed", None)

    # A rejection needs its reason; the form says so and changes nothing.
    other = await console.sign_in(*HOSP)
    await other.goto("/console/workspace/approvals")
    card = other.locator(f"[data-escalation='{proposal['escalation_id']}']")
    await card.get_by_role("button", name="Reject").click()
    await other.locator(".govuk-error-summary").get_by_role(
        "link", name="Enter the reason for rejecting").wait_for()
    await accessible(other)
    assert (await ok(await console.api.get(
        f"/escalation/escalations/{proposal['escalation_id']}")))["status"] == "proposed"

    # Officers propose serious steps; the queue is for those who decide on them.
    officer = await console.sign_in(OFFICER, "commissioning_officer")
    answer = await officer.goto("/console/workspace/approvals")
    assert answer.status == 403
    assert await officer.get_by_role("heading", level=1).inner_text() == (
        "You cannot see this page")
    await accessible(officer)


async def test_a_notification_arrives_without_a_reload_and_is_marked_as_read(console: Console):
    reference = await register_with_contract(console.api, "rowan")
    page = await console.sign_in(*HOSP)
    await page.goto("/console/inbox")
    assert await page.title() == "Notifications – Assure"
    inbox = page.locator("#inbox")
    assert await inbox.get_attribute("data-live-src") == "/console/inbox/fragment"
    await accessible(page)
    await mark_page(page)

    intervention = await ok(await console.api.post(
        "/escalation/providers/rowan/interventions", json={
            "summary": "serious adverse incident", "contract_reference": reference}), 201)
    await ok(await console.api.post(
        f"/escalation/interventions/{intervention['intervention_id']}/chief-officer",
        json={"reason": "serious adverse incident"}), 201)

    async def told() -> dict[str, Any] | None:
        items = (await console.api.get("/notify/inbox/head-of-strategic-planning")).json()
        return next((n for n in items if n["about_event_type"] == "EscalationProposed"
                     and n["provider_id"] == "rowan"), None)

    notification = await eventually(told, what="the Head of Strategic Planning told")
    row = inbox.locator(f"[data-notification='{notification['notification_id']}']")
    await row.wait_for()
    assert await not_reloaded(page)
    assert await row.locator(".govuk-tag--blue").inner_text() == "Unread"
    # The subject as notify wrote it, with the provider named rather than its id.
    assert notification["subject"].replace("provider rowan", "Rowan") in await row.inner_text()
    assert "rowan" not in await row.inner_text()
    await accessible(page)
    await screenshot(page, "inbox")

    await row.get_by_role("button", name="Mark as read").click()
    banner = page.locator(".govuk-notification-banner--success")
    await banner.wait_for()
    assert "marked as read" in await banner.inner_text()
    row = page.locator(f"[data-notification='{notification['notification_id']}']")
    assert await row.locator(".govuk-tag--grey").inner_text() == "Read"
    assert await row.get_by_role("button", name="Mark as read").count() == 0
    await accessible(page)

    mine = await ok(await console.api.get("/notify/inbox/head-of-strategic-planning",
                                          params={"reader": HOSP[0]}))
    assert next(n for n in mine if n["notification_id"] == notification["notification_id"]
                )["read"]
    others = await ok(await console.api.get("/notify/inbox/head-of-strategic-planning",
                                            params={"reader": "Someone else"}))
    assert not next(n for n in others
                    if n["notification_id"] == notification["notification_id"])["read"]


async def test_a_providers_users_read_their_own_inbox(console: Console):
    reference = await register_with_contract(console.api, "aspen")
    await ok(await console.api.post("/escalation/providers/aspen/interventions", json={
        "summary": "missed visits", "contract_reference": reference}), 201)

    async def told() -> dict[str, Any] | None:
        items = (await console.api.get("/notify/inbox/provider-aspen")).json()
        return next(iter(items), None)

    notification = await eventually(told, what="the provider told")
    page = await console.sign_in("Registered manager", "provider_user", provider_id="aspen")
    await page.goto("/console/inbox")
    row = page.locator(f"[data-notification='{notification['notification_id']}']")
    await row.get_by_role("button", name="Mark as read").click()
    await page.locator(".govuk-notification-banner--success").wait_for()
    assert await row.locator(".govuk-tag--grey").inner_text() == "Read"
    await accessible(page)


async def hosp_inbox(console: Console, **params: str) -> httpx.Response:
    return await console.api.get("/notify/inbox", params=params,
                                 extensions=as_person(HOSP[0], Role(HOSP[1])))


async def test_the_inbox_comes_a_page_at_a_time_and_reads_on_a_phone(console: Console,
                                                                      monkeypatch):
    """Issue 18, must-do 5: the inbox is paged and filtered, says how many are unread, and
    "Mark all as read"; a notification marked read leaves the person on the page they were
    on; on a phone "Mark as read" is reached without scrolling sideways."""
    monkeypatch.setattr(console_inbox, "INBOX_PAGE", 2)
    for provider_id in ("rowan", "hazel", "aspen"):
        await another_proposal(console.api, provider_id)

    async def all_told() -> httpx.Response | None:
        answer = await hosp_inbox(console)
        proposed = [n for n in answer.json() if n["about_event_type"] == "EscalationProposed"]
        return answer if len(proposed) == 3 else None

    told = await eventually(all_told, what="the Head of Strategic Planning told thrice")
    total, unread = int(told.headers["x-total-count"]), int(told.headers["x-unread-count"])
    newest = [n["notification_id"] for n in told.json()]
    page = await console.sign_in(*HOSP)
    await page.goto("/console/inbox")
    inbox = page.locator("#inbox")
    assert f"You have {unread} unread notifications" in await inbox.inner_text()
    assert f"Showing 1 to 2 of {total}" in await inbox.locator("caption").inner_text()
    shown = await inbox.locator("[data-notification]").evaluate_all(
        "rows => rows.map(row => row.dataset.notification)")
    assert shown == newest[:2]
    await accessible(page)

    await page.get_by_role("link", name="Next").click()
    await page.wait_for_url("**/console/inbox?page=2")
    assert await page.locator("#inbox").get_attribute("data-live-src") == (
        "/console/inbox/fragment?page=2")
    second = page.locator(f"[data-notification='{newest[2]}']")
    await second.get_by_role("button", name="Mark as read").click()
    await page.locator(".govuk-notification-banner--success").wait_for()
    assert page.url.endswith("/console/inbox?page=2")  # back where they were
    assert await second.locator(".govuk-tag--grey").inner_text() == "Read"
    assert f"You have {unread - 1} unread" in await page.locator("#inbox-count").inner_text()

    await page.get_by_label("Unread only").check()
    await page.get_by_role("button", name="Show notifications").click()
    await page.wait_for_url("**/console/inbox?show=unread")
    assert await page.locator("#inbox .govuk-tag--grey").count() == 0
    assert (await page.locator("#inbox caption").inner_text()).startswith(
        "Your unread notifications")
    assert await page.locator("#inbox [data-notification]").count() == min(2, unread - 1)
    await accessible(page)

    await page.set_viewport_size({"width": 320, "height": 640})
    button = page.get_by_role("button", name="Mark as read").first
    box = await button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert await page.locator("#inbox .assure-table-scroll").evaluate(
        "box => box.scrollWidth <= box.clientWidth")
    await screenshot(page, "inbox-phone")

    await page.get_by_role("button", name="Mark all as read").click()
    await page.locator(".govuk-notification-banner--success").wait_for()
    assert page.url.endswith("/console/inbox?show=unread")
    assert await page.locator("#inbox-count").inner_text() == "You have no unread notifications."
    assert await page.locator("#inbox-empty").inner_text() == "Nothing is waiting to be read."
    assert (await hosp_inbox(console)).headers["x-unread-count"] == "0"


async def test_the_dashboard_shows_a_new_provider_without_a_reload(console: Console):
    await register_with_contract(console.api, "hazel")
    page = await console.sign_in(OFFICER, "commissioning_officer")
    await page.goto("/console/workspace/")
    providers = page.locator("#providers")
    assert await providers.get_attribute("data-live-events") == "/console/workspace/changes"
    await providers.locator("[data-provider='hazel']").wait_for()
    choice = page.get_by_label("Service type")
    await choice.focus()
    await choice.select_option("care-home")  # chosen, not yet sent
    await mark_page(page)

    await register_with_contract(console.api, "rowan")  # another officer registers one
    await providers.locator("[data-provider='rowan']").wait_for()
    assert await not_reloaded(page)
    assert await choice.input_value() == "care-home"
    assert await choice.evaluate("field => field === document.activeElement")
    await accessible(page)
