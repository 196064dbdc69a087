"""The provider portal's own routes, with sign-in on: the returns a provider owes, and draft
returns kept between sittings (and restarts), never scored, discarded once the return is sent;
a provider's users reach only their own organisation's drafts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from assure.security import development_issuer
from shared.security.identity import Identity, Role
from shared.settings import AssureSettings
from tests.support import contract_award, eventually, return_form, running

pytestmark = pytest.mark.e2e

APRIL_TO_JULY = "2026-04-01--2026-07-31"
DRAFT = f"/intake/contracts/oakwood-c1/drafts/cmr-level-1/{APRIL_TO_JULY}"


def as_(settings: AssureSettings, user: str, role: Role, provider: str | None = None) -> dict:
    token = development_issuer(settings).issue(Identity(user, role, provider))
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def api(settings: AssureSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure") as http:
            yield http


@pytest.fixture
def secured(settings: AssureSettings) -> AssureSettings:
    return settings.model_copy(update={"auth_required": True})


async def set_up(http: httpx.AsyncClient, settings: AssureSettings) -> None:
    """Oakwood and Elmbank, each with a LEVEL 1 contract awarded on 1 July 2026; the calendar
    run to 20 August, so the April to July return (due 17 August) is overdue."""
    admin = as_(settings, "Assure administrator", Role.ADMINISTRATOR)
    officer = as_(settings, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    assert (await http.post("/intake/clock/tick", headers=admin,
                            json={"to": "2026-07-01"})).status_code == 200
    for provider_id in ("oakwood", "elmbank"):
        await http.post("/intake/providers", headers=officer, json={
            "provider_id": provider_id, "name": provider_id.title()})
        award = await http.post(f"/intake/providers/{provider_id}/contracts", headers=officer,
                                json=contract_award(f"{provider_id}-c1"))
        assert award.status_code == 201, award.text
    assert (await http.post("/intake/clock/tick", headers=admin,
                            json={"to": "2026-08-20"})).status_code == 200


async def test_a_provider_sees_what_it_owes_overdue_first_and_never_anothers(secured):
    async with api(secured) as http:
        await set_up(http, secured)
        oakwood = as_(secured, "Registered manager", Role.PROVIDER_USER, "oakwood")
        owed = await http.get("/intake/providers/oakwood/returns-owed", headers=oakwood)
        peek = await http.get("/intake/providers/elmbank/returns-owed", headers=oakwood)

    assert owed.status_code == 200, owed.text
    assert [(o["period"], o["due_on"], o["status"]) for o in owed.json()] == [
        (APRIL_TO_JULY, "2026-08-17", "overdue"),  # 15 August 2026 is a Saturday
        ("2026-08-01--2026-11-30", "2026-12-15", "upcoming"),
    ]
    assert {o["contract_reference"] for o in owed.json()} == {"oakwood-c1"}
    assert peek.status_code == 403


async def test_a_draft_is_kept_across_a_restart_and_only_its_provider_reaches_it(secured):
    half_done = {"period_start": "2026-04-01", "period_end": "2026-07-31",
                 "finance": {"income": "not yet known"}}
    async with api(secured) as http:
        await set_up(http, secured)
        oakwood = as_(secured, "Registered manager", Role.PROVIDER_USER, "oakwood")
        elmbank = as_(secured, "Elmbank manager", Role.PROVIDER_USER, "elmbank")
        saved = await http.put(DRAFT, headers=oakwood,
                               json={"answers": half_done})
        theirs_read = await http.get(DRAFT, headers=elmbank)
        theirs_written = await http.put(DRAFT, headers=elmbank,
                                        json={"answers": {}})
        impostor = await http.put(DRAFT, headers=oakwood,
                                  json={"answers": {}, "by": "Someone else"})
    assert saved.status_code == 200, saved.text
    assert (theirs_read.status_code, theirs_written.status_code) == (403, 403)
    # Who saves is the signed-in person: a body naming someone else is refused, naming it.
    assert impostor.status_code == 422 and impostor.json()["detail"][0]["loc"] == ["body", "by"]

    async with api(secured) as http:  # the same stores, started again
        oakwood = as_(secured, "Registered manager", Role.PROVIDER_USER, "oakwood")
        resumed = await http.get(DRAFT, headers=oakwood)
        owed = await http.get("/intake/providers/oakwood/returns-owed", headers=oakwood)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["answers"] == half_done
    assert resumed.json()["saved_by"] == "Registered manager"
    assert owed.json()[0]["draft_saved_by"] == "Registered manager"
    assert owed.json()[1]["draft_saved_at"] is None


async def test_submitting_the_return_discards_its_draft_and_only_the_return_is_scored(secured):
    async with api(secured) as http:
        await set_up(http, secured)
        oakwood = as_(secured, "Registered manager", Role.PROVIDER_USER, "oakwood")
        body = return_form()
        await http.put(DRAFT, headers=oakwood,
                       json={"answers": body["answers"]})
        sent = await http.post("/intake/contracts/oakwood-c1/returns", headers=oakwood,
                               json=body)
        assert sent.status_code == 201, sent.text
        gone = await http.get(DRAFT, headers=oakwood)
        owed = await http.get("/intake/providers/oakwood/returns-owed", headers=oakwood)

        async def scored() -> list | None:
            found = (await http.get("/risk/providers/oakwood/scores", headers=oakwood)).json()
            return found or None

        scores = await eventually(scored, what="the return scored")
    assert gone.status_code == 404
    assert [o["period"] for o in owed.json()] == ["2026-08-01--2026-11-30"]
    assert [s["return_id"] for s in scores] == [sent.json()["return_id"]]


async def test_a_draft_for_a_period_written_wrongly_is_refused_by_name(secured):
    async with api(secured) as http:
        await set_up(http, secured)
        oakwood = as_(secured, "Registered manager", Role.PROVIDER_USER, "oakwood")
        backwards = await http.put(
            "/intake/contracts/oakwood-c1/drafts/cmr-level-1/2026-07-31--2026-04-01",
            headers=oakwood, json={"answers": {}})
        unreal = await http.get(
            "/intake/contracts/oakwood-c1/drafts/cmr-level-1/2026-02-30--2026-07-31",
            headers=oakwood)
        no_form = await http.put(
            f"/intake/contracts/oakwood-c1/drafts/no-such-form/{APRIL_TO_JULY}",
            headers=oakwood, json={"answers": {}})
    assert backwards.status_code == 422 and "period" in backwards.text
    assert unreal.status_code == 422 and "not two real dates" in unreal.text
    assert no_form.status_code == 422 and "no-such-form" in no_form.text
