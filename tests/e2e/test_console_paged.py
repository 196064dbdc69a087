"""The console's long lists a page at a time, with sign-in on (issue 18: on the national bench's
data 714 proposals waited in one page of 2.4 MB, and a provider's history was 650 events):
the approvals queue, oldest first, and a provider's history, each with the count of all and
the GOV.UK pagination; a decision made on a later page comes back to it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from assure.console import approvals, audit
from assure.signin import DevSignIn
from tests.support import contract_award, running

pytestmark = pytest.mark.e2e

OWN = "http://assure"
TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
CARD = re.compile(r'data-escalation="([^"]+)"')


@pytest.fixture
async def site(settings) -> AsyncIterator[tuple[httpx.ASGITransport, httpx.AsyncClient]]:
    """The system with sign-in on, its entry point in process, and the API as an officer."""
    signed = settings.model_copy(update={"auth_required": True})
    async with running(signed) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url=OWN,
                                     auth=DevSignIn("Ann Duncan")) as api:
            yield transport, api


async def signed_in(transport: httpx.ASGITransport, user: str, role: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=transport, base_url=OWN)
    page = await browser.get("/console/sign-in")
    answer = await browser.post("/console/sign-in", headers={"Origin": OWN}, data={
        "user": user, "role": role, "csrf_token": TOKEN.search(page.text).group(1)})
    assert answer.status_code == 303, answer.text
    return browser


async def proposed(api: httpx.AsyncClient, provider_id: str) -> dict[str, Any]:
    """A provider with an intervention, and telling the Chief Officer proposed for it."""
    assert (await api.post("/intake/providers", json={
        "provider_id": provider_id, "name": provider_id.title()})).status_code == 201
    reference = f"{provider_id}-c1"
    assert (await api.post(f"/intake/providers/{provider_id}/contracts",
                           json=contract_award(reference))).status_code == 201
    opened = await api.post(f"/escalation/providers/{provider_id}/interventions", json={
        "summary": "missed visits", "contract_reference": reference})
    assert opened.status_code == 201, opened.text
    answer = await api.post(
        f"/escalation/interventions/{opened.json()['intervention_id']}/chief-officer",
        json={"reason": f"media interest in {provider_id}"})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_the_approvals_queue_comes_a_page_at_a_time_oldest_first(site, monkeypatch):
    transport, api = site
    monkeypatch.setattr(approvals, "PAGE_SIZE", 2)
    waiting = [await proposed(api, name) for name in ("alder", "birch", "cedar")]
    senior = await signed_in(transport, "Morag Campbell", "head_of_strategic_planning")

    first = await senior.get("/console/workspace/approvals")
    second = await senior.get("/console/workspace/approvals", params={"page": 2})
    beyond = await senior.get("/console/workspace/approvals", params={"page": 9})

    ids = [str(p["escalation_id"]) for p in waiting]
    assert CARD.findall(first.text) == ids[:2] and CARD.findall(second.text) == ids[2:]
    assert "3</strong>\n  steps are waiting" in first.text
    assert "these are 3 to 3" in second.text
    assert 'aria-label="Pages of the approvals queue"' in first.text
    assert 'href="/console/workspace/approvals?page=2"' in first.text
    assert CARD.findall(beyond.text) == ids[2:]  # past the end: the last page
    assert 'data-live-src="/console/workspace/approvals/fragment?page=2"' in second.text
    fragment = await senior.get("/console/workspace/approvals/fragment", params={"page": 2})
    assert CARD.findall(fragment.text) == ids[2:]

    # Decided on the second page, back to the second page.
    decided = await senior.post(f"/console/workspace/approvals/{ids[2]}", headers={
        "Origin": OWN}, data={"decision": "approve", "reason": "", "page": "2",
                              "csrf_token": TOKEN.search(second.text).group(1)})
    assert decided.status_code == 303, decided.text
    assert decided.headers["location"] == "/console/workspace/approvals?page=2"
    await senior.aclose()


async def test_a_providers_history_comes_a_page_at_a_time(site, monkeypatch):
    transport, api = site
    monkeypatch.setattr(audit, "HISTORY_PAGE", 3)
    await proposed(api, "hazel")
    auditor = await signed_in(transport, "Ada Auditor", "auditor")
    everything = (await api.get("/history/hazel")).json()
    assert len(everything) > 6

    first = (await auditor.get("/console/audit/providers/hazel")).text
    second = (await auditor.get("/console/audit/providers/hazel", params={"page": 2})).text
    risk = (await auditor.get("/console/audit/providers/hazel", params={
        "service": "risk"})).text

    # Three events a page (a run of delivery steps folds into one entry); more may have been
    # recorded meanwhile (notifications settling), never fewer.
    assert 1 <= first.count('class="assure-history__entry"') <= 3
    assert int(re.search(r"(\d+) events, oldest first", first).group(1)) >= len(everything)
    assert "these are 1 to 3" in first and "these are 4 to 6" in second
    assert 'href="/console/audit/providers/hazel?page=2"' in first
    assert re.search(r"\d+ events? from Risk, oldest first", risk)
    await auditor.aclose()
