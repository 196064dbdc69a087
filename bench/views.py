"""Read models at national size: `assure up`, the officers' pages, a day's tick and every view
rebuilt, on a national store, each beside the raw reads of the same database, in one run.

    python -m bench.views --providers 2000 --years 3                  # SQLite
    python -m bench.views --providers 2000 --years 3 --store postgres
    python -m bench.views --providers 30000 --years 3 --keep          # issue 15's size, kept

1. The store (bench/views_data.py): providers with one to three contracts of every service type
   and level, years of returns on the calendar (some late, some missed), risk's scores and
   concerns, escalation's interventions and decisions, notify's notifications, e-mails and
   reads: made through the services' own commands and policies, a batch of providers at a
   time, and stored through their event stores. Kept under --data-dir by size and seed with
   --keep, and used again by later runs instead of being made again.
2. With the system stopped: every view of every service rebuilt from the whole store, and the
   raw reads underneath (the notification log read whole; a page of stored events and of the
   largest view table).
3. `assure up --training` on it, with the views as the rebuild left them: seconds until it is
   healthy and until every view has read the whole store. Signed in as a commissioning officer
   (the system's development issuer), each page's requests (bench/views_measure.py `PAGES`), and
   a plain signed-in request (the HTTP floor); then a day's tick as an administrator. Each run
   moves a kept store's clock on one day (and keeps what that day's tick made).
4. `assure up` again with every view emptied first: healthy, and every view caught up.

Prints the figures beside issue 15's targets and their ceilings; --out writes them as JSON.
PostgreSQL: ASSURE_BENCH_POSTGRES_HOST (default 127.0.0.1, with _PORT, _USER, _PASSWORD,
_DBNAME as bench.national reads them), in schemas of the data set's own, dropped at the end
unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import views_measure as measure
from bench.national import drop_schemas, postgres_settings
from bench.national_data import Shape, build_apps
from bench.spine import ROOT, SignIn
from bench.views_data import TODAY, VERSION, make, mark, marker, settings_for

# Issue 15's targets.
PAGE_P99_MS, READY_S, TICK_S, REBUILD_PER_S = 200, 10, 2, 20_000


def data_set_arguments(parser: argparse.ArgumentParser) -> None:
    """The data set's options, which bench.console_paint shares (a data set kept by one bench
    is used again by the other)."""
    add = parser.add_argument
    add("--providers", type=int, default=2000, help="providers in the store (2000)")
    add("--years", type=int, default=3, help="financial years of history before this one (3)")
    add("--store", choices=("sqlite", "postgres"), default="sqlite")
    add("--seed", type=int, default=1)
    add("--data-dir", type=Path, default=Path.home() / ".cache" / "assure-bench",
        help="where data sets are kept, one directory per store, size and seed")
    add("--keep", action="store_true",
        help="keep the data set this run makes (one made before is kept unless --discard)")
    add("--discard", action="store_true",
        help="remove the data set at the end, whoever made it")
    add("--batch", type=int, default=100, help="providers made at a time (100)")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.views", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    data_set_arguments(parser)
    add = parser.add_argument
    add("--requests", type=int, default=50, help="times each page is asked for (50)")
    add("--page-budget", type=float, default=120.0,
        help="seconds a page may take in all; a slower one is asked for fewer times (120)")
    add("--paging", default="limit=50&offset=0",
        help="query added to every page's requests (routes that do not page ignore it)")
    add("--timeout", type=float, default=600.0,
        help="limit for starting, for the views to catch up and for each request (600 s)")
    add("--no-cold-start", action="store_true",
        help="skip starting again with every view emptied")
    return parsed(parser, argv)


def parsed(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The arguments, with --out and --quiet, the data set's checked (and --requests)."""
    add = parser.add_argument
    add("--out", type=Path, help="write the figures here as JSON")
    add("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if min(args.providers, args.years, args.batch, args.requests) < 1:
        parser.error("--providers, --years, --batch and --requests must be at least 1")
    if args.keep and args.discard:
        parser.error("--keep and --discard contradict each other")
    return args


class Run:
    """One run: where its data set lives, and whether this run made it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.say = (lambda _: None) if args.quiet else print
        self.shape = Shape(args.providers, args.years, args.seed, today=TODAY)
        size = f"{args.providers}p-{args.years}y-s{args.seed}-g{VERSION}"
        self.where = args.data_dir / f"views-{args.store}-{size}"
        self.postgres = postgres_settings() if args.store == "postgres" else None
        self.prefix = f"benchviews_{size.replace('-', '_')}_"
        self.settings = settings_for(self.where, self.postgres, self.prefix, self.shape)
        self.made_here = False

    def data_set(self) -> dict[str, Any]:
        found = marker(self.where)
        if found and found["version"] == VERSION and self._stores_there():
            self.say(f"Using the data set in {self.where}")
            return {"path": str(self.where), "made_in_this_run": False, **found}
        self.remove()
        self.made_here = True
        self.say(f"Making {self.shape.providers:,} providers x {self.shape.years} years "
                 f"(from {self.shape.start} to {self.shape.today}) in {self.where} ...")
        made = make(self.settings, self.shape, self.args.batch, self.say)
        mark(self.where, self.shape, made, self.args.store)
        self.say(f"  made {sum(made.events.values()):,} events in {made.seconds:.0f} s "
                 f"({made.as_dict()['events_per_second']:,} events/s, "
                 f"{made.as_dict()['events_per_cpu_second']:,} per CPU second): "
                 + ", ".join(f"{n} {c:,}" for n, c in made.events.items()))
        return {"path": str(self.where), "made_in_this_run": True, **(marker(self.where) or {})}

    def _stores_there(self) -> bool:
        if self.postgres is None:
            return (self.where / "intake.sqlite").exists()
        with psycopg.connect(**self.postgres, autocommit=True) as conn:
            return bool(conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                                     (f"{self.prefix}intake",)).fetchone())

    def remove(self) -> None:
        shutil.rmtree(self.where, ignore_errors=True)
        if self.postgres is not None:
            drop_schemas(self.postgres, self.prefix)

    def finish(self) -> None:
        if self.args.discard or (self.made_here and not self.args.keep):
            self.remove()
        elif self.made_here:
            self.say(f"Data set kept in {self.where}")


def measure_all(run: Run) -> dict[str, Any]:
    args, say = run.args, run.say
    results: dict[str, Any] = {"data_set": run.data_set()}
    apps = build_apps(run.settings, fast=False)
    try:
        say("Rebuilding every view with the system stopped, and the raw reads ...")
        results["rebuild"] = measure.rebuild(apps)
        results["ceilings"] = {name: {"read_log": measure.read_log(app),
                                      **measure.page_reads(app, args.requests)}
                               for name, app in apps.items()}
        log = run.where / "assure.log"
        say("Starting assure up (views caught up) ...")
        with measure.assure_up(run.settings, apps, log, args.timeout) as (url, started):
            results["start"] = started
            sign_in = SignIn(run.where / "auth" / "dev-issuer.pem")
            say("Asking for the pages ...")
            paging = dict(item.split("=", 1) for item in args.paging.split("&") if item)
            results["pages"] = asyncio.run(measure.pages(
                url, sign_in, args.requests, args.page_budget, args.timeout, paging))
            say("A day's tick ...")
            results["tick"] = asyncio.run(measure.tick(url, sign_in, args.timeout))
        if not args.no_cold_start:
            say("Starting assure up again with every view emptied ...")
            measure.clear_views(apps)
            with measure.assure_up(run.settings, apps, log, args.timeout) as (_, started):
                results["cold_start"] = started
    finally:
        for app in apps.values():
            app.close()
    return results


def figures(results: dict[str, Any], store: str) -> list[dict[str, Any]]:
    """Each figure beside its target and the raw read under it."""
    ceilings = results["ceilings"]
    floor = results["pages"]["http floor (GET /intake/clock)"]["ms"].get("p99")
    raw_page = max(c["store_page_ms"].get("p99", 0) for c in ceilings.values())
    found = []
    for page in measure.PAGES:
        p99 = results["pages"][page]["ms"].get("p99")
        found.append(_figure(f"{page}: p99", p99, "ms", f"< {PAGE_P99_MS}",
                             p99 is not None and p99 < PAGE_P99_MS,
                             {"over the HTTP floor's p99": _ratio(p99, floor),
                              "over a raw page of stored events, p99": _ratio(p99, raw_page)}))
    for label, key in (("start", "warm"), ("cold_start", "views emptied")):
        if label in results:
            started = results[label]
            found.append(_figure(f"assure up ({key}): healthy", started["healthy_s"], "s",
                                 f"< {READY_S}", started["healthy_s"] < READY_S, {}))
            caught_up = started["views_caught_up_s"]
            found.append(_figure(f"assure up ({key}): views caught up", caught_up, "s",
                                 f"< {READY_S}", caught_up is not None and caught_up < READY_S,
                                 {}))
            found.append(_figure(f"assure up ({key}): CPU by then", started["cpu_s"], "s", "-",
                                 None, {}))
    tick = results["tick"]["seconds"]
    found.append(_figure("a day's tick", tick, "s", f"< {TICK_S}", tick < TICK_S, {}))
    rebuilt = results["rebuild"]["per_second"]
    read = sum(c["read_log"]["events"] for c in ceilings.values())
    read_s = sum(c["read_log"]["seconds"] for c in ceilings.values())
    found.append(_figure("rebuilding every view", rebuilt, "events/s",
                         f">= {REBUILD_PER_S:,}" + (" (SQLite)" if store == "postgres" else ""),
                         rebuilt >= REBUILD_PER_S if store == "sqlite" else None,
                         {"of the raw notification-log read": _ratio(rebuilt, read / read_s
                                                                     if read_s else None)}))
    return found


def _figure(name: str, value: float | None, unit: str, target: str, met: bool | None,
            ratios: dict[str, float | None]) -> dict[str, Any]:
    return {"figure": name, "value": value, "unit": unit, "target": target, "met": met,
            "ratios": ratios}


def _ratio(value: float | None, ceiling: float | None) -> float | None:
    return round(value / ceiling, 2) if value is not None and ceiling else None


def summary(found: list[dict[str, Any]]) -> str:
    lines = []
    for f in found:
        value = "-" if f["value"] is None else f"{f['value']:,}"
        ratios = "; ".join(f"{v}x {k}" for k, v in f["ratios"].items() if v is not None)
        lines.append(f"  {f['figure']:<40} {value:>12} {f['unit']:<9} target {f['target']:<9} "
                     f"{_verdict(f['met']):<8} {ratios}")
    return "\n".join(lines)


def _verdict(met: bool | None) -> str:
    return "-" if met is None else "met" if met else "NOT met"


def machine() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                           text=True, check=False).stdout.strip()
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "commit": commit + ("+changes" if dirty else ""),
            "load_average_at_start": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    run = Run(args)
    results: dict[str, Any] = {
        "command": " ".join(["python -m bench.views", *(argv or sys.argv[1:])]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
        "store": args.store, "providers": args.providers, "years": args.years,
        "seed": args.seed}
    try:
        results.update(measure_all(run))
    finally:
        run.finish()
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["figures"] = figures(results, args.store)
    text = json.dumps(results, indent=2, default=str)
    if args.out:
        args.out.write_text(text + "\n")
    run.say(text if not args.out else f"Figures written to {args.out}")
    run.say(summary(results["figures"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
