"""The README's walk-through: `assure demo` against a running system, then `assure history`."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import httpx
import pytest
from typer.testing import CliRunner

from assure import demo
from assure.cli import app as cli
from assure.history import fetch, render
from tests.support import eventually, running, serving

pytestmark = pytest.mark.e2e

# The demo runs the return calendar from the clock's date. It is set here, so the walk-through
# (and what the calendar issues on it) is the same whatever day the tests run.
NOVEMBER = date(2026, 11, 2)


def returning(providers=demo.PROVIDERS) -> set[str]:
    """The demo providers that submit a return (the advice line leaves its return late)."""
    return {provider_id for provider_id, *_, ratings in providers if ratings is not None}


async def test_the_demo_takes_a_poor_return_to_an_approved_escalation_and_history_shows_it(
    settings,
):
    # As `assure up` runs: signed in, each step by someone the role matrix allows.
    signed_in = settings.model_copy(update={"auth_required": True})
    async with running(signed_in) as system, serving(system) as url:
        system.apps["intake"].tick(NOVEMBER, "test")
        lines: list[str] = []
        ids = await asyncio.to_thread(demo.run, url, lines.append)
        assert set(ids["returns"]) == returning() == {
            "demo-riverside", "demo-hillview", "demo-oakwood"}
        assert set(ids["contracts"]) == {p for p, *_ in demo.PROVIDERS}
        assert any("Approved by Morag Campbell" in line for line in lines)
        # Elm Court's score falls over three returns until the trend is itself a concern.
        falling = [line for line in lines if line.startswith("Elm Court Care Home")]
        assert [line.split(" scored ")[1].split("%")[0] for line in falling[:3]] == [
            "100.00", "97.22", "94.44"]
        assert falling[3].startswith("Elm Court Care Home: concern raised (moderate): The risk "
                                     "score fell return on return over the last three returns")
        assert len(ids["falling"]["returns"]) == 3
        # The ladder: Enable asks for a plan in working days; Enforce's decommission is refused
        # until the history holds the evidence, saying what is missing.
        ladder = [line for line in lines if "intervention at" in line]
        assert ladder[0].startswith("Elm Court Care Home: intervention at ENABLE; improvement "
                                    "plan requested")
        assert "(10 working days)" in ladder[0]
        assert ladder[1].startswith("Oakwood Care at Home: intervention at ENFORCE")
        assert "decommission proposed and refused:" in ladder[1]

        again: list[str] = []  # running it twice changes nothing and still succeeds
        assert (await asyncio.to_thread(demo.run, url, again.append))["escalation"] == ids[
            "escalation"
        ]
        assert not any("Approved by" in line for line in again)
        assert [line for line in again if line.startswith("Elm Court")] == falling

        # The demo's last tick sets work going (overdue returns read by risk, reminders);
        # compare histories once the system has settled.
        async def settled():
            first = await asyncio.to_thread(fetch, url, ids["provider"])
            await asyncio.sleep(0.5)
            second = await asyncio.to_thread(fetch, url, ids["provider"])
            return second if len(first) == len(second) else None

        entries = await eventually(settled, what="the history to settle")
        services = {e["service"] for e in entries}
        assert services == {"intake", "risk", "escalation", "notify"}
        times = [e["time"] for e in entries]
        assert times == sorted(times)
        text = render(entries)
        assert "Escalation.Approved" in text and "RiskProfile.ReturnScored" in text
        assert "Contract.LevelChanged" in text and "ReturnRequest.Requested" in text

        result = await asyncio.to_thread(
            CliRunner().invoke, cli, ["history", ids["provider"], "--url", url, "--json"]
        )
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.output)) == len(entries)


async def test_the_demo_places_each_contract_at_its_level_and_shows_the_calendar_and_return_log(
    settings,
):
    # A training clock started on NOVEMBER, as `assure up --training --start` starts it.
    async with (
        running(settings.model_copy(update={"clock_start": NOVEMBER})) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        lines: list[str] = []
        ids = await asyncio.to_thread(demo.run, url, lines.append)

        assert ids["contracts"] == {
            "demo-riverside": "RIVERSIDE-2025", "demo-hillview": "HILLVIEW-2025",
            "demo-oakwood": "OAKWOOD-2025", "demo-larch": "LARCH-2025"}
        assert lines[:4] == [
            "Riverside Care Home: contract RIVERSIDE-2025 (care-home, £250,000 a year) is "
            "monitored at LEVEL 1",
            "Hillview Day Centre: contract HILLVIEW-2025 (day-services, £45,000 a year) is "
            "monitored at LEVEL 2",
            "Oakwood Care at Home: contract OAKWOOD-2025 (care-at-home, £180,000 a year) is "
            "monitored at LEVEL 1",
            "Larch Advice Line: contract LARCH-2025 (information-advice-and-support, £8,000 a "
            "year) is monitored at LEVEL 3",
        ]
        # The December round of CMRs goes to the two LEVEL 1 contracts (004 App. 4) ...
        assert "The calendar ran to 12 December 2026: 2 return(s) requested" in lines
        assert ("Oakwood Care at Home: cmr-level-1 return for 1 August 2026 to "
                "30 November 2026 submitted") in lines
        # ... and by late January their October-December KPI returns are overdue (001).
        assert ("The calendar ran to 24 January 2027: 2 more requested, 2 now overdue"
                in lines)
        assert "Return log (2 submitted, 2 overdue):" in lines
        # Escalation's "today" is the training clock's, not the real date: Elm Court's plan is
        # asked for on the day the calendar stands at, and due 10 working days after it.
        [ladder] = [line for line in lines if line.startswith("Elm Court Care Home: interv")]
        assert "improvement plan requested 24 January 2027, due 5 February 2027" in ladder

        log = (await http.get("/intake/return-log")).json()
        assert sorted((row["contract_reference"], row["form"], row["status"]) for row in log) == [
            ("OAKWOOD-2025", "cmr-level-1", "submitted"),
            ("OAKWOOD-2025", "kpi", "overdue"),
            ("RIVERSIDE-2025", "cmr-level-1", "submitted"),
            ("RIVERSIDE-2025", "kpi", "overdue"),
        ]


async def test_the_demo_reaches_its_escalation_whatever_the_date(settings):
    async with running(settings) as system, serving(system) as url:
        system.apps["intake"].tick(date(2026, 9, 1), "test")

        ids = await asyncio.to_thread(demo.run, url, lambda _: None, 4.0)

        assert ids["escalation"]
