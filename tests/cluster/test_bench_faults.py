"""bench.faults at a tiny size (30 returns, one SIGKILL of a NATS node and one of an `assure up`
instance), so a change that breaks the bench fails here; it runs wherever the fault suite runs
(the `cluster` marker, in the default run). No timed assertions: the figures are whatever the
machine gives."""

from __future__ import annotations

import re

import pytest

from bench import faults
from tests.conftest import Postgres

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

ZEROS = ("returns unscored", "returns scored more than once", "providers not scored in their order",
         "duplicate concerns", "duplicate notifications", "missing notifications",
         "inbox entries not matching the history", "e-mails not sent exactly once",
         "duplicate stream messages", "missing stream messages")


def test_the_fault_bench_kills_a_node_and_an_instance_and_counts_nothing_lost_or_doubled(
    postgres: Postgres, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
):
    for name in ("host", "port", "user", "password", "dbname"):
        monkeypatch.setenv(f"ASSURE_BENCH_POSTGRES_{name.upper()}", str(getattr(postgres, name)))
    code = faults.main(["--returns", "30", "--providers", "3", "--rate", "3", "--kills", "1",
                        "--timeout", "400"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert re.search(r"returns submitted / accepted / scored\s+30 / 30 / 30\n", out), out
    for figure in ZEROS:
        assert re.search(rf"\n  {re.escape(figure)}\s+0\n", out), (figure, out)
    kills = re.findall(r"\n  (nats|assure up)\s+(n\d|a|b)\s+\d", out)
    assert sorted(what for what, _ in kills) == ["assure up", "nats"], out
    assert out.count(": intact, every stored event") == 2, out
    assert "checks (as tests/cluster/test_cluster_faults.py): passed" in out
