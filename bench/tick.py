"""One day's run of the return calendar over N contracts: what it loads and how long it takes.

    python -m bench.tick --contracts 2000 [--store sqlite|memory] [--walk]

Builds intake on a fresh SQLite store (or in memory) with N contracts, a third at each level
(every fourth with KPI returns), recorded on 3 March 2025, runs the calendar to 31 July 2025
and then times single runs: the day LEVEL 1's April-July CMR goes out (1 August), a quiet day
(5 August: nothing issued or falling due) and the day after the CMR falls due (16 August).
With --walk it also times the run as it was before the due-date view, walking every contract
and request.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from assure.services import ALL
from bench.national_data import unsynced
from services.intake.application import Award, Intake, TickResult
from services.intake.domain.clock import Clock
from shared.clock import check_sane
from shared.settings import AssureSettings

VALUES = ("150000", "50000", "8000")  # LEVEL 1, 2 and 3
DAYS = {"LEVEL 1 round out (1 August)": date(2025, 8, 1),
        "quiet day (5 August)": date(2025, 8, 5),
        "LEVEL 1 round overdue (16 August)": date(2025, 8, 16)}


def build(contracts: int, store: str, data_dir: Path) -> Intake:
    """Intake as the system builds it (a SQLite file in the data directory), or in memory."""
    if store == "memory":
        app = Intake(env={})
    else:
        intake = next(service for service in ALL if service.name == "intake")
        app = intake.build(AssureSettings(data_dir=data_dir, clock="training"))
        unsynced(app.recorder)  # a bulk load, as bench.national's
    app.tick(date(2025, 3, 3), "bench")
    for n in range(contracts):
        provider = f"tick-provider-{n:05d}"
        app.register_provider(f"Provider {n:05d}", provider, "bench", "bench")
        app.award_contract(Award(
            provider_id=provider, reference=f"{provider}-c1", service_type="care-at-home",
            annual_value=Decimal(VALUES[n % 3]), regulator=None, regulator_service_id=None,
            start_date=date(2024, 4, 1), end_date=None, contract_manager="Ann Duncan",
            kpi_returns=n % 4 == 0), "bench", "bench")
    app.tick(date(2025, 7, 31), "bench")
    return app


def timed(app: Intake, run: Callable[[str], TickResult]) -> dict[str, Any]:
    """One run after the views have caught up: seconds, what it did, what it loaded."""
    app.views.catch_up()
    loads: Counter[str] = Counter()
    original = app.repository.get

    def counting(aggregate_id: Any, **kwargs: Any) -> Any:
        aggregate = original(aggregate_id, **kwargs)
        loads[type(aggregate).__name__] += 1
        return aggregate

    app.repository.get = counting  # type: ignore[method-assign]
    try:
        began = time.perf_counter()
        result = run("bench")
        seconds = time.perf_counter() - began
    finally:
        del app.repository.get
    return {"seconds": seconds, "requested": result.requested, "overdue": result.overdue,
            "loads": dict(loads)}


def walk_every_contract(app: Intake, to: date, correlation_id: str = "bench") -> TickResult:
    """The run as it was before the due-date view (every contract, then every request)."""
    clock = app.find(Clock, Clock.create_id()) or Clock(today=check_sane(to, "to"))
    clock.advance(to)
    app.save(clock)
    requested = 0
    for contract in app.contracts():
        new = app._returns_to_ask_for(contract, to, correlation_id)
        if new:
            app.save(*new)
            requested += len(new)
    overdue = 0
    for request in app._requests():
        if request.mark_overdue(to, correlation_id):
            app.save(request)
            overdue += 1
    return TickResult(to, requested, overdue)


def measure(contracts: int, store: str, walk: bool) -> list[tuple[str, dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as data_dir:
        results = []
        for how in ("view", "walk") if walk else ("view",):
            (Path(data_dir) / how).mkdir()
            app = build(contracts, store, Path(data_dir) / how)
            run = app.tick if how == "view" else partial(walk_every_contract, app)
            for label, day in DAYS.items():
                results.append((f"{how}: {label}", timed(app, partial(run, day))))
            app.close()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--walk", action="store_true", help="also time the run as it was")
    args = parser.parse_args()
    for label, found in measure(args.contracts, args.store, args.walk):
        loads = ", ".join(f"{n} {kind}" for kind, n in sorted(found["loads"].items()))
        print(f"{label:42} {found['seconds']:7.3f} s  requested {found['requested']:5}  "
              f"overdue {found['overdue']:5}  loaded: {loads or 'nothing'}")


if __name__ == "__main__":
    main()
