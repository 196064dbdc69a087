"""A return asked for outside the calendar, over real HTTP and NATS (domain-rules §4, 002).

A council sends a light-touch self-assessment whenever it decides: the provider is told, the
return falls overdue on the calendar's tick if it does not come, the provider is reminded, and
the return log shows it all, as for the calendar's own returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from shared.contracts.forms import example
from shared.settings import AssureSettings
from tests.support import acting, eventually, register_with_contract, running, serving

pytestmark = pytest.mark.e2e

# After the August CMR deadline and before December's, so the calendar asks for no CMR meanwhile.
TODAY = "2026-08-18"
PERIOD = ("2025-08-01", "2026-07-31")
DUE = "2026-09-30"


def saq(period: tuple[str, str]) -> dict[str, Any]:
    answers = example("self-assessment", *(date.fromisoformat(day) for day in period))
    return {"form": "self-assessment", "answers": answers, "submitted_by": "Registered manager"}


def asking(**overrides: Any) -> dict[str, Any]:
    return {"form": "self-assessment", "period_start": PERIOD[0], "period_end": PERIOD[1],
            "due_on": DUE, **overrides}


@contextlib.asynccontextmanager
async def with_contract(settings: AssureSettings,
                        provider_id: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The running system on 18 August 2026 with one LEVEL 1 care-home contract."""
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=10.0,
                          headers=acting("Contract coordinator")) as http,
    ):
        assert (await http.post("/intake/clock/tick", json={"to": TODAY})).is_success
        yield http, await register_with_contract(http, provider_id)


async def log_rows(http: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    answer = await http.get("/intake/return-log", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_self_assessment_asked_for_is_sent_falls_overdue_and_is_chased(settings):
    async with with_contract(settings, "rowan") as (http, reference):
        asked = await http.post(f"/intake/contracts/{reference}/requests", json=asking())
        assert asked.status_code == 201, asked.text
        request = asked.json()
        assert {k: request[k] for k in ("form", "period_start", "period_end", "issued_on",
                                        "due_on", "status", "requested_by")} == {
            "form": "self-assessment", "period_start": PERIOD[0], "period_end": PERIOD[1],
            "issued_on": TODAY, "due_on": DUE, "status": "requested",
            "requested_by": "Contract coordinator"}

        again = await http.post(f"/intake/contracts/{reference}/requests",
                                json=asking(due_on="2026-10-31"))
        assert again.status_code == 200, again.text
        assert (again.json()["request_id"], again.json()["due_on"]) == (request["request_id"],
                                                                        DUE)

        async def inbox(kind: str) -> list[dict[str, Any]]:
            items = (await http.get("/notify/inbox/provider-rowan")).json()
            return [n for n in items if n["about_event_type"] == kind]

        [told] = await eventually(lambda: inbox("ReturnRequested"), what="the provider told")
        assert "30 September 2026" in told["subject"] + told["body"]
        [row] = await log_rows(http)
        assert (row["request_id"], row["form"], row["status"]) == (
            request["request_id"], "self-assessment", "requested")

        await http.post("/intake/clock/tick", json={"to": DUE})
        assert (await log_rows(http))[0]["status"] == "requested"  # due today is not overdue
        ticked = await http.post("/intake/clock/tick", json={"to": "2026-10-01"})
        assert ticked.json()["overdue"] == 1

        [reminder] = await eventually(lambda: inbox("ReturnOverdue"), what="the reminder")
        assert reminder["subject"] == f"Reminder: return overdue for contract {reference}"

        async def chased():
            rows = await log_rows(http, status="overdue", form="self-assessment")
            return rows if rows and rows[0]["reminders"] else None

        [row] = await eventually(chased, what="the reminder in the return log")
        assert (row["request_id"], row["reminders"]) == (request["request_id"], ["2026-10-01"])


async def test_the_self_assessment_sent_fulfils_the_request_and_one_sent_first_counts(settings):
    async with with_contract(settings, "hazel") as (http, reference):
        asked = await http.post(f"/intake/contracts/{reference}/requests", json=asking())
        sent = await http.post(f"/intake/contracts/{reference}/returns", json=saq(PERIOD))
        assert sent.status_code == 201, sent.text
        assert (sent.json()["due_on"], sent.json()["late"]) == (DUE, False)

        earlier = ("2024-08-01", "2025-07-31")
        early = await http.post(f"/intake/contracts/{reference}/returns", json=saq(earlier))
        late_ask = await http.post(f"/intake/contracts/{reference}/requests", json=asking(
            period_start=earlier[0], period_end=earlier[1]))

        assert late_ask.status_code == 201, late_ask.text
        assert (late_ask.json()["status"], late_ask.json()["return_id"]) == (
            "submitted", early.json()["return_id"])
        rows = {r["period_start"]: r for r in await log_rows(http, form="self-assessment")}
        assert (rows[PERIOD[0]]["status"], rows[PERIOD[0]]["return_id"]) == (
            "submitted", sent.json()["return_id"])
        assert asked.json()["request_id"] == rows[PERIOD[0]]["request_id"]
        assert rows[earlier[0]]["status"] == "submitted"


@pytest.mark.parametrize(("change", "field"), [
    ({"form": "light-touch-survey"}, "form"),
    ({"form": "return-level-3"}, "form"),  # a LEVEL 3 form for a LEVEL 1 contract
    ({"period_start": PERIOD[1], "period_end": PERIOD[0]}, "period_end"),
    ({"due_on": "2026-08-17"}, "due_on"),  # before the council's calendar date
    ({"due_on": "30/09/2026"}, "due_on"),
    ({"due_on": 20260930}, "due_on"),  # a number is not a date, however it reads
    # Who asks is the signed-in person: an old client naming them is refused, naming the field.
    ({"requested_by": "Contract coordinator"}, "requested_by"),
])
async def test_a_request_with_bad_input_is_refused_naming_the_field(settings, change, field):
    async with with_contract(settings, "birch") as (http, reference):
        answer = await http.post(f"/intake/contracts/{reference}/requests",
                                 json=asking(**change))

        assert answer.status_code == 422, answer.text
        assert field in {item["loc"][-1] for item in answer.json()["detail"]}
        assert await log_rows(http) == []


async def test_an_ended_or_unknown_contract_is_not_asked_for_a_return(settings):
    async with with_contract(settings, "elder") as (http, reference):
        ended = await http.post(f"/intake/contracts/{reference}/end", json={
            "ended_on": "2026-08-31", "reason": "ownership transferred to the council"})
        assert ended.status_code == 200, ended.text

        refused = await http.post(f"/intake/contracts/{reference}/requests", json=asking())
        missing = await http.post("/intake/contracts/NO-SUCH/requests", json=asking())

        assert refused.status_code == 409, refused.text
        assert "ended on 31 August 2026" in refused.json()["detail"]
        assert missing.status_code == 404, missing.text
        assert await log_rows(http) == []
