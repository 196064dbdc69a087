"""bench.inbox_reads runs end to end on a small store the national loader makes: both versions
of notify's inbox view answer every read it times, with the same totals. No timed assertions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bench import inbox_reads
from bench.national_data import Loader, Shape, build_apps, consumed
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration


def test_the_inbox_reads_bench_times_each_version_of_the_view(tmp_path: Path) -> None:
    apps = build_apps(AssureSettings(data_dir=tmp_path, clock="training",
                                     auth_required=False), fast=True)
    try:
        Loader("inbox", Shape(providers=2, years=1, seed=3, today=date(2026, 11, 23)), apps,
               consumed(), partitions=2, say=lambda _: None).load()
    finally:
        for app in apps.values():
            app.close()

    found = inbox_reads.main(["--data-dir", str(tmp_path), "--repeat", "2"])

    before, after = found["version 1"], found["version 2"]
    assert before.keys() == after.keys() and len(after) == 4
    for read, figures in after.items():
        assert (figures["rows"], figures["total"], figures["unread"]) == (
            before[read]["rows"], before[read]["total"], before[read]["unread"]), read
    assert after["contract managers' inbox, a reader"]["total"] > 0
