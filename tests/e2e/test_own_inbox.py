"""Every inbox its own (issue 18, must-do 7): two officers of the same role each read what is
addressed to them and their providers, the contract managers' notifications about the
providers whose contracts name them, never the whole role's list; whose inbox it is comes from
the token, not from anything the request says. "Mark all as read" (must-do 5) marks the
signed-in person's own inbox, for them alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from assure.signin import as_person
from shared.security.identity import Role
from tests.e2e.test_console_by_role import OWN, TOKEN, console_as, signed_in_site
from tests.support import contract_award, eventually

pytestmark = pytest.mark.e2e

JO, KIM = "Jo Officer", "Kim Officer"


@pytest.fixture
async def site(settings) -> AsyncIterator[tuple[httpx.ASGITransport, httpx.AsyncClient]]:
    async with signed_in_site(settings) as (_, transport, api):
        yield transport, api


async def managed_by(api: httpx.AsyncClient, provider_id: str, manager: str) -> None:
    """A provider whose one contract names its manager, and an intervention opened on it (the
    contract managers' list is told)."""
    await api.post("/intake/providers", json={"provider_id": provider_id,
                                              "name": provider_id.title()})
    reference = f"{provider_id}-c1"
    answer = await api.post(f"/intake/providers/{provider_id}/contracts",
                            json=contract_award(reference, contract_manager=manager))
    assert answer.status_code == 201, answer.text
    answer = await api.post(f"/escalation/providers/{provider_id}/interventions", json={
        "summary": "missed visits", "contract_reference": reference})
    assert answer.status_code == 201, answer.text


async def providers_in_inbox(api: httpx.AsyncClient, user: str, **params: str) -> set[str]:
    answer = await api.get("/notify/inbox", params=params,
                           extensions=as_person(user, Role.COMMISSIONING_OFFICER))
    assert answer.status_code == 200, answer.text
    return {item["provider_id"] for item in answer.json()}


async def narrowed(api: httpx.AsyncClient) -> tuple[set[str], set[str]]:
    """Jo's and Kim's inboxes once notify has read which contract names whom (intake's stream,
    consumed apart from escalation's): until then a notification about a provider nobody is
    known to manage is everyone's."""

    async def known() -> tuple[set[str], set[str]] | None:
        jo, kim = await providers_in_inbox(api, JO), await providers_in_inbox(api, KIM)
        return (jo, kim) if "rowan" not in jo and "hazel" not in kim else None

    return await eventually(known, what="notify to know whose contracts they are")


async def test_two_officers_each_read_their_own_providers_notifications(site):
    transport, api = site
    await managed_by(api, "hazel", JO)
    await managed_by(api, "rowan", KIM)

    async def both_told() -> list[Any] | None:
        items = (await api.get("/notify/inbox/contract-manager")).json()
        return items if {i["provider_id"] for i in items} >= {"hazel", "rowan"} else None

    await eventually(both_told, what="the contract managers told of both interventions")

    jo, kim = await narrowed(api)
    assert jo == {"hazel"}
    assert kim == {"rowan"}
    # Naming someone else in the request changes nothing: the token says whose inbox it is.
    assert await providers_in_inbox(api, JO, reader=KIM, user_id=KIM) == {"hazel"}

    browser = await console_as(transport, JO, "commissioning_officer")
    page = (await browser.get("/console/inbox")).text
    fragment = (await browser.get("/console/inbox/fragment")).text
    await browser.aclose()
    for shown in (page, fragment):
        assert "/console/workspace/providers/hazel" in shown
        assert "/console/workspace/providers/rowan" not in shown


async def test_a_providers_users_read_their_organisations_inbox_alone(site):
    _, api = site
    await managed_by(api, "hazel", JO)
    await managed_by(api, "rowan", KIM)

    async def told() -> list[Any] | None:
        answer = await api.get("/notify/inbox", extensions=as_person(
            "Registered manager", Role.PROVIDER_USER, "hazel"))
        return answer.json() or None

    items = await eventually(told, what="the provider told")
    assert {item["provider_id"] for item in items} == {"hazel"}
    assert {item["recipient"] for item in items} == {"provider-hazel"}


async def unread_of(api: httpx.AsyncClient, user: str) -> int:
    answer = await api.get("/notify/inbox", extensions=as_person(user,
                                                                 Role.COMMISSIONING_OFFICER))
    return int(answer.headers["x-unread-count"])


async def test_mark_all_as_read_marks_the_signed_in_persons_inbox_alone(site):
    transport, api = site
    await managed_by(api, "hazel", JO)
    await managed_by(api, "rowan", KIM)

    async def both_unread() -> bool:
        return await unread_of(api, JO) > 0 and await unread_of(api, KIM) > 0

    await eventually(both_unread, what="both officers told")
    await narrowed(api)
    kim_before = await unread_of(api, KIM)

    # Naming the reader in the body is refused and changes nothing: the token says who reads.
    answer = await api.post("/notify/inbox/read", json={"reader": KIM},
                            extensions=as_person(JO, Role.COMMISSIONING_OFFICER))
    assert answer.status_code == 422, answer.text
    assert await unread_of(api, JO) > 0

    # Through the console, as a person does it: one button.
    browser = await console_as(transport, JO, "commissioning_officer")
    page = (await browser.get("/console/inbox")).text
    assert "Mark all as read" in page
    token = TOKEN.search(page).group(1)
    answer = await browser.post("/console/inbox/read", headers={"Origin": OWN},
                                data={"csrf_token": token})
    assert answer.status_code == 303, answer.text
    shown = (await browser.get("/console/inbox")).text
    await browser.aclose()
    assert "notifications marked as read" in shown or "notification marked as read" in shown
    assert "Mark all as read" not in shown
    assert await unread_of(api, JO) == 0
    assert await unread_of(api, KIM) == kim_before  # read and unread are each person's own

    again = await api.post("/notify/inbox/read", json={},
                           extensions=as_person(JO, Role.COMMISSIONING_OFFICER))
    assert again.json() == {"marked": 0}
