"""bench.console_paint runs at a tiny size: the data set made, `assure up` started on it, every
page loaded in Chromium as the person who uses it, each answering 200 with its server time and
first contentful paint read from the browser. No timed assertions: the figures are whatever
the machine gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import console_paint
from tests.browser.conftest import _chromium

pytestmark = pytest.mark.integration


def test_the_console_paint_bench_loads_every_page_and_reads_its_paint(tmp_path: Path):
    out = tmp_path / "figures.json"
    code = console_paint.main(["--providers", "4", "--years", "1", "--requests", "2",
                               "--data-dir", str(tmp_path / "data"), "--out", str(out),
                               "--timeout", "120", "--chromium", _chromium(), "--quiet"])
    found = json.loads(out.read_text())
    assert code == 0, found["pages"]
    assert list(found["pages"]) == [name for name, *_ in console_paint.PAGES]
    for name, page in found["pages"].items():
        assert page["samples"] == 2 and page["not_200"] == [], name
        assert page["ttfb_ms"]["p50"] > 0 and page["fcp_ms"]["p50"] > 0, name
        assert page["server_cpu_ms_per_load"] is not None, name  # the server found (Linux)
    assert found["subjects"]["provider_id"] in found["pages"]["history"]["path"]
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())
