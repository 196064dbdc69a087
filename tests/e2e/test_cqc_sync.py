"""An officer syncs CQC ratings through Assure's API, against a local server speaking CQC's API."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.test_regulator_adapters import KEY, cqc_server  # noqa: F401 - fixture
from tests.support import contract_award, eventually, running, serving

pytestmark = pytest.mark.e2e


async def test_a_cqc_sync_records_the_ratings_of_our_locations_once(settings, cqc_server):  # noqa: F811
    base_url, _ = cqc_server
    configured = settings.model_copy(update={"cqc_api_url": base_url, "cqc_api_key": KEY})
    async with (
        running(configured, services=("intake",)) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        await http.post("/intake/providers", json={
            "provider_id": "thornbury", "name": "Thornbury"})
        for reference, location in (("TH-1", "1-101"), ("TH-2", "1-102"), ("TH-3", "1-103")):
            awarded = await http.post("/intake/providers/thornbury/contracts", json=contract_award(
                reference, regulator="cqc", regulator_service_id=location))
            assert awarded.status_code == 201

        body = {"since": "2025-04-01T00:00:00Z", "until": "2025-04-08T00:00:00Z"}
        first = (await http.post("/intake/regulators/cqc/sync", json=body)).json()
        # 1-101 and 1-102 are ours and rated; 1-103 is ours but not rated (said plainly, not
        # an error to fix); 1-104/5 not ours.
        assert first["recorded"] == 2 and first["unchanged"] == 0
        assert (first["not_rated"], first["errors"], first["unmatched"]) == (1, 0, 2)
        assert first["first_errors"] == []
        again = (await http.post("/intake/regulators/cqc/sync", json=body)).json()
        assert (again["recorded"], again["unchanged"]) == (0, 2)

        history = (await http.get("/intake/providers/thornbury/history")).json()
        grades = [e["data"] for e in history if e["aggregate"] == "InspectionRecord"]
        poor = {g["regulator_service_id"]: g["poor_performance"] for g in grades}
        assert poor == {"1-101": True, "1-102": False}  # requires improvement is poor (000)


async def test_a_cqc_sync_without_a_key_is_refused_clearly(settings):
    async with (
        running(settings, services=("intake",)) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        answer = await http.post("/intake/regulators/cqc/sync", json={
            "since": "2025-04-01T00:00:00Z"})
        assert answer.status_code == 409
        assert "ASSURE_CQC_API_KEY" in answer.json()["detail"]


async def test_a_deregistered_cqc_location_we_contract_raises_its_own_concern(settings, cqc_server):  # noqa: F811
    # Real answers: Lucerne House (rated Outstanding) and Allied Healthcare Bournemouth
    # (Deregistered on 28 November 2016, "No published rating"): tests/fixtures/cqc/README.md.
    base_url, state = cqc_server
    state.reset()
    state.changes = ["1-125856395", "1-134558905"]
    configured = settings.model_copy(update={"cqc_api_url": base_url, "cqc_api_key": KEY})
    async with (
        running(configured) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        await http.post("/intake/providers", json={"provider_id": "allied", "name": "Allied"})
        for reference, location in (("AL-1", "1-125856395"), ("AL-2", "1-134558905")):
            awarded = await http.post("/intake/providers/allied/contracts", json=contract_award(
                reference, regulator="cqc", regulator_service_id=location))
            assert awarded.status_code == 201

        body = {"since": "2025-04-01T00:00:00Z", "until": "2025-04-08T00:00:00Z"}
        first = (await http.post("/intake/regulators/cqc/sync", json=body)).json()
        again = (await http.post("/intake/regulators/cqc/sync", json=body)).json()

        async def concerns():
            log = (await http.get("/risk/providers/allied/log")).json()
            return [e for e in log if e["kind"] == "concern"] or None

        [closure] = await eventually(concerns, what="the closure concern")
        assert "no longer registered" in closure["summary"]
        assert "28 November 2016" in closure["summary"]
        assert (first["recorded"], first["closed"], first["errors"]) == (1, 1, 0)
        assert (again["unchanged"], again["closed"]) == (1, 0)


async def test_an_inherited_cqc_rating_is_recorded_as_inherited_with_its_date(settings, cqc_server):  # noqa: F811
    # CQC's documented re-registration example: location 1-222222222 carries the rating of
    # its predecessor 1-111111111 (tests/fixtures/cqc/README.md).
    base_url, state = cqc_server
    state.reset()
    state.changes = ["1-222222222"]
    configured = settings.model_copy(update={"cqc_api_url": base_url, "cqc_api_key": KEY})
    async with (
        running(configured, services=("intake",)) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        await http.post("/intake/providers", json={"provider_id": "heir", "name": "Heir"})
        awarded = await http.post("/intake/providers/heir/contracts", json=contract_award(
            "HE-1", regulator="cqc", regulator_service_id="1-222222222"))
        assert awarded.status_code == 201

        body = {"since": "2025-04-01T00:00:00Z", "until": "2025-04-08T00:00:00Z"}
        first = (await http.post("/intake/regulators/cqc/sync", json=body)).json()
        assert (first["recorded"], first["errors"]) == (1, 0)

        history = (await http.get("/intake/providers/heir/history")).json()
        [record] = [e["data"] for e in history if e["aggregate"] == "InspectionRecord"]
        assert record["inherited_from"] == "1-111111111"
        assert record["graded_on"] == "2022-01-01"
