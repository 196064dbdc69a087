"""Two councils, each with its own Assure, its own NATS and its own edge server, on loopback
(issue 20's "done means"): Fife suspends a provider both councils contract with; under an
agreement Perth receives it and raises a concern by its rule; without an agreement, or for a
category outside it, nothing crosses, and the edge servers themselves refuse it; Perth,
restarted, catches up with nothing doubled; both histories verify."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.js.errors import NoStreamResponseError

from assure.system import System
from services.intake.adapters.council_link import CouncilLink
from services.intake.adapters.edge import STREAM, EdgeServer
from shared.nats_server import free_port
from shared.settings import AssureSettings
from tests.support import acting, contract_award, eventually, running

pytestmark = pytest.mark.e2e

OFFICER = acting("Jo Officer", "commissioning_officer")
SENIOR = acting("Morag Campbell", "head_of_strategic_planning")
PERTH_SENIOR = acting("Iain Perth", "general_manager")
SHARED = "CS2003001111"  # a care home both councils buy places in
ALSO_SHARED = "CS2003002222"  # another, also under the agreement
NOT_IN_IT = "CS2003003333"  # both contract with it; the agreement does not name it


def council(tmp_path: Path, name: str, sharing: dict[str, Any],
            store: dict[str, Any]) -> AssureSettings:
    """A council's own system: its data directory, its own embedded NATS (no external one),
    its stores (SQLite files, or schemas of its own in PostgreSQL) and its sharing set-up."""
    path = tmp_path / f"{name}-sharing.json"
    path.write_text(json.dumps(sharing))
    own_store = {**store, "postgres_schema_prefix": f"{store['postgres_schema_prefix']}{name}_"
                 } if store else {}
    return AssureSettings(
        data_dir=tmp_path / name, nats_url=None, partitions=2, ack_wait_seconds=2.0,
        max_deliver=3, run_background_jobs=False, clock="training",
        clock_start=date(2026, 5, 4), auth_required=False, sharing_file=path, **own_store)


@contextlib.asynccontextmanager
async def client(settings: AssureSettings) -> AsyncIterator[tuple[System, httpx.AsyncClient]]:
    async with running(settings) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure",
                                     headers=OFFICER, timeout=30) as http:
            yield system, http


async def ok(answer: httpx.Response, code: int = 200) -> Any:
    assert answer.status_code == code, answer.text
    return answer.json()


async def contract(http: httpx.AsyncClient, provider_id: str, service_id: str) -> None:
    await ok(await http.post("/intake/providers", json={"provider_id": provider_id,
                                                        "name": provider_id.title()}), 201)
    await ok(await http.post(f"/intake/providers/{provider_id}/contracts", json=contract_award(
        f"{provider_id}-c1", regulator_service_id=service_id)), 201)


async def suspend(http: httpx.AsyncClient, provider_id: str) -> None:
    """The ladder to a suspension: a breach notice not met, proposed, approved by a senior."""
    intervention = await ok(await http.post(
        f"/escalation/providers/{provider_id}/interventions", json={
            "summary": "night staffing below the contract", "severity": "serious",
            "breach": True}), 201)
    at = f"/escalation/interventions/{intervention['intervention_id']}"
    await ok(await http.post(f"{at}/breach-notices", json={
        "deficiency": "night staffing below the contract",
        "action_required": "two waking night staff every night",
        "comply_by": "2026-05-18", "issued_on": "2026-05-04"}), 201)
    await ok(await http.post("/escalation/deadlines/check", params={"today": "2026-05-19"}))
    suspension = await ok(await http.post(f"{at}/suspension", json={
        "reason": "breach notice not met",
        "contingency_plan": "social work reviews for everyone placed there"}), 201)
    await ok(await http.post(f"/escalation/escalations/{suspension['escalation_id']}/approve",
                             json={}, headers=SENIOR))


async def concerns_from_fife(http: httpx.AsyncClient, provider_id: str) -> list[dict[str, Any]]:
    answer = await http.get(f"/risk/providers/{provider_id}/log")
    if answer.status_code != 200:
        return []
    return [e for e in answer.json() if e["kind"] == "concern"
            and e.get("rule") == "shared-suspension"]


def edge_of(system: System) -> EdgeServer:
    """The council's edge server, as its intake's link to other councils runs it."""
    return next(companion.edge for runtime in system.runtimes
                for companion in runtime.companions if isinstance(companion, CouncilLink))


async def stream_count(url: str, password: str) -> int:
    nc = await nats.connect(url, user="sharing", password=password)
    try:
        return (await nc.jetstream().stream_info(STREAM)).state.messages
    finally:
        await nc.close()


async def refused_by_the_edge(system: System, subject: str) -> bool:
    """Publishes on Fife's edge as its own sharing user, around our code: True if the server
    gave it to no one (no stream anywhere acknowledged it)."""
    edge = edge_of(system)
    nc = await nats.connect(edge.url, user="sharing", password=edge.password)
    try:
        await nc.jetstream().publish(subject, b"{}", timeout=2)
    except (NoStreamResponseError, TimeoutError, nats.errors.TimeoutError):
        return True
    finally:
        await nc.close()
    return False


async def test_a_suspension_crosses_under_an_agreement_and_nothing_else_does(
        tmp_path: Path, store: dict[str, Any]):
    leaf_port = free_port()
    fife = council(tmp_path, "fife", {
        "council": "fife", "name": "Fife Council", "leaf": {"port": leaf_port},
        "partners": [{"council": "perth", "name": "Perth and Kinross Council"}]}, store)
    perth = council(tmp_path, "perth", {
        "council": "perth", "name": "Perth and Kinross Council", "partners": [{
            "council": "fife", "name": "Fife Council",
            "url": f"nats-leaf://127.0.0.1:{leaf_port}",
            # Fife's edge made Perth's password; a council hands it over out of band.
            "password_file": str(tmp_path / "fife" / "edge" / "credentials"
                                 / "leaf-perth.password")}]}, store)
    async with client(fife) as (fife_system, at_fife):
        async with client(perth) as (perth_system, at_perth):
            for http, prefix in ((at_fife, "fife"), (at_perth, "perth")):
                await contract(http, f"{prefix}-oakwood", SHARED)
                await contract(http, f"{prefix}-elmbank", ALSO_SHARED)
                await contract(http, f"{prefix}-birch", NOT_IN_IT)

            # Before any agreement nothing crosses, whoever tries.
            assert await refused_by_the_edge(fife_system, f"share.fife.perth.suspension.{SHARED}")

            # Fife's officer proposes; the officer cannot approve it; a senior does.
            proposal = await ok(await at_fife.post("/intake/sharing/agreements", json={
                "partner": "perth", "sends": ["suspension"], "receives": [],
                "service_ids": [SHARED, ALSO_SHARED], "starts_on": "2026-04-01"}), 201)
            reference = proposal["reference"]
            refused = await at_fife.post(f"/intake/sharing/agreements/{reference}/approve",
                                         json={}, headers=acting("Jo Officer", "cswo"))
            assert refused.status_code == 409 and refused.json()["field"] == "approver"
            await ok(await at_fife.post(f"/intake/sharing/agreements/{reference}/approve",
                                        json={}, headers=SENIOR))

            async def offered() -> Any:
                found = (await at_perth.get("/intake/sharing/agreements")).json()
                return found if found and found[0]["status"] == "awaiting-approval" else None

            [offer] = await eventually(offered, what="the offer reaching Perth")
            assert (offer["receives"], offer["sends"]) == (["suspension"], [])
            await ok(await at_perth.post(f"/intake/sharing/agreements/{reference}/approve",
                                         json={}, headers=PERTH_SENIOR))

            async def in_force() -> Any:
                found = (await at_fife.get(f"/intake/sharing/agreements/{reference}")).json()
                return found if found["status"] == "active" else None

            agreement = await eventually(in_force, what="Perth's approval reaching Fife")
            assert [s["event"] for s in agreement["steps"]] == [
                "Proposed", "Approved", "AcceptedByPartner"]

            # Fife suspends a provider both contract with: Perth hears within seconds.
            started = time.monotonic()
            await suspend(at_fife, "fife-oakwood")
            [concern] = await eventually(lambda: concerns_from_fife(at_perth, "perth-oakwood"),
                                         what="Perth's concern from Fife's suspension")
            print(f"\nFife's suspension to Perth's concern: {time.monotonic() - started:.2f} s")
            assert concern["severity"] == "serious" and "Fife Council" in concern["summary"]
            log = (await at_perth.get("/risk/providers/perth-oakwood/log")).json()
            assert any(e["kind"] == "intelligence" and e["source"] == "Fife Council"
                       for e in log)

            # Outside the agreement nothing crosses: our code shares nothing, and Fife's own
            # edge refuses the subjects outright when something tries around our code.
            await suspend(at_fife, "fife-birch")
            assert await refused_by_the_edge(
                fife_system, f"share.fife.perth.suspension.{NOT_IN_IT}")
            assert await refused_by_the_edge(
                fife_system, f"share.fife.perth.breach-notice.{SHARED}")
            shared = (await at_fife.get("/intake/sharing/shared")).json()
            assert {s["service_id"] for s in shared} == {SHARED}  # birch's is not shared
            assert await concerns_from_fife(at_perth, "perth-birch") == []

            perth_edge = edge_of(perth_system)
            held = await stream_count(perth_edge.url, perth_edge.password)
            arrivals = (await at_perth.get("/intake/sharing/arrivals")).json()
            # Perth's consumer loses its place (its durable deleted, as if the edge's files
            # were lost): it is made again from the stream's first message, a replay that
            # Perth's tracking must recognise.
            nc = await nats.connect(perth_edge.url, user="sharing", password=perth_edge.password)
            await nc.jetstream().delete_consumer(STREAM, "intake-from-fife")
            await nc.close()

        # Perth is down: Fife suspends elmbank, and its relay waits for Perth's edge.
        await suspend(at_fife, "fife-elmbank")

        async def waiting() -> Any:
            found = (await at_fife.get("/intake/sharing/shared")).json()
            return [f for f in found if not f["delivered"]]

        [pending] = await eventually(waiting, what="Fife sharing while Perth is down")
        assert pending["service_id"] == ALSO_SHARED
        await asyncio.sleep(1.5)  # a relay attempt or two finds no one to take it
        assert not (await waiting())[0]["delivered"]

        async with client(perth) as (perth_system, at_perth):
            [late] = await eventually(lambda: concerns_from_fife(at_perth, "perth-elmbank"),
                                      what="Perth catching up after its restart")
            assert late["severity"] == "serious"
            # The replay of the whole stream from its start was recognised: nothing doubled.
            edge = edge_of(perth_system)
            assert await stream_count(edge.url, edge.password) == held + 1
            assert len(await concerns_from_fife(at_perth, "perth-oakwood")) == 1
            after = (await at_perth.get("/intake/sharing/arrivals")).json()
            assert len(after) == len(arrivals) + 1
            steps = (await at_perth.get(f"/intake/sharing/agreements/{reference}")).json()
            assert [s["event"] for s in steps["steps"]] == ["Offered", "Approved"]

            async def all_delivered() -> Any:
                found = (await at_fife.get("/intake/sharing/shared")).json()
                return found if all(f["delivered"] for f in found) else None

            assert len(await eventually(all_delivered, what="Fife's relay catching up")) == 2

            for http in (at_fife, at_perth):
                verified = (await http.get("/verify")).json()
                assert verified["intact"], verified
