"""One clock, moved only by its owner (issue 14, defect 3): a real clock follows the real date
and nobody moves it; a training clock is moved by an administrator only, forward, within the
sane range and a year at a time; every service's "today" is the same clock's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from assure.security import development_issuer
from services.intake.domain.clock import Clock
from shared.clock import ClockMode, uk_today
from shared.security.identity import Role
from shared.settings import AssureSettings
from tests.support import (
    SECTIONS_UNSAFE,
    acting,
    as_,
    eventually,
    register_with_contract,
    return_form,
    running,
)

pytestmark = pytest.mark.e2e

TRAINING_DAY = date(2026, 9, 7)  # a Monday, well before the real date the tests run on


@contextlib.asynccontextmanager
async def system_with(settings: AssureSettings, **changes: object
                      ) -> AsyncIterator[tuple[object, httpx.AsyncClient, dict[str, str]]]:
    """The system with sign-in on, an HTTP client, and an administrator's header."""
    signed = settings.model_copy(update={"auth_required": True, **changes})
    async with running(signed) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure") as http:
            admin = as_(development_issuer(signed), "Sam Admin", Role.ADMINISTRATOR)
            yield system, http, admin


async def clock_of(http: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, str]:
    return (await http.get("/intake/clock", headers=admin)).json()


async def test_a_coordinator_cannot_move_the_clock_and_an_administrator_can(settings):
    async with system_with(settings, clock_start=TRAINING_DAY) as (system, http, admin):
        coordinator = as_(development_issuer(system.settings), "Jo Coordinator",
                          Role.CONTRACT_COORDINATOR)
        refused = await http.post("/intake/clock/tick", json={"to": "2035-01-01"},
                                  headers=coordinator)
        assert refused.status_code == 403, refused.text
        assert (await clock_of(http, admin))["today"] == TRAINING_DAY.isoformat()

        moved = await http.post("/intake/clock/tick", json={"to": "2026-09-14"}, headers=admin)
        assert moved.status_code == 200, moved.text
        assert await clock_of(http, admin) == {"today": "2026-09-14", "mode": "training"}


async def test_a_clock_that_follows_the_real_date_is_moved_by_nobody(settings):
    async with system_with(settings, clock=ClockMode.REAL) as (_, http, admin):
        refused = await http.post("/intake/clock/tick", json={"to": "2035-01-01"}, headers=admin)
        assert refused.status_code == 409, refused.text
        assert "follows the real date" in refused.json()["detail"]
        assert await clock_of(http, admin) == {"today": uk_today().isoformat(), "mode": "real"}


@pytest.mark.parametrize(("to", "why"), [
    ("9999-12-31", "1 January 2000 to 31 December 2099"),
    ("1999-12-31", "1 January 2000 to 31 December 2099"),
    ("2027-09-09", "at most 366 days at a time"),
])
async def test_a_training_clock_refuses_a_date_out_of_range_or_too_far_and_stays(settings, to,
                                                                                  why):
    async with system_with(settings, auth_required=False, clock_start=TRAINING_DAY) as (
            _, http, admin):
        await register_with_contract(http, "oakwood")
        before = await http.get("/intake/return-log", headers=admin)

        refused = await http.post("/intake/clock/tick", json={"to": to}, headers=admin)

        assert refused.status_code == 422, refused.text
        [problem] = refused.json()["detail"]
        assert problem["loc"] == ["body", "to"] and why in problem["msg"]
        assert (await clock_of(http, admin))["today"] == TRAINING_DAY.isoformat()
        assert (await http.get("/intake/return-log", headers=admin)).json() == before.json()


async def test_a_store_already_holding_a_clock_out_of_range_still_answers(settings):
    async with system_with(settings, auth_required=False, clock_start=TRAINING_DAY) as (
            system, http, admin):
        reference = await register_with_contract(http, "oakwood")
        intake = system.apps["intake"]
        clock = intake.repository.get(Clock.create_id())
        clock._advanced(today=date(9999, 12, 31))  # as an unchecked tick once saved it
        intake.save(clock)

        owed = await http.get("/intake/providers/oakwood/returns-owed")
        assert owed.status_code == 200, owed.text
        template = await http.get(f"/intake/contracts/{reference}/template")
        assert template.status_code == 200, template.text
        assert (await http.get("/intake/clock")).json()["today"] == TRAINING_DAY.isoformat()
        # Moving it to a sane date mends it.
        mended = await http.post("/intake/clock/tick", json={"to": "2026-09-14"})
        assert mended.status_code == 200, mended.text
        assert (await http.get("/intake/clock")).json()["today"] == "2026-09-14"


async def test_in_training_escalation_s_deadlines_run_from_the_training_clock(settings):
    async with system_with(settings, auth_required=False, clock_start=TRAINING_DAY) as (
            _, http, _admin):
        await register_with_contract(http, "oakwood")
        await http.post("/intake/contracts/oakwood-c1/returns", json=return_form(SECTIONS_UNSAFE))

        async def opened():
            found = (await http.get("/escalation/providers/oakwood/interventions")).json()
            return found[0] if found else None

        intervention = await eventually(opened, what="InterventionOpened")
        at = f"/escalation/interventions/{intervention['intervention_id']}"
        [proposal] = (await http.get("/escalation/providers/oakwood/escalations")).json()
        approved = await http.post(f"/escalation/escalations/{proposal['escalation_id']}/approve",
                                   json={}, headers=acting("Morag Campbell",
                                                           Role.HEAD_OF_STRATEGIC_PLANNING))
        assert approved.status_code == 200, approved.text

        # Requested "today": the training clock's 7 September, due 10 working days later.
        plan = await http.post(f"{at}/improvement-plans", json={})
        assert plan.status_code == 201, plan.text
        assert (plan.json()["requested_on"], plan.json()["plan_due"]) == (
            "2026-09-07", "2026-09-21")

        # Once the administrator moves the clock, escalation's "today" moves with it.
        assert (await http.post("/intake/clock/tick", json={"to": "2026-09-14"})).is_success
        briefing = (await http.get("/escalation/providers/oakwood/briefing")).json()
        assert briefing["as_of"] == "2026-09-14"


async def test_in_training_a_notification_is_received_on_the_training_clocks_day(settings):
    """The inbox's "Received" follows the council's date, as every service's "today" does:
    notify's consumers read the clock an administrator just moved, with no request to notify
    in between (issue 18)."""
    async with system_with(settings, auth_required=False, clock_start=TRAINING_DAY) as (
            system, http, _admin):
        reference = await register_with_contract(http, "oakwood")
        assert (await http.post("/intake/clock/tick", json={"to": "2026-09-14"})).is_success
        opened = await http.post("/escalation/providers/oakwood/interventions", json={
            "summary": "missed visits", "contract_reference": reference})
        assert opened.status_code == 201, opened.text
        notify = system.apps["notify"]

        async def told():  # notify's own reads: an HTTP request would read its clock afresh
            items = await asyncio.to_thread(notify.inbox, "provider-oakwood")
            return [n for n in items if n["about_event_type"] == "InterventionOpened"] or None

        [notification] = await eventually(told, what="the provider told")
        assert notification["received_at"].startswith("2026-09-14T")
        assert not notification["delivered_at"].startswith("2026-09-14")  # the real moment
        [shown] = [n for n in (await http.get("/notify/inbox/provider-oakwood")).json()
                   if n["notification_id"] == str(notification["notification_id"])]
        assert shown["received_at"] == notification["received_at"]
