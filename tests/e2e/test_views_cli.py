"""`assure views rebuild` on a running system: the governance view is emptied and read again
from the streams, the report is the same before and after, and running it again changes
nothing."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from typer.testing import CliRunner

from assure.cli import app as cli
from tests.support import contract_award, eventually, running, serving, settled

pytestmark = pytest.mark.e2e

HALF = {"start": "2026-10-01", "end": "2027-03-31", "format": "json"}


def cli_run(*args: str):
    return asyncio.to_thread(CliRunner().invoke, cli, list(args))


async def test_rebuilding_the_view_gives_the_same_report(settings):
    async with (running(settings) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http):
        system.apps["intake"].tick(date(2026, 11, 2), "test")
        await http.post("/intake/providers", json={"provider_id": "views-ash", "name": "Ash"})
        await http.post("/intake/providers/views-ash/contracts",
                        json=contract_award("views-ash-c1"))
        await http.post("/intake/clock/tick", json={"to": "2026-12-10"})
        template = (await http.get("/intake/contracts/views-ash-c1/template")).json()
        sent = await http.post("/intake/contracts/views-ash-c1/returns", json={
            "form": template["form"], "answers": template["example"], "submitted_by": "t"})
        assert sent.status_code == 201, sent.text

        async def scored():
            found = (await http.get("/reports/governance", params=HALF)).json()
            return found if found["sections"][0]["returns"]["analysed"] == 1 else None

        before = await eventually(scored, what="the return to be scored")
        rows = system.governance_feed.view.dump()

        for _ in range(2):  # idempotent: the same rows each time
            rebuilt = await cli_run("views", "rebuild", "--url", url)
            assert rebuilt.exit_code == 0, rebuilt.output
            assert "governance view (version 1) rebuilt" in rebuilt.output
            assert system.governance_feed.view.dump() == rows
            assert (await http.get("/reports/governance", params=HALF)).json() == before

        shown = await cli_run("views", "status", "--url", url)
        assert shown.exit_code == 0 and "up to date" in shown.output
        refused = await http.post("/views/other/rebuild")
        assert refused.status_code == 404 and "name its service" in refused.text
        unknown = await http.post("/views/other/rebuild", params={"service": "intake"})
        assert unknown.status_code == 404 and "intake has no view called 'other'" in unknown.text
        nowhere = await http.post("/views/all/rebuild", params={"service": "billing"})
        assert nowhere.status_code == 404


async def test_rebuilding_a_services_views_from_its_store(settings):
    """`--service intake` empties each of intake's views and reads intake's store again; the
    rows are the same after, and the history (read through the keys index) is unchanged."""
    async with (running(settings) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http):
        for n in range(3):
            await http.post("/intake/providers", json={"provider_id": f"views-{n}",
                                                        "name": f"Home {n}"})
            await http.post(f"/intake/providers/views-{n}/contracts",
                            json=contract_award(f"views-{n}-c1"))
        intake = system.apps["intake"]
        # The history spans every service: risk and notify record the contract too, when
        # their consumers reach it. Take it once they have, so only the rebuild could change it.
        await eventually(lambda: settled(system), timeout=60, what="the awards to settle")
        history = (await http.get("/history/views-1")).json()
        intake.views.catch_up()
        rows = {name: f.view.dump() for name, f in
                ((type(f.projection).name, f) for f in intake.views.followers.values())}

        rebuilt = await cli_run("views", "rebuild", "--service", "intake", "--url", url)
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "keys view (version 1) rebuilt" in rebuilt.output
        assert "events read from intake's store" in rebuilt.output
        for follower in intake.views.followers.values():
            assert follower.view.dump() == rows[type(follower.projection).name]
        assert (await http.get("/history/views-1")).json() == history

        shown = await cli_run("views", "status", "--url", url)
        assert shown.exit_code == 0 and "intake keys (version 1)" in shown.output
