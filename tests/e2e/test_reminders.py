"""Providers are told when a return is requested and reminded when it is overdue (§4)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_notify_sinks import notify_settings, smtp_sink
from tests.support import eventually, register_with_contract, return_form, running, serving

pytestmark = pytest.mark.e2e


async def test_an_overdue_return_sends_the_provider_a_reminder_and_the_log_shows_its_date(
    settings,
):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
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


async def test_a_provider_is_reminded_by_mail_before_the_due_date_until_the_return_arrives(
    settings, tmp_path
):
    with smtp_sink() as (sink, port):
        configured = notify_settings(settings, tmp_path, port,
                                     config={"localities": {"rowan": "north"}})
        async with (
            running(configured) as system,
            serving(system) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            assert (await http.post("/intake/clock/tick", json={"to": "2026-07-20"})).is_success
            reference = await register_with_contract(http, "rowan")
            await http.post("/intake/clock/tick", json={"to": "2026-08-03"})  # 1 August round

            async def mail(subject, address="returns@rowan.test"):
                return [m for m in sink.messages(subject) if address in m.recipients]

            [form] = await eventually(lambda: mail("Return requested"), what="the form sent")
            [asked] = await eventually(lambda: mail("Intelligence requested",
                                                    "north@council.test"),
                                       what="the locality manager asked for intelligence")

            async def run(day):
                answer = await http.post("/notify/schedule/run", json={"at": f"{day}T09:00"})
                return answer.json()["reminders"]

            runs = [await run("2026-08-09"), await run("2026-08-10"), await run("2026-08-10")]
            [seven] = await eventually(lambda: mail("due in 7 days"), what="7-day reminder")
            runs.append(await run("2026-08-14"))
            [three] = await eventually(lambda: mail("due in 3 days"), what="3-day reminder")

            await http.post(f"/intake/contracts/{reference}/returns", json=return_form())

            async def closed():
                history = (await http.get("/notify/providers/rowan/history")).json()
                return [e for e in history if e["event"] == "Closed"]

            await eventually(closed, what="the reminders closed by the return")
            runs.append(await run("2026-08-16"))

    assert runs == [0, 1, 0, 1, 0]  # nothing before day 7, once each, none once it arrived
    assert form.message["Subject"] == (
        f"Return requested for contract {reference}: due 17 August 2026")
    assert "17 August 2026" in asked.text and "intelligence" in asked.text
    assert seven.message["Subject"] == f"Reminder: return due in 7 days for contract {reference}"
    assert "is due on 17 August 2026" in three.text
    assert not await mail("due in 1 day")
