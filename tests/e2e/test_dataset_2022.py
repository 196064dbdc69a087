"""The README's 2022 path, run the way a person runs it: `assure up --training --start …` in its
own process on a fresh data directory, then `assure demo --dataset 2022` and `assure report` as
commands; the report shows 002's tables. On a system whose clock follows the real date the data
set is refused, saying how to start one that takes it."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import httpx
import pytest

from assure.signin import DevSignIn
from tests.support import assure, assure_on_a_terminal, assure_up

pytestmark = pytest.mark.e2e

# As the README says: ASSURE_DATA_DIR=$(mktemp -d) assure up --training --start 2021-08-17
TRAINING_FROM_THE_ROUND = ("--training", "--start", "2021-08-17")
# A progress bar being drawn: escape sequences and carriage returns. In a pipe there are none.
DRAWING = re.compile(r"[\x1b\r]")


def test_the_2022_data_set_gives_002s_tables_in_every_format(tmp_path):
    with (assure_up(tmp_path / "data", *TRAINING_FROM_THE_ROUND) as url,
          httpx.Client(base_url=url, timeout=60, auth=DevSignIn()) as http):
        began = time.monotonic()
        loaded = assure("demo", "--dataset", "2022", url=url)
        loading = time.monotonic() - began
        assert loaded.exit_code == 0, loaded.output
        assert "Yew House: contract ends 31 August 2021; excluded from the round" in loaded.output
        assert "61 self-assessments asked for on 17 August 2021, due 30 September 2021" in (
            loaded.output)
        assert "60 self-assessments received and scored by risk" in loaded.output
        assert "Wren Care at Home: self-assessment received, its analysis held" in loaded.output
        assert ("Yellowhammer Care at Home: self-assessment overdue; reminded on 1 October 2021"
                in loaded.output)
        # In a pipe the bar is not drawn: the lines it says, then the JSON, and nothing else.
        assert not DRAWING.search(loaded.output), repr(loaded.output[:300])
        said, _, summary = loaded.output.partition("\n{")
        assert json.loads("{" + summary)["period"] == ["2021-04-01", "2021-09-30"]
        assert all(line.strip() for line in said.splitlines())

        began = time.monotonic()
        report = (http.get("/reports/governance", params={"format": "json"})).json()
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
        [asked] = (http.get("/intake/return-log", params={
            "provider_id": "r22-yellowhammer"})).json()
        assert (asked["form"], asked["status"], asked["due_on"], asked["reminders"]) == (
            "self-assessment", "overdue", "2021-09-30", ["2021-10-01"])
        chase = (http.get("/risk/providers/r22-yellowhammer/log")).json()
        assert [e["category"] for e in chase] == ["return-outstanding"]
        # The analysis not yet done is held in risk, not logged.
        [wren] = (http.get("/risk/providers/r22-wren/scores")).json()
        assert wren["held"] is True and "002 §3.6" in wren["holds"][0]["reason"]
        assert (http.get("/risk/providers/r22-wren/risk")).json()["latest_band"] is None
        assert (http.get("/risk/providers/r22-wren/log")).json() == []

        pdf = tmp_path / "report.pdf"
        written = assure("report", "--format", "pdf", "--out", str(pdf), url=url)
        assert written.exit_code == 0, written.output
        assert written.output == f"wrote {pdf}\n"  # no bar in a pipe
        assert pdf.read_bytes().startswith(b"%PDF")
        drawn = assure_on_a_terminal("report", "--format", "pdf", "--out", str(pdf), url=url)
        assert drawn.exit_code == 0, drawn.output
        assert "building the governance report" in drawn.output and "\x1b[" in drawn.output
        assert f"wrote {pdf}" in drawn.output
        html = assure("report", "--start", "2021-04-01", "--end", "2021-09-30",
                             url=url)
        assert html.exit_code == 0 and html.output.count("<svg") == 6
        assert "\x1b" not in html.output
        assert "<h2>Care and support at home</h2>" in html.output
        table = assure("report", "--format", "csv", url=url)
        rows = list(csv.DictReader(io.StringIO(table.output)))
        assert ("Care homes", "Total", "30") in {
            (r["Service type"], r["Item"], r["Count"]) for r in rows}

        refused = assure("report", "--start", "2021-09-30", "--end", "2021-04-01",
                                url=url)
        assert refused.exit_code == 1 and "before it starts" in refused.output

        again = assure("demo", "--dataset", "2022", url=url)
        assert again.exit_code == 0, again.output  # loading twice changes nothing
        assert (http.get("/reports/governance", params={"format": "json"})).json()[
            "sections"] == report["sections"]
        print(json.dumps({"load_seconds": round(loading, 2),
                          "report_seconds": round(reporting, 2)}))


def test_on_a_clock_that_follows_the_real_date_the_data_set_is_refused_saying_what_to_do(
        tmp_path):
    with assure_up(tmp_path / "data") as url:
        refused = assure("demo", "--dataset", "2022", url=url)
        assert refused.exit_code == 1
        assert "this system's clock follows the real date" in refused.output
        assert "assure up --training --start 2021-08-17" in refused.output
        moved = assure("tick", "--to", "2035-01-01", url=url)
        assert moved.exit_code == 1 and "follows the real date" in moved.output
        assert httpx.get(f"{url}/health").status_code == 200
