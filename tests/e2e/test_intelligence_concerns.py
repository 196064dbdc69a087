"""What intake learns besides returns is read against the poor-performance rules (000, §6)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support import (
    contract_award,
    eventually,
    register_with_contract,
    running,
    serving,
)

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


# The Care Inspectorate's monthly files as they really are (issue 21) -------------------------

DATASTORES = Path(__file__).resolve().parents[1] / "fixtures" / "care_inspectorate"


async def import_month(http, month: str) -> dict:
    content = (DATASTORES / f"datastore_{month}.csv").read_bytes()
    answer = await http.post("/intake/imports/care-inspectorate",
                             files={"file": (f"MDSF_data_{month}.csv", content, "text/csv")})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def contract_for(http, provider_id: str, service_number: str) -> str:
    await http.post("/intake/providers", json={"provider_id": provider_id,
                                               "name": provider_id.title()})
    reference = f"{provider_id}-c1"
    answer = await http.post(f"/intake/providers/{provider_id}/contracts", json=contract_award(
        reference, regulator_service_id=service_number))
    assert answer.status_code == 201, answer.text
    return reference


async def whistleblown(http, provider_id: str) -> None:
    """A concern reported after the imports: once it is in the log, everything intake published
    before it for the provider has been read by risk (one partition, in order)."""
    await http.post(f"/intake/providers/{provider_id}/concerns",
                    headers={"Idempotency-Key": f"wb-{provider_id}"},
                    json={"source": "whistleblowing", "safety_at_risk": False,
                          "description": "Rota gaps at night", "reported_by": "Anonymous"})

    async def reported():
        found = await concerns(http, provider_id)
        return found if any(c["source"].startswith("reported") for c in found) else None

    await eventually(reported, what="the whistleblowing concern")


async def test_an_older_monthly_file_after_a_newer_one_raises_no_concern(settings):
    # Gainhill Farmhouse: graded 5 in the December 2025 file, 2 in the March 2023 file.
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        await contract_for(http, "gainhill", "CS2018367595")

        newer = await import_month(http, "2025-12-31")
        older = await import_month(http, "2023-03-31")
        await whistleblown(http, "gainhill")

        assert [c["source"] for c in await concerns(http, "gainhill")] == [
            "reported (whistleblowing)"]
        assert (newer["recorded"], older["recorded"], older["older"]) == (1, 0, 1)


async def test_a_grade_of_2_in_a_key_question_mingrade_leaves_out_raises_a_concern(settings):
    # Clashfarquhar House, March 2021: MinGrade 4, KQ_COVID19 2.
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        await contract_for(http, "clashfarquhar", "CS2003000266")
        await import_month(http, "2021-03-22")

        [graded] = await eventually(lambda: concerns(http, "clashfarquhar"),
                                    what="the grade concern")
        assert graded["severity"] == "serious" and "covid19 2" in graded["summary"]


async def test_a_contracted_service_shown_inactive_raises_its_own_concern_for_the_manager(
    settings,
):
    # Ruthrieston House is Inactive in the December 2025 file, its last grades 3.
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        await contract_for(http, "ruthrieston", "CS2003000164")
        first = await import_month(http, "2025-12-31")
        again = await import_month(http, "2025-12-31")

        [closure] = await eventually(lambda: concerns(http, "ruthrieston"),
                                     what="the closure concern")
        assert closure["summary"].startswith(
            "The regulator shows this service as no longer registered")
        assert closure["severity"] == "serious"
        assert (first["closed"], again["closed"]) == (1, 0)

        async def told():
            inbox = (await http.get("/notify/inbox/contract-manager")).json()
            return [n for n in inbox if "no longer registered" in n["body"]] or None

        await eventually(told, what="the contract manager told of the closure")
        await whistleblown(http, "ruthrieston")
        # Its old grade of 3 raised nothing: the closure and the report only.
        assert len(await concerns(http, "ruthrieston")) == 2
