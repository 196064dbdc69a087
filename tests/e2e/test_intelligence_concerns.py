"""What intake learns besides returns is read against the poor-performance rules (000, §6)."""

from __future__ import annotations

import httpx
import pytest

from tests.support import eventually, register_with_contract, running, serving

pytestmark = pytest.mark.e2e


async def concerns(http, provider_id):
    answer = await http.get(f"/risk/providers/{provider_id}/log")
    return [e for e in answer.json() if e["kind"] == "concern"] if answer.is_success else []


async def test_a_grade_of_3_and_a_whistleblowing_report_each_raise_one_concern(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        reference = await register_with_contract(http, "hawthorn")
        grades = {"key_question_grades": {"KQ_Support_Wellbeing": 4, "KQ_Staff_Team": 3},
                  "graded_on": "2026-09-30"}
        path = f"/intake/contracts/{reference}/inspections/care-inspectorate"
        assert (await http.post(path, json=grades)).json()["poor_performance"] is True
        await http.post(path, json=grades)  # recorded once; no second concern

        [graded] = await eventually(lambda: concerns(http, "hawthorn"), what="grade concern")
        assert graded["source"] == "Care Inspectorate" and "3" in graded["summary"]

        await http.post("/intake/providers/hawthorn/concerns",
                        headers={"Idempotency-Key": "wb-1"},
                        json={"source": "whistleblowing", "safety_at_risk": False,
                              "description": "Night staff asleep on shift",
                              "reported_by": "Anonymous"})

        async def two():
            found = await concerns(http, "hawthorn")
            return found if len(found) == 2 else None

        found = await eventually(two, what="whistleblowing concern")
        reported = next(c for c in found if c["source"].startswith("reported"))
        assert reported["severity"] == "serious"  # whistleblowing is serious (§6)

        async def escalated():
            items = (await http.get("/escalation/providers/hawthorn/escalations")).json()
            return items if len(items) == 2 else None

        await eventually(escalated, what="both concerns reaching escalation")
        assert len(await concerns(http, "hawthorn")) == 2
