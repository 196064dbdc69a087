"""`assure demo --dataset 2022` through the HTTP API, then `assure report` shows 002's tables."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time

import httpx
import pytest
from typer.testing import CliRunner

from assure.cli import app as cli
from tests.support import running, serving

pytestmark = pytest.mark.e2e


@pytest.fixture
def store() -> dict[str, object]:
    """SQLite only: the report's view runs on PostgreSQL in test_views_cli.py and
    tests/integration/test_governance_*.py."""
    return {}


def cli_run(*args: str):
    return asyncio.to_thread(CliRunner().invoke, cli, list(args))


async def test_the_2022_data_set_gives_002s_tables_in_every_format(settings, tmp_path):
    async with (running(settings) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http):
        began = time.monotonic()
        loaded = await cli_run("demo", "--dataset", "2022", "--url", url)
        loading = time.monotonic() - began
        assert loaded.exit_code == 0, loaded.output
        assert "Yew House: contract ends 31 August 2021; excluded from the round" in loaded.output
        assert "61 self-assessments asked for on 17 August 2021, due 30 September 2021" in (
            loaded.output)
        assert "60 self-assessments received and scored by risk" in loaded.output
        assert "Wren Care at Home: self-assessment received, its analysis held" in loaded.output
        assert ("Yellowhammer Care at Home: self-assessment overdue; reminded on 1 October 2021"
                in loaded.output)

        began = time.monotonic()
        report = (await http.get("/reports/governance", params={"format": "json"})).json()
        reporting = time.monotonic() - began
        assert report["period"]["label"] == "1 April 2021 to 30 September 2021"
        homes, at_home = report["sections"]
        assert (homes["label"], at_home["label"]) == ("Care homes", "Care and support at home")
        assert [b["providers"] for b in homes["bands"]] == [0, 23, 7, 0]
        assert [b["providers"] for b in at_home["bands"]] == [0, 15, 14, 0]
        assert (homes["band_total"], at_home["band_total"]) == (30, 29)
        assert [c["percent"] for c in homes["compliance"]] == [
            60.0, 30.0, 76.7, 23.3, 73.3, 63.3, 66.7]
        assert [c["percent"] for c in at_home["compliance"]] == [
            53.3, 30.0, 76.7, 20.0, 73.3, 63.3, 66.7]
        assert [i["percent"] for i in homes["intelligence"]] == [36.7, 60.0, 76.7, 16.7, 33.3]
        assert [i["percent"] for i in at_home["intelligence"]] == [66.7, 43.3, 70.0, 56.7, 33.3]
        assert {k: homes["returns"][k] for k in (
            "contracts_in_scope", "contracts_ended", "requested", "requested_received",
            "outstanding", "chased", "returned", "analysed")} == {
            "contracts_in_scope": 31, "contracts_ended": 1, "requested": 30,
            "requested_received": 30, "outstanding": 0, "chased": 0, "returned": 30,
            "analysed": 30}
        assert {k: at_home["returns"][k] for k in (
            "contracts_in_scope", "requested", "requested_received", "outstanding", "chased",
            "returned", "without_return", "analysed", "not_analysed")} == {
            "contracts_in_scope": 31, "requested": 31, "requested_received": 30,
            "outstanding": 1, "chased": 1, "returned": 30, "without_return": 1, "analysed": 29,
            "not_analysed": 1}

        # The outstanding one was asked for, fell overdue and was reminded; the offer of
        # support is in its issues and risk log.
        [asked] = (await http.get("/intake/return-log", params={
            "provider_id": "r22-yellowhammer"})).json()
        assert (asked["form"], asked["status"], asked["due_on"], asked["reminders"]) == (
            "self-assessment", "overdue", "2021-09-30", ["2021-10-01"])
        chase = (await http.get("/risk/providers/r22-yellowhammer/log")).json()
        assert [e["category"] for e in chase] == ["return-outstanding"]
        # The analysis not yet done is held in risk, not logged.
        [wren] = (await http.get("/risk/providers/r22-wren/scores")).json()
        assert wren["held"] is True and "002 §3.6" in wren["holds"][0]["reason"]
        assert (await http.get("/risk/providers/r22-wren/risk")).json()["latest_band"] is None
        assert (await http.get("/risk/providers/r22-wren/log")).json() == []

        pdf = tmp_path / "report.pdf"
        written = await cli_run("report", "--format", "pdf", "--out", str(pdf), "--url", url)
        assert written.exit_code == 0, written.output
        assert pdf.read_bytes().startswith(b"%PDF")
        html = await cli_run("report", "--start", "2021-04-01", "--end", "2021-09-30",
                             "--url", url)
        assert html.exit_code == 0 and html.output.count("<svg") == 6
        assert "<h2>Care and support at home</h2>" in html.output
        table = await cli_run("report", "--format", "csv", "--url", url)
        rows = list(csv.DictReader(io.StringIO(table.output)))
        assert ("Care homes", "Total", "30") in {
            (r["Service type"], r["Item"], r["Count"]) for r in rows}

        refused = await cli_run("report", "--start", "2021-09-30", "--end", "2021-04-01",
                                "--url", url)
        assert refused.exit_code == 1 and "before it starts" in refused.output

        again = await cli_run("demo", "--dataset", "2022", "--url", url)
        assert again.exit_code == 0, again.output  # loading twice changes nothing
        assert (await http.get("/reports/governance", params={"format": "json"})).json()[
            "sections"] == report["sections"]
        print(json.dumps({"load_seconds": round(loading, 2),
                          "report_seconds": round(reporting, 2)}))
