"""A day's tick on a bench.views data set, in process: intake's `move_clock` to the clock's next
day, as `POST /intake/clock/tick` runs it, timed in seconds and CPU seconds (optionally under
cProfile), without starting the system.

    python -m bench.views_tick DATA_SET [--profile FILE] [--days N]

DATA_SET is one data set's directory (`<data-dir>/views-sqlite-2000p-3y-s1-g2`). Each day ticked
is kept, as bench.views keeps its tick: run it on a copy to tick the same day again.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from assure.services import ALL
from shared.settings import AssureSettings


def build(data_set: Path) -> Any:
    """Intake on the data set's store, as `assure up --training` builds it."""
    intake = next(service for service in ALL if service.name == "intake")
    return intake.build(AssureSettings(data_dir=data_set, clock="training",
                                       run_background_jobs=False))


def tick(app: Any, profile: cProfile.Profile | None) -> dict[str, Any]:
    """One day's tick, timed; the views caught up first, as a running system keeps them."""
    app.views.catch_up()
    to = app.today() + timedelta(days=1)
    began, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    result = app.move_clock(to, "bench")
    if profile:
        profile.disable()
    return {"to": to.isoformat(), "seconds": round(time.perf_counter() - began, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3),
            "requested": result.requested, "overdue": result.overdue,
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.views_tick", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_set", type=Path)
    parser.add_argument("--days", type=int, default=1, help="days ticked, one at a time (1)")
    parser.add_argument("--profile", type=Path, help="write cProfile's statistics here")
    args = parser.parse_args(argv)
    if not (args.data_set / "intake.sqlite").exists():
        parser.error(f"no intake store in {args.data_set}")
    began = time.perf_counter()
    app = build(args.data_set)
    print(json.dumps({"built_s": round(time.perf_counter() - began, 2)}))
    profile = cProfile.Profile() if args.profile else None
    try:
        for _ in range(args.days):
            print(json.dumps(tick(app, profile)))
    finally:
        app.close()
    if profile:
        profile.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
