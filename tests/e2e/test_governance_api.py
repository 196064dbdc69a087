"""GET /reports/governance on a running system: returns asked for, received and chased, returns
analysed and held, each format."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from typer.testing import CliRunner

from assure.cli import app as cli
from tests.support import contract_award, eventually, running, serving

pytestmark = pytest.mark.e2e

HALF = {"start": "2026-10-01", "end": "2027-03-31"}


@pytest.fixture
def store() -> dict[str, object]:
    return {}  # SQLite only; the report's view runs on PostgreSQL in tests/e2e/test_views_cli.py


async def test_a_return_asked_for_and_one_overdue_are_counted_and_exported(settings):
    async with (running(settings) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http):
        system.apps["intake"].tick(date(2026, 11, 2), "test")
        for provider in ("gov-ash", "gov-oak"):
            await http.post("/intake/providers", json={
                "provider_id": provider, "name": provider.title()})
            awarded = await http.post(f"/intake/providers/{provider}/contracts",
                                      json=contract_award(f"{provider}-c1"))
            assert awarded.status_code == 201, awarded.text
        # The December round asks both LEVEL 1 homes for a CMR due 15 December (004 App. 4).
        await http.post("/intake/clock/tick", json={"to": "2026-12-10"})
        template = (await http.get("/intake/contracts/gov-ash-c1/template")).json()
        sent = await http.post("/intake/contracts/gov-ash-c1/returns", json={
            "form": template["form"], "answers": template["example"], "submitted_by": "t"})
        assert sent.status_code == 201, sent.text
        await http.post("/intake/clock/tick", json={"to": "2026-12-20"})

        async def scored():
            found = (await http.get("/reports/governance",
                                    params={**HALF, "format": "json"})).json()
            homes = found["sections"][0]
            return homes if homes["returns"]["analysed"] == 1 else None

        homes = await eventually(scored, what="the return to be scored")
        assert homes["label"] == "Care homes"
        assert {k: homes["returns"][k] for k in ("contracts_in_scope", "requested",
                                                  "requested_received", "outstanding",
                                                  "returned", "without_return")} == {
            "contracts_in_scope": 2, "requested": 2, "requested_received": 1, "outstanding": 1,
            "returned": 1, "without_return": 1}
        assert homes["band_total"] == 1

        async def report() -> dict:
            found = (await http.get("/reports/governance", params={**HALF, "format": "json"}))
            return found.json()["sections"][0]

        async def chased():
            homes = await report()
            return homes if homes["returns"]["chased"] == 1 else None

        await eventually(chased, what="the overdue CMR reminded")  # gov-oak's, on 20 December

        # An officer holds the analysis of the return received: it leaves the band table.
        return_id = sent.json()["return_id"]
        held = await http.post(f"/risk/providers/gov-ash/returns/{return_id}/hold", json={
            "reason": "to be analysed at the monitoring meeting"})
        assert held.status_code == 200, held.text
        homes = await report()
        assert {k: homes["returns"][k] for k in ("returned", "analysed", "not_analysed")} == {
            "returned": 1, "analysed": 0, "not_analysed": 1}
        assert homes["band_total"] == 0
        await http.post(f"/risk/providers/gov-ash/returns/{return_id}/release",
                        json={})
        assert (await report())["band_total"] == 1

        pdf = await http.get("/reports/governance", params={**HALF, "format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == (
            'attachment; filename="governance-report-2026-10-01-2027-03-31.pdf"')
        table = await http.get("/reports/governance", params={**HALF, "format": "csv"})
        assert table.headers["content-type"].startswith("text/csv")
        page = await http.get("/reports/governance")  # the clock's last complete half-year
        assert "1 April 2026 to 30 September 2026" in page.text
        year = (await http.get("/reports/governance",
                               params={"period": "year", "format": "json"})).json()
        assert year["period"]["label"] == "1 April 2025 to 31 March 2026"
        half_given = await http.get("/reports/governance", params={"start": "2026-10-01"})
        assert half_given.status_code == 422
        assert (await http.get("/reports/governance", params={"format": "xml"})).status_code == 422

        # The 2022 data set needs a clock that has not passed its round.
        refused = await asyncio.to_thread(CliRunner().invoke, cli,
                                          ["demo", "--dataset", "2022", "--url", url])
        assert refused.exit_code == 1
        assert "start Assure on a fresh ASSURE_DATA_DIR" in refused.output
