"""Providers are told when a return is requested and reminded when it is overdue (§4)."""

from __future__ import annotations

import httpx
import pytest

from tests.support import eventually, register_with_contract, running, serving

pytestmark = pytest.mark.e2e


async def test_an_overdue_return_sends_the_provider_a_reminder_and_the_log_shows_its_date(
    settings,
):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        assert (await http.post("/intake/clock/tick", json={"to": "2026-07-20"})).is_success
        reference = await register_with_contract(http, "rowan")
        await http.post("/intake/clock/tick", json={"to": "2026-08-03"})  # the 1 August round

        async def inbox(kind):
            items = (await http.get("/notify/inbox/provider-rowan")).json()
            return [n for n in items if n["about_event_type"] == kind]

        [requested] = await eventually(lambda: inbox("ReturnRequested"), what="request sent")
        assert "17 August 2026" in requested["body"]  # 15 August 2026 is a Saturday

        await http.post("/intake/clock/tick", json={"to": "2026-08-18"})
        [reminder] = await eventually(lambda: inbox("ReturnOverdue"), what="reminder sent")
        assert reminder["subject"] == f"Reminder: return overdue for contract {reference}"

        async def logged():
            rows = (await http.get("/intake/return-log", params={"status": "overdue"})).json()
            return rows if rows and rows[0]["reminders"] else None

        [row] = await eventually(logged, what="the reminder in the return log")
        assert row["reminders"] == ["2026-08-18"]
        csv = (await http.get("/intake/return-log", params={"format": "csv"})).text
        assert "18/08/2026" in csv

        await http.post("/intake/clock/tick", json={"to": "2026-08-25"})  # overdue only once
        assert len(await inbox("ReturnOverdue")) == 1
