"""bench.views runs at a tiny size on both stores: the data set is made through the services
(its stored events chained and read back by the running system), kept and found again by a
second run, and every figure is there; the last run leaves no data set or schema behind.
No timed assertions: the figures are whatever the machine gives."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest

from bench import views, views_tick
from bench.national_data import Shape, build_apps
from bench.views_data import TODAY, make, settings_for
from services.intake.application.due_dates import DueDates
from services.intake.domain.clock import Clock
from services.intake.domain.return_rounds import LastRun
from services.notify.application.projections import DeliveriesIndex
from shared.nats_server import EmbeddedNats

pytestmark = pytest.mark.integration
SERVICES = ("intake", "risk", "escalation", "notify")


def _run(tmp_path: Path, store: str, seed: int, *more: str) -> dict[str, Any]:
    out = tmp_path / "figures.json"
    assert views.main(["--providers", "6", "--years", "1", "--requests", "2", "--seed",
                       str(seed), "--store", store, "--data-dir", str(tmp_path / "data"),
                       "--out", str(out), "--timeout", "120", "--quiet", *more]) == 0
    return json.loads(out.read_text())


def _check(found: dict[str, Any], services: tuple[str, ...] = SERVICES) -> None:
    made = found["data_set"]["made"]
    assert made["returns"] > 0 and made["deliveries"] > 0 and made["read"] > 0
    assert all(made["events"][s] > 0 for s in services)
    assert {v.split("/")[0] for v in found["rebuild"]["views"]} == set(made["events"])
    for page in views.measure.PAGES:
        assert found["pages"][page]["samples"] == 2
        assert all(r["status"] == 200 for r in found["pages"][page]["routes"].values())
    assert found["pages"]["return log"]["routes"]["/intake/return-log"]["rows"] > 0
    assert found["start"]["views_caught_up_s"] is not None
    assert found["start"]["cpu_s"] > 0
    assert found["tick"]["to"] > str(TODAY)
    for figure in found["figures"]:
        assert figure["value"] is not None, figure


def _chains_intact(store: str, seed: int, where: Path, postgres: dict[str, Any] | None) -> None:
    """Every stored event the generator wrote is in its aggregate's hash chain, as the
    services' own writes are; and every e-mail it made was sent, as years of running would
    have left it (none is left for `assure up`'s dispatcher to send, and the start to wait
    out)."""
    shape = Shape(6, 1, seed, today=TODAY)
    prefix = f"benchviews_6p_1y_s{seed}_g{views.VERSION}_"
    apps = build_apps(settings_for(where / f"views-{store}-6p-1y-s{seed}-g{views.VERSION}",
                                   postgres, prefix, shape), fast=False)
    try:
        for app in apps.values():
            assert app.verify().intact
        deliveries = apps["notify"].views.get(DeliveriesIndex)
        assert not deliveries.due(datetime.now(UTC) + timedelta(days=365))
    finally:
        for app in apps.values():
            app.close()


def _stream_messages(where: Path) -> dict[str, int]:
    server = EmbeddedNats(where / "nats").start()

    async def count() -> dict[str, int]:
        nc = await nats.connect(server.url)
        try:
            return {s.config.name.lower(): s.state.messages
                    for s in await nc.jetstream().streams_info()}
        finally:
            await nc.close()

    try:
        return asyncio.run(count())
    finally:
        server.stop()


def test_the_views_benchmark_on_sqlite(tmp_path: Path) -> None:
    first = _run(tmp_path, "sqlite", 1, "--keep", "--no-cold-start")
    assert first["data_set"]["made_in_this_run"] and "cold_start" not in first
    _check(first)
    _chains_intact("sqlite", 1, tmp_path / "data", None)
    # The relays started from the streams' tails: the history was not published again (the
    # streams hold each tail and what the tick made, far fewer than the stored events).
    messages = _stream_messages(Path(first["data_set"]["path"]))
    for service, events in first["data_set"]["made"]["events"].items():
        assert messages[service] < events / 4, (service, messages[service], events)
    again = _run(tmp_path, "sqlite", 1, "--discard")
    assert not again["data_set"]["made_in_this_run"]
    assert again["tick"]["to"] > first["tick"]["to"]  # the kept clock moved on a day
    assert again["cold_start"]["views_caught_up_s"] is not None
    _check(again)
    assert not list((tmp_path / "data").iterdir())


@pytest.mark.postgres
def test_the_views_benchmark_on_postgres(tmp_path: Path, postgres: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in (("HOST", postgres.host), ("PORT", postgres.port),
                       ("USER", postgres.user), ("PASSWORD", postgres.password),
                       ("DBNAME", postgres.dbname)):
        monkeypatch.setenv(f"ASSURE_BENCH_POSTGRES_{key}", str(value))
    seed = random.randrange(10**6)  # schemas of this test's own
    first = _run(tmp_path, "postgres", seed, "--keep", "--no-cold-start")
    _check(first, ("intake", "risk", "notify"))  # a random seed may raise no concern
    _chains_intact("postgres", seed, tmp_path / "data", views.postgres_settings())
    again = _run(tmp_path, "postgres", seed, "--discard")
    assert not again["data_set"]["made_in_this_run"]
    _check(again, ("intake", "risk", "notify"))
    with postgres.connect() as conn:
        left = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                            (f"benchviews_6p_1y_s{seed}_%",)).fetchall()
    assert not left


def test_the_data_sets_clock_vouches_for_a_run_to_its_last_day(tmp_path: Path) -> None:
    # As a running system's daily run leaves it: a tick on the data set reads what is due
    # after that run, where a clock that cannot vouch for one has every contract read.
    shape = Shape(6, 1, 1, today=TODAY)
    settings = settings_for(tmp_path / "data", None, "", shape)
    make(settings, shape, say=lambda _: None)
    apps = build_apps(settings, fast=False)
    try:
        intake = apps["intake"]
        last = LastRun.of(intake.repository.get(Clock.create_id()))
        assert last is not None
        assert (last.today, last.calendar) == (TODAY, intake._placing.fingerprint)
        after = intake.recorder.select_notifications(last.read_through + 1, 1000)
        assert {n.originator_id for n in after} == {Clock.create_id()}  # it read all but those
        # What that run vouches for: walking every contract to the day finds nothing left to
        # ask for, and nothing falling overdue.
        assert [r for c in intake.contracts()
                for r in intake._returns_to_ask_for(c, TODAY, "check")] == []
        assert intake.views.get(DueDates).falling_overdue(TODAY) == []
    finally:
        for app in apps.values():
            app.close()


def test_the_tick_benchmark_ticks_a_data_set_day_by_day(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # bench.views_tick's smoke run: a tiny data set made as bench.views makes it, ticked two
    # days in process under cProfile; each day is kept, so the second starts where the first
    # ended. No timing is asserted, only that the bench runs and reports every day.
    shape = Shape(6, 1, 1, today=TODAY)
    data_set = tmp_path / "data"
    make(settings_for(data_set, None, "", shape), shape, say=lambda _: None)
    profile = tmp_path / "tick.prof"
    assert views_tick.main([str(data_set), "--days", "2", "--profile", str(profile)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    built, days = lines[0], lines[1:]
    assert "built_s" in built
    assert [day["to"] for day in days] == [
        str(TODAY + timedelta(days=1)), str(TODAY + timedelta(days=2))]
    assert all(day["requested"] >= 0 and day["overdue"] >= 0 for day in days)
    assert profile.stat().st_size > 0
