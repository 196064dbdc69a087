"""bench.national runs end to end at a tiny size (a few providers, seconds of load): the command
works, every figure has its ceiling, the results are written, and the run leaves no streams or
schemas behind. No timed assertions: the figures are whatever the machine gives."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

import nats
import pytest

from bench import national
from bench.national_data import SERVICE_TYPES, Shape, answers_for, awards, steps
from services.intake.domain.section_ratings import section_ratings
from shared.contracts.forms import parse_form

TINY = ["--providers", "5", "--years", "1", "--returns", "12", "--paced-returns", "6",
        "--rate", "20", "--concurrency", "4", "--ceiling-ops", "100", "--repeat", "1",
        "--timeout", "120"]


@pytest.mark.unit
@pytest.mark.parametrize("form", ["cmr-level-1", "return-level-2", "return-level-3", "kpi"])
def test_synthetic_returns_are_valid_for_any_period(form: str) -> None:
    """The data set's answers pass the real forms, and poor ones rate a section red."""
    for start, end in ((date(2023, 12, 1), date(2024, 3, 31)), (date(2025, 4, 1),
                                                                date(2026, 3, 31))):
        for kind in ("green", "amber", "red", "unsafe"):
            answers = answers_for(form, start, end, kind, ("KPI1", "KPI2", "KPI3"))
            ratings = set(section_ratings(parse_form(form, 1, answers)).values())
            assert (kind != "green") or ratings == {"green"}
            if kind in ("red", "unsafe"):
                assert "red" in ratings, (form, kind, ratings)


@pytest.mark.unit
def test_the_data_set_has_every_service_type_and_level() -> None:
    shape = Shape(providers=40, years=2, today=date(2026, 11, 23))
    found = list(awards("x", shape))
    assert {a.service_type for a in found} == set(SERVICE_TYPES)
    assert {a.annual_value for a in found if not a.regulator} >= {250_000, 48_000, 8_500}
    assert steps(shape)[0] == date(2024, 4, 1) and steps(shape)[-1] == date(2026, 11, 23)


async def _leftovers(url: str, namespace: str) -> list[str]:
    nc = await nats.connect(url)
    try:
        names = [s.config.name for s in await nc.jetstream().streams_info()]
    finally:
        await nc.close()
    return [n for n in names if namespace.upper() in n]


def _check(out: Path, store: str) -> dict:
    (found,) = out.glob(f"national-{store}-5p-1y-*.json")
    assert found.with_suffix(".md").exists()
    results = json.loads(found.read_text())
    for row in results["figures"]:
        assert row["value"] and row["ceiling_value"] and row["ratio"], row
    running = results["running"]
    for batch in ("flat_out", "paced"):
        assert running[batch]["accepted"] == running[batch]["returns"]
        assert running[batch]["pending"] == 0
    # The services bound to the consumers placed at the streams' ends: nothing replayed.
    assert running["consumers_after_start"]["pending"] == 0
    assert running["consumers_after_start"]["consumers"] == results["load"]["consumers"]
    assert results["load"]["returns_submitted"] > 0
    assert results["stopped"]["governance_direct"]["available"]
    return results


@pytest.mark.integration
def test_national_benchmark_on_sqlite(nats_url: str, tmp_path: Path) -> None:
    code = national.main([*TINY, "--store", "sqlite", "--nats-url", nats_url,
                       "--out", str(tmp_path)])
    assert code == 0
    results = _check(tmp_path, "sqlite")
    assert not asyncio.run(_leftovers(nats_url, results["servers"]["namespace"]))


@pytest.mark.integration
@pytest.mark.postgres
def test_national_benchmark_on_postgres(nats_url: str, tmp_path: Path, postgres: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in (("HOST", postgres.host), ("PORT", postgres.port),
                       ("USER", postgres.user), ("PASSWORD", postgres.password),
                       ("DBNAME", postgres.dbname)):
        monkeypatch.setenv(f"ASSURE_BENCH_POSTGRES_{key}", str(value))
    code = national.main([*TINY, "--store", "postgres", "--nats-url", nats_url,
                       "--out", str(tmp_path)])
    assert code == 0
    results = _check(tmp_path, "postgres")
    namespace = results["servers"]["namespace"]
    assert not asyncio.run(_leftovers(nats_url, namespace))
    with postgres.connect() as conn:
        left = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                            (f"{namespace}%",)).fetchall()
    assert not left
