"""bench.report runs at a tiny size: the report from the view equals the replayed one (the
bench refuses to print figures otherwise), and every figure is there. No timed assertions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("source", [["--providers", "3"], ["--synthetic", "40"]])
def test_the_report_benchmark_runs(source: list[str], tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    assert report.main([*source, "--years", "1", "--repeat", "1", "--quiet",
                        "--out", str(out)]) == 0
    found = json.loads(out.read_text())
    assert found["view"]["messages"] > 0 and found["view"]["rows"]["contracts"] > 0
    for length in ("half-year", "year"):
        figures = found[length]
        assert figures["after_s"] is not None and figures["raw_read_s"] is not None
        assert (figures["before_s"] is None) == ("--synthetic" in source)
