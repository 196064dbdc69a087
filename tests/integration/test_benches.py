"""bench.spine, bench.notify_latency, bench.store_reads and bench.startup run end to end at a
tiny size (the first two signed in as users would be), so a change that breaks a bench fails
here (bench.national has its own, test_bench_national.py). No timed assertions: the figures are
whatever the machine gives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import notify_latency, spine, startup, store_reads

pytestmark = pytest.mark.integration


def test_the_spine_bench_scores_every_return_and_prices_it(capsys: pytest.CaptureFixture[str]):
    code = spine.main(["--returns", "10", "--concurrency", "2", "--per-provider", "5",
                       "--ceiling-ops", "20", "--timeout", "120"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "accepted over HTTP                     10 (0 failed" in out
    assert re.search(r"submit -> RiskScored recorded\s+10/10 ", out), out
    assert re.search(r"CPU per return, ms\s+\d+\.\d", out), out
    assert re.search(r"by process: .*http -?\d+\.\d.*nats-server -?\d+\.\d", out), out
    # Every concern the returns raised or brought up again was told, the safety ones to
    # operations (the bench waited for them, so a missing one fails the run above).
    assert re.search(r"concerns about these returns\s+(\d+) .*; told (\d+)/\1, "
                     r"safety ones to operations (\d+)/\3", out), out
    assert re.search(r"scored/s against the slowest part\s+\d+\.\d%\s+of ", out), out
    assert not re.search(r"[\x1b\r]", out), out  # its progress bars are for terminals only


def test_the_notify_latency_bench_mails_every_safety_concern(capsys: pytest.CaptureFixture[str]):
    code = notify_latency.main(["--concerns", "4", "--rate", "4", "--providers", "2",
                                "--concurrency", "2", "--timeout", "120"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 e-mail(s) missing" in out
    assert re.search(r"accepted by SMTP\s+4 ", out), out
    assert not re.search(r"[\x1b\r]", out), out


async def test_the_store_reads_bench_counts_each_services_reads_per_return(nats_url, tmp_path):
    counts = await store_reads.measure(4, nats_url, tmp_path)
    out = store_reads.report(counts, 4)
    assert out.startswith("Store calls per return (4 returns)")
    # Every service read aggregates while the returns went through (the figures are the
    # machine's; only that each was counted is asserted).
    for service in ("intake", "risk", "notify"):
        assert counts[service, "select_events"] > 0, out
    assert re.search(r"select_events\s+(\d+\.\d\d\s+){3,}", out), out


@pytest.mark.parametrize("layout", [(), ("--one-process",)], ids=["processes", "one-process"])
def test_the_startup_bench_times_assure_up_and_its_processes_cpu(
        tmp_path: Path, layout: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "starts.json"
    assert startup.main(["--data-dir", str(tmp_path / "data"), "--starts", "1", "--timeout",
                         "120", "--out", str(out), *layout]) == 0
    [started] = json.loads(out.read_text())["starts"]
    assert started["views_caught_up_s"] is not None and started["cpu_s"] > 0
    workers = {"intake", "risk", "escalation", "notify"}
    assert set(started["cpu_s_by_process"]) == {"up", "nats-server", *(() if layout else workers)}
    assert "median: healthy" in capsys.readouterr().out
