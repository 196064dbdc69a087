"""The governance report: before (replaying the stores) and after (the reporting view), and the
raw read of the same rows underneath, in one run.

    python -m bench.report --providers 150 --years 2                  # real services, SQLite
    python -m bench.report --providers 500 --years 2 --store postgres
    python -m bench.report --synthetic 30000 --years 3                # the view only, at scale

With `--providers`, bench.national's loader builds the history through the real services
(SQLite; copied into PostgreSQL with `--store postgres`), the view is fed with every event the
stores publish, and the report for the last complete half-year and financial year is timed
three ways: **before**, as the report read them until issue 15 (tests/governance_oracle.py,
the replaying collector, on the stores); **after**, from the view (assure.report.collect on
it); and the **raw read** ceiling, the same SQL queries with their rows fetched and nothing
built from them. Both reports must be equal or the run fails.

With `--synthetic N` the services are not run: integration events for N providers over the
years (contracts, requests, returns with scores and indicators, holds, reminders,
interventions and escalations, in the proportions of bench.national's data set) are written
straight into the view, so the report can be timed at the issue's 30,000 providers.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from assure.report.collect import collect
from assure.report.governance import governance_report
from assure.report.layout import to_dict
from assure.report.period import Length, Period, last_complete
from assure.reporting import open_projection
from assure.reporting.projection import rows_for
from assure.reporting.view import NAME, Applied
from bench.national_data import SERVICE_TYPES, Loader, Shape, build_apps, consumed, copy_store
from bench.report_feed import feed, streams_of
from services.risk.domain.indicators import COMPLIANCE, INTELLIGENCE
from shared.contracts import escalation, intake, notify, risk
from shared.contracts.envelope import Envelope
from shared.settings import AssureSettings

PARTITIONS = 4
TODAY = date(2026, 11, 23)


CPU: dict[int, float] = {}  # id of a timing's runs -> the median CPU seconds of this process


def timed(what: Callable[[], Any], repeat: int) -> tuple[Any, float, list[float]]:
    """The result and the median seconds of `repeat` runs (and every run). The median CPU time
    of this process is kept too (CPU[id(runs)]): on a shared machine it is the steadier figure
    (SQLite works in this process; PostgreSQL's server time is not in it)."""
    runs, cpu, found = [], [], None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        found = what()
        runs.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    CPU[id(runs)] = statistics.median(cpu)
    return found, statistics.median(runs), runs


def raw_read(view: Any, period: Period, repeat: int) -> tuple[int, float]:
    """The ceiling: the report's own queries for the period, their rows fetched and nothing
    made of them (the time spent in the view's `select` while the report is made), median of
    `repeat`; and how many rows they read."""
    spent, rows, select = [], 0, view.select

    def timing(sql: str, params: Any = ()) -> list[Any]:
        nonlocal rows
        began = time.perf_counter()
        found = select(sql, params)
        spent[-1] += time.perf_counter() - began
        rows += len(found)
        return found

    view.select = timing
    try:
        for _ in range(repeat):
            spent.append(0.0)
            rows = 0
            from_view(view, period)
    finally:
        del view.select
    return rows, statistics.median(spent)


def from_view(view: Any, period: Period) -> dict[str, Any]:
    return to_dict(governance_report(period, collect(view, period, None)))


def periods() -> dict[str, Period]:
    return {"half-year": last_complete(TODAY, Length.HALF_YEAR),
            "year": last_complete(TODAY, Length.YEAR)}


# Real services ---------------------------------------------------------------------------------


def with_services(args: argparse.Namespace, where: Path) -> dict[str, Any]:
    from tests.governance_oracle import collect as replaying

    say = print if not args.quiet else (lambda _: None)
    apps = build_apps(AssureSettings(data_dir=where / "stores", partitions=PARTITIONS))
    began = time.perf_counter()
    stats = Loader(uuid.uuid4().hex[:6], Shape(args.providers, args.years, seed=args.seed,
                                                today=TODAY),
                   apps, consumed(), PARTITIONS, say=say).load()
    result: dict[str, Any] = {"load_seconds": round(time.perf_counter() - began, 1),
                              "events": stats.events}
    store = view_settings(args, where)
    if args.store == "postgres":
        apps = copied_to_postgres(apps, store)
    projection = open_projection(store)
    streams = streams_of(apps, PARTITIONS)
    applied, seconds, _ = timed(lambda: feed(projection, streams), 1)
    result["view"] = {"messages": applied, "seconds": round(seconds, 2),
                      "per_second": round(applied / seconds), "rows": projection.view.row_counts()}
    for label, period in periods().items():
        old, before_s, before_runs = timed(lambda p=period: to_dict(governance_report(
            p, replace(replaying(apps), as_at=None, notes=()))), args.repeat)
        new, after_s, after_runs = timed(lambda p=period: from_view(projection.view, p),
                                         args.repeat)
        if old["sections"] != new["sections"]:
            raise SystemExit(f"{label}: the view's report differs from the replayed one")
        rows, raw_s = raw_read(projection.view, period, args.repeat)
        result[label] = figures(period, before_s, after_s, raw_s, rows, before_runs,
                                after_runs)
    return result


def view_settings(args: argparse.Namespace, where: Path) -> AssureSettings:
    if args.store != "postgres":
        return AssureSettings(data_dir=where / "view", partitions=PARTITIONS)
    return AssureSettings(data_dir=where / "view", partitions=PARTITIONS,
                          postgres_host=args.postgres_host, postgres_dbname=args.postgres_dbname,
                          postgres_user=args.postgres_user,
                          postgres_schema_prefix=args.prefix)


def copied_to_postgres(apps: dict[str, Any], store: AssureSettings) -> dict[str, Any]:
    """The stores copied into PostgreSQL (bench.national's copy), so `before` reads there."""
    target = build_apps(store)
    for name, app in apps.items():
        copy_store(app, target[name])
    return target


def figures(period: Period, before: float | None, after: float, raw: float, rows: int,
            before_runs: list[float] | None = None,
            after_runs: list[float] | None = None) -> dict[str, Any]:
    return {"period": f"{period.start} to {period.end}",
            "before_s": None if before is None else round(before, 3),
            "after_s": round(after, 3), "raw_read_s": round(raw, 3), "rows_read": rows,
            "after_over_raw": round(after / raw, 1) if raw else None,
            "speed_up": None if before is None else round(before / after, 1),
            "before_cpu_s": _cpu(before_runs), "after_cpu_s": _cpu(after_runs),
            "before_runs": [round(r, 3) for r in before_runs or []],
            "after_runs": [round(r, 3) for r in after_runs or []]}


def _cpu(runs: list[float] | None) -> float | None:
    return None if runs is None or id(runs) not in CPU else round(CPU[id(runs)], 3)


# Synthetic events straight into the view -------------------------------------------------------


def synthetic(args: argparse.Namespace, where: Path) -> dict[str, Any]:
    projection = open_projection(view_settings(args, where))
    began = time.perf_counter()
    applied = 0
    for batch in _batches(_events(args.synthetic, args.years, args.seed), 5000):
        applied += projection.process_batch(batch, f"{NAME}/SYNTHETIC", applied + len(batch))
    result: dict[str, Any] = {
        "view": {"messages": applied, "seconds": round(time.perf_counter() - began, 1),
                 "rows": projection.view.row_counts()}}
    for label, period in periods().items():
        _, after_s, after_runs = timed(lambda p=period: from_view(projection.view, p),
                                       args.repeat)
        rows, raw_s = raw_read(projection.view, period, args.repeat)
        result[label] = figures(period, None, after_s, raw_s, rows, None, after_runs)
    return result


def _batches(items: Iterator[Applied], size: int) -> Iterator[list[Applied]]:
    batch: list[Applied] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Positions:
    def __init__(self) -> None:
        self.next = 0

    def __call__(self, event: Any, on: date) -> Applied:
        """The event as the view applies it (built without validation: the generator's values
        are valid by construction, and validating millions would time pydantic, not the view)."""
        self.next += 1
        envelope = Envelope.model_construct(
            id=str(self.next), type=event.event_type, dataversion=event.version,
            source="bench", subject=event.provider_id, correlationid="bench",
            time=datetime(on.year, on.month, on.day, 12, tzinfo=UTC), data={})
        return Applied(f"{NAME}/SYNTHETIC#p0", self.next, rows_for(event, envelope, self.next))


def _events(providers: int, years: int, seed: int) -> Iterator[Applied]:
    rng, at = random.Random(seed), _Positions()
    start = date(TODAY.year - years - (TODAY.month < 4), 4, 1)
    for index in range(providers):
        pid = f"syn-{index:06d}"
        for c in range(1 + (index % 5 == 0) + (index % 7 == 0)):
            yield from _contract(rng, at, pid, f"{pid}-c{c + 1}", index + c, start)


def _contract(rng: random.Random, at: _Positions, pid: str, ref: str, serial: int,
              start: date) -> Iterator[Applied]:
    kind = SERVICE_TYPES[serial % len(SERVICE_TYPES)]
    ends = start + timedelta(days=500) if rng.random() < 0.05 else None
    yield at(intake.ContractAwarded.model_construct(
        provider_id=pid, contract_reference=ref, service_type=kind, start_date=start,
        end_date=ends), start)
    due = date(start.year, 8, 15)
    while due <= TODAY and (ends is None or due <= ends):  # a return a quarter
        yield from _quarter(rng, at, pid, ref, due)
        due = _months_later(due, 3)
    if rng.random() < 0.03:
        yield from _intervention(rng, at, pid, ref, due - timedelta(days=200))


def _quarter(rng: random.Random, at: _Positions, pid: str, ref: str,
             due: date) -> Iterator[Applied]:
    request = uuid.UUID(int=rng.getrandbits(128)).hex
    yield at(intake.ReturnRequested.model_construct(
        provider_id=pid, request_id=request, contract_reference=ref, form="cmr-level-1",
        due_on=due), due - timedelta(days=30))
    if rng.random() < 0.015:  # missed, reminded
        yield at(notify.NotificationDelivered.model_construct(
            provider_id=pid, about_event_type="ReturnOverdue", reference=request,
            recipient=f"provider-{pid}"), due + timedelta(days=1))
        return
    on = due - timedelta(days=rng.randint(-10, 20))
    return_id = uuid.UUID(int=rng.getrandbits(128)).hex
    yield at(intake.ReturnSubmitted.model_construct(
        provider_id=pid, return_id=return_id, contract_reference=ref, form="cmr-level-1",
        submitted_on=on, request_id=request, corrects=None), on)
    band = rng.choices(list(risk.Band), (10, 70, 15, 5))[0]
    indicators = risk.Indicators.model_construct(
        compliance={n: rng.random() < 0.7 for n in COMPLIANCE},
        intelligence={n: rng.random() < 0.3 for n in INTELLIGENCE})
    yield at(risk.RiskScored.model_construct(
        provider_id=pid, return_id=return_id, band=band, score=Decimal(80),
        indicators=indicators), on)
    if rng.random() < 0.02:
        yield at(risk.ReturnAnalysisHeld.model_construct(provider_id=pid, return_id=return_id),
                 on)


def _intervention(rng: random.Random, at: _Positions, pid: str, ref: str,
                  on: date) -> Iterator[Applied]:
    iid, eid = uuid.uuid4().hex, uuid.uuid4().hex
    level = rng.choice(list(escalation.Level))
    yield at(escalation.InterventionOpened.model_construct(
        provider_id=pid, intervention_id=iid, level=level, contract_reference=ref), on)
    yield at(escalation.EscalationProposed.model_construct(
        provider_id=pid, escalation_id=eid, step="suspension"), on)
    if rng.random() < 0.5:
        yield at(escalation.EscalationApproved.model_construct(
            provider_id=pid, escalation_id=eid), on + timedelta(days=3))
    if rng.random() < 0.5:
        yield at(escalation.InterventionClosed.model_construct(
            provider_id=pid, intervention_id=iid), on + timedelta(days=90))


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, day.day)


# The command -----------------------------------------------------------------------------------


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--providers", type=int, help="a history by the real services")
    source.add_argument("--synthetic", type=int, help="events straight into the view")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-host", default="127.0.0.1")
    parser.add_argument("--postgres-dbname", default="test")
    parser.add_argument("--postgres-user", default="postgres")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.prefix = f"benchreport{uuid.uuid4().hex[:8]}_"  # this run's schemas, dropped after
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory() as where:
        try:
            found = (with_services if args.providers else synthetic)(args, Path(where))
        finally:
            if args.store == "postgres":
                drop_bench_schemas(args)
    found = {"store": args.store, "providers": args.providers or args.synthetic,
             "synthetic": bool(args.synthetic), "years": args.years, **found}
    text = json.dumps(found, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


def drop_bench_schemas(args: argparse.Namespace) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=args.postgres_host, dbname=args.postgres_dbname,
                         user=args.postgres_user, autocommit=True) as conn:
        for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                      (args.prefix.replace("_", r"\_") + "%",)).fetchall():
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


if __name__ == "__main__":
    sys.exit(main())
