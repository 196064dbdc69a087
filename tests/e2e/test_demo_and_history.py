"""The README's walk-through: `assure demo` against a running system, then `assure history`."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from assure import demo
from assure.cli import app as cli
from assure.history import fetch, render
from tests.support import running, serving

pytestmark = pytest.mark.e2e


async def test_the_demo_takes_a_poor_return_to_an_approved_escalation_and_history_shows_it(
    settings,
):
    async with running(settings) as system, serving(system) as url:
        lines: list[str] = []
        ids = await asyncio.to_thread(demo.run, url, lines.append)
        assert set(ids["returns"]) == {p for p, _, _ in demo.PROVIDERS}
        assert any("Approved by Morag Campbell" in line for line in lines)

        again: list[str] = []  # running it twice changes nothing and still succeeds
        assert (await asyncio.to_thread(demo.run, url, again.append))["escalation"] == ids[
            "escalation"
        ]
        assert not any("Approved by" in line for line in again)

        entries = await asyncio.to_thread(fetch, url, ids["provider"])
        services = {e["service"] for e in entries}
        assert services == {"intake", "risk", "escalation", "notify"}
        times = [e["time"] for e in entries]
        assert times == sorted(times)
        text = render(entries)
        assert "Escalation.Approved" in text and "RiskProfile.ReturnScored" in text

        result = await asyncio.to_thread(
            CliRunner().invoke, cli, ["history", ids["provider"], "--url", url, "--json"]
        )
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.output)) == len(entries)
