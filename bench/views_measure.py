"""What bench.views times: `assure up` on the national store, the pages officers open, a day's
tick, every read model rebuilt; and the raw reads of the same database underneath them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.national_ceilings import quantiles, rate
from bench.spine import ROOT, SignIn, _stop, _wait_healthy, cpu_seconds, free_port
from shared.security.identity import Identity, Role
from shared.settings import AssureSettings

OFFICER = Identity("bench.views officer", Role.COMMISSIONING_OFFICER)
ADMINISTRATOR = Identity("bench.views administrator", Role.ADMINISTRATOR)
# The pages timed: what the console asks the API for to show each (assure/console: workspace's
# `dashboard` and `return_log`, inbox's `notifications` for an officer, whose role reads the
# contract managers' inbox), asked for together as the console does. `PAGING` is added to every
# request: a route that pages reads it, one that does not yet ignores it and answers every row
# (the results give each route's rows and bytes, so it shows which).
PAGES: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {
    "dashboard": (("/intake/providers", {}), ("/risk/providers", {}),
                  ("/intake/return-log", {"status": "overdue"}), ("/escalation/interventions", {}),
                  ("/intake/clock", {})),
    "return log": (("/intake/return-log", {}),),
    "inbox": (("/notify/inbox/contract-manager", {"reader": OFFICER.user}),),
}
PAGING = {"limit": "50", "offset": "0"}


# Raw reads of the same database -----------------------------------------------------------------


def read_log(app: Any) -> dict[str, Any]:
    """The ceiling under a rebuild: the whole notification log read in pages of 1,000 through
    the recorder, nothing decoded."""
    recorder, position, count = app.recorder, 0, 0
    began = time.perf_counter()
    while page := recorder.select_notifications(start=position, limit=1000,
                                                inclusive_of_start=False):
        count += len(page)
        position = page[-1].id
    seconds = time.perf_counter() - began
    return {"events": count, "seconds": round(seconds, 3),
            "per_second": round(rate(count, seconds))}


def page_reads(app: Any, samples: int, size: int = 50) -> dict[str, Any]:
    """The ceiling under a page: `size` stored events read by the notification log's index from
    a random place (the store), and the first `size` rows of the largest table of the service's
    views, each `samples` times; milliseconds."""
    last = app.recorder.max_notification_id() or 0
    rng = random.Random(1)
    store = []
    for _ in range(samples):
        start = rng.randint(1, max(1, last - size))
        began = time.perf_counter()
        app.recorder.select_notifications(start=start, limit=size)
        store.append((time.perf_counter() - began) * 1000)
    view, table, rows = _largest_table(app)
    found: dict[str, Any] = {"store_page_ms": _rounded(quantiles(store))}
    if view is not None:
        timings = []
        for _ in range(samples):
            began = time.perf_counter()
            view.select(f"SELECT * FROM {{{table}}} LIMIT {size}")
            timings.append((time.perf_counter() - began) * 1000)
        found.update(view_page_ms=_rounded(quantiles(timings)),
                     view_table=f"{table} ({rows:,} rows)")
    return found


def _largest_table(app: Any) -> tuple[Any, str, int]:
    best: tuple[Any, str, int] = (None, "", -1)
    for follower in app.views.followers.values():
        for table, rows in follower.view.row_counts().items():
            if rows > best[2]:
                best = (follower.view, table, rows)
    return best


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in values.items()}


# Read models ------------------------------------------------------------------------------------


def rebuild(apps: dict[str, Any]) -> dict[str, Any]:
    """Every view of every service emptied and built again from the whole store
    (`Follower.rebuild`, what a view's new version does), one after another; events/s is the
    store's events over the seconds each took."""
    views, events, seconds = {}, 0, 0.0
    for name, app in apps.items():
        stored = app.recorder.max_notification_id() or 0
        for follower in app.views.followers.values():
            began = time.perf_counter()
            follower.rebuild()
            took = time.perf_counter() - began
            views[f"{name}/{type(follower.projection).name}"] = {
                "events": stored, "seconds": round(took, 2),
                "per_second": round(rate(stored, took)), "rows": follower.view.row_counts()}
            events, seconds = events + stored, seconds + took
    return {"views": views, "events": events, "seconds": round(seconds, 2),
            "per_second": round(rate(events, seconds))}


def behind(apps: dict[str, Any]) -> int:
    """Stored events the views of every service have yet to read."""
    return sum(f.behind() for app in apps.values() for f in app.views.followers.values())


def clear_views(apps: dict[str, Any]) -> None:
    for app in apps.values():
        for follower in app.views.followers.values():
            follower.view.clear()


# The running system ---------------------------------------------------------------------------


def system_env(settings: AssureSettings) -> dict[str, str]:
    """`assure up`'s environment: the bench's own, with the stores, sign-in on, the embedded
    nats-server in the data directory, and no background jobs (nothing but the bench's
    requests runs while it measures)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PGOPTIONS", "ASSURE_NATS_URL")}
    env.update({"ASSURE_DATA_DIR": str(settings.data_dir), "ASSURE_POSTGRES_HOST": "",
                "ASSURE_RUN_BACKGROUND_JOBS": "false", "ASSURE_AUTH_REQUIRED": "true"})
    if settings.uses_postgres:
        env.update({"ASSURE_POSTGRES_HOST": str(settings.postgres_host),
                    "ASSURE_POSTGRES_PORT": str(settings.postgres_port),
                    "ASSURE_POSTGRES_USER": settings.postgres_user,
                    "ASSURE_POSTGRES_PASSWORD": settings.postgres_password,
                    "ASSURE_POSTGRES_DBNAME": settings.postgres_dbname,
                    "ASSURE_POSTGRES_SCHEMA_PREFIX": settings.postgres_schema_prefix})
    return env


@contextlib.contextmanager
def assure_up(settings: AssureSettings, apps: dict[str, Any], log: Path, timeout: float,
              one_process: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """`assure up --training` on the store, its URL and how it started: seconds until
    `GET /health` answers, until every view has read the whole store, and how far behind the
    views were when it answered; the CPU seconds its processes (this side, the service
    processes, nats-server) had used by then, and the load average it started at (on a shared
    machine the seconds follow the load, the CPU much less)."""
    port = free_port()
    command = [sys.executable, "-c", "from assure.cli import main; main()", "up", "--training",
               "--port", str(port), "--data-dir", str(settings.data_dir),
               *(["--one-process"] if one_process else [])]
    load = os.getloadavg()[0]
    with log.open("ab") as out:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=system_env(settings), stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log, timeout)
        healthy = time.perf_counter() - began
        behind_then = behind(apps)
        deadline = time.monotonic() + timeout
        while behind(apps) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = behind(apps)
        cpu = cpu_seconds(process.pid)
        started = {"healthy_s": round(healthy, 2), "views_behind_when_healthy": behind_then,
                   "views_caught_up_s": None if left else round(time.perf_counter() - began, 2),
                   "views_behind_at_timeout": left or None,
                   "cpu_s": None if cpu is None else round(cpu, 2),
                   "cpu_s_by_process": cpu_by_process(process.pid), "load_average": load}
        yield url, started
    finally:
        _stop(process)


def cpu_by_process(pid: int) -> dict[str, float]:
    """CPU seconds of `assure up` ("up") and of each of its children, named by what it runs
    (a service's worker by its service, "nats-server"), from /proc; what cannot be read is left
    out."""
    found = {"up": _cpu_of(pid)}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in map(int, (task / "children").read_text().split()):
                with contextlib.suppress(OSError):
                    words = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                    name = (words[-2] if b"assure.worker" in words else words[0]).decode()
                    found[Path(name).name] = _cpu_of(child)
    return {name: round(seconds, 2) for name, seconds in found.items()}


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


# Requests --------------------------------------------------------------------------------------


async def pages(url: str, sign_in: SignIn, samples: int, budget: float, timeout: float,
                paging: dict[str, str]) -> dict[str, Any]:
    """Each page's requests together, `samples` times one page after another (fewer when a page
    has used up `budget` seconds); the page's time is its slowest request's."""
    found = {}
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as http:
        headers = await sign_in.headers(http, OFFICER)
        found["http floor (GET /intake/clock)"] = await _timed_page(
            http, headers, (("/intake/clock", {}),), samples, budget, {})
        for name, requests in PAGES.items():
            found[name] = await _timed_page(http, headers, requests, samples, budget, paging)
    return found


async def _timed_page(http: httpx.AsyncClient, headers: dict[str, str],
                      requests: tuple[tuple[str, dict[str, str]], ...], samples: int,
                      budget: float, paging: dict[str, str]) -> dict[str, Any]:
    times: list[float] = []
    routes: dict[str, list[float]] = {path: [] for path, _ in requests}
    sizes: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    while len(times) < samples and (not times or time.perf_counter() - began < budget):
        start = time.perf_counter()
        answers = await asyncio.gather(*(
            _get(http, path, {**paging, **params}, headers) for path, params in requests))
        times.append((time.perf_counter() - start) * 1000)
        for (path, _), (ms, size) in zip(requests, answers, strict=True):
            routes[path].append(ms)
            sizes[path] = size
    return {"samples": len(times), "ms": _rounded(quantiles(times)),
            "routes": {path: {"median_ms": round(statistics.median(ms), 1), **sizes[path]}
                       for path, ms in routes.items()}}


async def _get(http: httpx.AsyncClient, path: str, params: dict[str, str],
               headers: dict[str, str]) -> tuple[float, dict[str, Any]]:
    began = time.perf_counter()
    try:
        answer = await http.get(path, params=params, headers=headers)
    except httpx.TimeoutException:  # counted at the limit; the page's budget then stops it
        return (time.perf_counter() - began) * 1000, {"status": "timed out"}
    ms = (time.perf_counter() - began) * 1000
    answer.raise_for_status()
    body = answer.json()
    rows = len(body) if isinstance(body, list) else len(body.get("items", [])) if isinstance(
        body, dict) and isinstance(body.get("items"), list) else None
    return ms, {"status": answer.status_code, "bytes": len(answer.content), "rows": rows}


async def tick(url: str, sign_in: SignIn, timeout: float) -> dict[str, Any]:
    """One day's tick, as an administrator moves the training clock: the next day."""
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as http:
        headers = await sign_in.headers(http, ADMINISTRATOR)
        clock = await http.get("/intake/clock", headers=headers)
        clock.raise_for_status()
        to = date.fromisoformat(clock.json()["today"]) + timedelta(days=1)
        began = time.perf_counter()
        answer = await http.post("/intake/clock/tick", json={"to": to.isoformat()},
                                 headers=headers)
        seconds = time.perf_counter() - began
        answer.raise_for_status()
    return {"to": to.isoformat(), "seconds": round(seconds, 3), **answer.json()}
