"""`assure up`'s start, again and again, on one data directory (issue 15).

    python -m bench.startup --data-dir D [--starts N] [--out FILE]
    python -m bench.startup --data-dir D --one-process      # everything in one process

D may hold a data set (`python -m bench.views --keep` leaves one in its data directory, views
built) or nothing (the first start makes the stores). Each start is bench.views' own
(bench/views_measure.py `assure_up`: `assure up --training`, sign-in on, background jobs off),
and gives seconds until `GET /health` answers and until every view has read the whole store,
the CPU seconds of `assure up` and of each of its processes by then, and the load average it
started at. On a shared machine the seconds follow the load; the CPU much less.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from bench import views_measure as measure
from bench.national_data import build_apps
from shared.settings import AssureSettings


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--data-dir", type=Path, required=True, help="the stores: a data set, or nothing yet")
    add("--starts", type=int, default=3, help="starts, one after another (3)")
    add("--one-process", action="store_true", help="`assure up --one-process` instead")
    add("--timeout", type=float, default=600.0, help="for each start (600 s)")
    add("--out", type=Path, help="write the starts as JSON")
    args = parser.parse_args(argv)
    if args.starts < 1:
        parser.error("--starts must be at least 1")
    return args


def starts(data_dir: Path, count: int, one_process: bool, timeout: float) -> list[dict[str, Any]]:
    """Starts `assure up` on the data directory `count` times; how each went."""
    settings = AssureSettings(data_dir=data_dir.resolve(), clock="training",
                              run_background_jobs=False)
    apps = build_apps(settings, fast=False)  # the bench's own view of the stores
    found = []
    try:
        for _ in range(count):
            with measure.assure_up(settings, apps, data_dir / "assure.log", timeout,
                                   one_process) as (_, started):
                found.append(started)
    finally:
        for app in apps.values():
            app.close()
    return found


def summary(found: list[dict[str, Any]]) -> str:
    lines = [f"  healthy {s['healthy_s']:6.2f} s, views caught up {s['views_caught_up_s']} s, "
             f"CPU {s['cpu_s']} s ({_each(s['cpu_s_by_process'])}), "
             f"load average {s['load_average']:.1f}" for s in found]
    healthy = [s["healthy_s"] for s in found]
    cpu = [s["cpu_s"] for s in found if s["cpu_s"] is not None]
    lines.append(f"  median: healthy {statistics.median(healthy):.2f} s, "
                 f"CPU {statistics.median(cpu) if cpu else '-'} s")
    return "\n".join(lines)


def _each(cpu: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds}" for name, seconds in cpu.items())


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    found = starts(args.data_dir, args.starts, args.one_process, args.timeout)
    print(summary(found))
    if args.out:
        args.out.write_text(json.dumps({"data_dir": str(args.data_dir),
                                        "one_process": args.one_process, "starts": found},
                                       indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
