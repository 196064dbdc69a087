"""The approvals queue across providers and the inboxes the console reads, with sign-in on:
every proposal waiting for a decision, whoever's provider; read and unread per person; a
provider's users mark read only their own inbox's notifications (issue 9, §8)."""

from __future__ import annotations

import httpx
import pytest

from shared.security.identity import Role
from tests.support import as_, contract_award, eventually

pytestmark = pytest.mark.e2e


async def with_intervention(http: httpx.AsyncClient, officer: dict, provider_id: str) -> str:
    await http.post("/intake/providers", headers=officer, json={
        "provider_id": provider_id, "name": provider_id.title()})
    reference = f"{provider_id}-c1"
    await http.post(f"/intake/providers/{provider_id}/contracts", headers=officer,
                    json=contract_award(reference))
    opened = await http.post(f"/escalation/providers/{provider_id}/interventions",
                             headers=officer, json={"summary": "missed visits",
                                                    "contract_reference": reference})
    assert opened.status_code == 201, opened.text
    return f"/escalation/interventions/{opened.json()['intervention_id']}"


async def test_the_queue_holds_every_providers_proposals_still_waiting(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    proposals = {}
    for provider_id in ("birch", "cedar"):
        at = await with_intervention(http, officer, provider_id)
        answer = await http.post(f"{at}/chief-officer", headers=officer, json={
            "reason": f"media interest in {provider_id}"})
        proposals[provider_id] = answer.json()
    cswo = as_(issuer, "Fiona Reid", Role.CSWO)
    decided = await http.post(
        f"/escalation/escalations/{proposals['cedar']['escalation_id']}/approve", headers=cswo,
        json={"reason": "the council must know"})
    assert decided.status_code == 200, decided.text

    waiting = await http.get("/escalation/escalations", params={"status": "proposed"},
                             headers=as_(issuer, "Audit", Role.AUDITOR))
    every = await http.get("/escalation/escalations", headers=cswo)

    assert [(e["provider_id"], e["proposed_by"]) for e in waiting.json()] == [
        ("birch", "Ann Duncan")]
    assert waiting.json()[0]["proposed_at"]
    assert {e["provider_id"]: e["status"] for e in every.json()} == {
        "birch": "proposed", "cedar": "approved"}
    history = (await http.get("/escalation/providers/cedar/history", headers=cswo)).json()
    assert [e["why"] for e in history if e["event"] == "Approved"] == ["the council must know"]
    unknown = await http.get("/escalation/escalations", params={"status": "pending"},
                             headers=cswo)
    assert unknown.status_code == 422
    provider = await http.get("/escalation/escalations", headers=as_(
        issuer, "Registered manager", Role.PROVIDER_USER, "birch"))
    assert provider.status_code == 403


async def test_read_and_unread_are_each_persons_and_providers_mark_only_their_own(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    await with_intervention(http, officer, "birch")

    async def told(inbox: str) -> list[dict] | None:
        found = await http.get(f"/notify/inbox/{inbox}", headers=officer)
        return found.json() or None

    [theirs] = await eventually(lambda: told("provider-birch"), what="the provider told")
    [managers] = await eventually(lambda: told("contract-manager"), what="the officer told")
    birch = as_(issuer, "Registered manager", Role.PROVIDER_USER, "birch")
    read = f"/notify/notifications/{theirs['notification_id']}/read"

    posing = await http.post(read, headers=birch, json={"reader": "Someone else"})
    other = await http.post(read, headers=as_(issuer, "Elm", Role.PROVIDER_USER, "elmbank"),
                            json={})
    not_theirs = await http.post(f"/notify/notifications/{managers['notification_id']}/read",
                                 headers=birch, json={})
    mine = await http.post(read, headers=birch, json={})

    # No body names the reader: the token does, so a body claiming one is refused, naming it.
    assert posing.status_code == 422 and posing.json()["detail"][0]["loc"] == ["body", "reader"]
    assert (other.status_code, not_theirs.status_code, mine.status_code) == (403, 403, 200)
    inbox = "/notify/inbox/provider-birch"
    for_them = (await http.get(inbox, headers=birch,
                               params={"reader": "Registered manager"})).json()
    for_a_colleague = (await http.get(inbox, headers=birch,
                                      params={"reader": "Deputy manager"})).json()
    unread = (await http.get(inbox, headers=birch, params={
        "reader": "Deputy manager", "unread": "true"})).json()
    assert [n["read"] for n in for_them] == [True]
    assert [n["read"] for n in for_a_colleague] == [False]
    assert [n["notification_id"] for n in unread] == [theirs["notification_id"]]


async def test_a_long_queue_and_an_inbox_come_a_page_at_a_time_with_their_counts(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    senior = as_(issuer, "Fiona Reid", Role.CSWO)
    for provider_id in ("alder", "birch", "cedar"):
        at = await with_intervention(http, officer, provider_id)
        await http.post(f"{at}/chief-officer", headers=officer, json={"reason": "media"})
    queue = "/escalation/escalations"

    whole = await http.get(queue, params={"status": "proposed"}, headers=senior)
    first = await http.get(queue, params={"status": "proposed", "limit": 2}, headers=senior)
    rest = await http.get(queue, params={"status": "proposed", "limit": 2, "offset": 2},
                          headers=senior)
    refused = await http.get(queue, params={"limit": 0}, headers=senior)

    assert [e["provider_id"] for e in whole.json()] == ["alder", "birch", "cedar"]
    assert first.json() + rest.json() == whole.json()
    assert [r.headers["X-Total-Count"] for r in (whole, first, rest)] == ["3", "3", "3"]
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == [
        "query", "limit"]

    async def told() -> list[dict] | None:
        found = (await http.get("/notify/inbox/contract-manager", headers=officer)).json()
        return found if len(found) == 3 else None

    newest, *_ = await eventually(told, what="the contract managers told three times")
    await http.post(f"/notify/notifications/{newest['notification_id']}/read", headers=officer,
                    json={})
    inbox = await http.get("/notify/inbox/contract-manager", headers=officer, params={
        "reader": "Ann Duncan", "unread_first": "true", "limit": 2})
    assert (inbox.headers["X-Total-Count"], inbox.headers["X-Unread-Count"]) == ("3", "2")
    assert [n["read"] for n in inbox.json()] == [False, False]
    interventions = await http.get("/escalation/interventions", params={"limit": 1},
                                   headers=officer)
    assert len(interventions.json()) == 1 and interventions.headers["X-Total-Count"] == "3"
    letters = await http.get("/escalation/dead-letters", params={"limit": 5},
                             headers=as_(issuer, "Sys Admin", Role.ADMINISTRATOR))
    assert letters.json() == [] and letters.headers["X-Total-Count"] == "0"
