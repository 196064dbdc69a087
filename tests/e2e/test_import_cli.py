"""`assure import care-inspectorate` against a running system: the file goes up with a progress
bar, the answer comes back in counts, and --report saves the full list (issue 21)."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import httpx
import pytest
from rich.progress import Progress
from typer.testing import CliRunner

from assure.cli import app as cli
from assure.imports_client import _Counted
from tests.support import contract_award, running, serving

pytestmark = pytest.mark.e2e

DATASTORE = (Path(__file__).resolve().parents[1] / "fixtures" / "care_inspectorate"
             / "datastore_2025-12-31.csv")


async def test_the_cli_imports_a_monthly_file_and_saves_the_full_list(settings, tmp_path):
    report = tmp_path / "unmatched.csv"
    async with (running(settings, services=("intake",)) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http):
        await http.post("/intake/providers", json={"provider_id": "crossreach",
                                                   "name": "CrossReach"})
        await http.post("/intake/providers/crossreach/contracts", json=contract_award(
            "BALMEDIE-1", regulator_service_id="CS2003000265"))

        result = await asyncio.to_thread(CliRunner().invoke, cli, [
            "import", "care-inspectorate", str(DATASTORE), "--url", url, "--report", str(report)])

    assert result.exit_code == 0, result.output
    assert "7 rows read: 1 grades recorded" in result.output
    assert "6 services are not ours" in result.output
    listed = list(csv.DictReader(report.open(encoding="utf-8")))
    assert len(listed) == 6 and {row["what"] for row in listed} == {"not one of our contracts"}


def test_the_progress_bar_counts_every_byte_sent():
    progress = Progress(disable=True)
    task = progress.add_task("upload", total=DATASTORE.stat().st_size)
    sent: list[bytes] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(200, json={})

    with DATASTORE.open("rb") as file, httpx.Client(transport=httpx.MockTransport(server)) as http:
        http.post("http://assure.test/intake/imports/care-inspectorate",
                  files={"file": (DATASTORE.name, _Counted(file, progress, task), "text/csv")})

    assert progress.tasks[0].completed == DATASTORE.stat().st_size
    assert DATASTORE.read_bytes() in sent[0]
