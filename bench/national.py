"""National-scale benchmark: years of returns from thousands of providers, then Assure measured
against the ceilings of the parts underneath it, in one run.

    python -m bench.national                          # 150 providers, 2 years: a few minutes
    python -m bench.national --national               # 2,000 providers, 3 years of returns
    python -m bench.national --providers 5000 --years 3 --store postgres

1. Loads the data set through the applications directly (bench/national_data.py): providers,
   contracts of every service type and level, the return calendar run through the years, returns
   (some late, some missed, some poor) and everything risk, escalation and notify make of them.
   Fills the streams with the published events and places the services' durable consumers at
   their ends, as years of use would have left them.
2. Measures the ceilings (bench/national_ceilings.py): raw JetStream publish and consume on a
   throwaway stream, raw event-store append and read on a throwaway file or schema.
3. Starts `assure up` on those stores and NATS, and measures (bench/national_measure.py): returns
   over HTTP flat out and paced, submission -> RiskScored and safety ConcernRaised ->
   notification from the recorded event times, one provider's history, the governance report.
4. Stops it, and rebuilds every read model and replays every aggregate from the stores.

Prints every figure with its ceiling and the ratio, and writes them to bench/results/ as JSON
and Markdown. NATS: ASSURE_BENCH_NATS_URL or nats://127.0.0.1:4222 when it answers, else the
bundled nats-server. PostgreSQL (--store auto): ASSURE_BENCH_POSTGRES_HOST (default 127.0.0.1,
with _PORT 5432, _USER postgres, _PASSWORD, _DBNAME test) when it answers, else SQLite. Each run
works in its own namespace and schemas and removes them at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.errors
import psycopg
from eventsourcing.persistence import PersistenceError, StoredEvent
from psycopg import sql

from bench import national_ceilings as ceilings
from bench import national_measure as measure
from bench.national_data import (
    Loader,
    Shape,
    build_apps,
    consumed,
    consumer_backlog,
    copy_store,
    fill_streams,
    integration_of,
    position_consumers,
)
from bench.national_report import figures, markdown, summary
from bench.spine import ROOT, _stop, _wait_healthy, cpu_seconds, free_port
from shared.messaging.topology import Topology
from shared.nats_server import EmbeddedNats
from shared.settings import AssureSettings

NATIONAL = {"providers": 2000, "years": 3, "returns": 2000, "paced_returns": 300,
            "timeout": 1800.0}


@dataclass
class Servers:
    """The NATS server and the store this run uses."""

    nats_url: str
    nats_version: str
    nats_embedded: EmbeddedNats | None
    store: str  # sqlite or postgres
    postgres: dict[str, Any] | None


# Choosing and cleaning up the servers ---------------------------------------------------------


async def _nats_version(url: str) -> str | None:
    """The server's version if it answers with JetStream, else None."""
    try:
        nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False,
                                max_reconnect_attempts=0)
    except Exception:  # noqa: BLE001 - any failure: not usable
        return None
    try:
        await nc.jetstream().account_info()
        return str(getattr(nc, "_server_info", {}).get("version", "?"))
    except Exception:  # noqa: BLE001
        return None
    finally:
        await nc.close()


def choose_nats(args: argparse.Namespace, workdir: Path) -> tuple[str, str, EmbeddedNats | None]:
    url = args.nats_url or os.environ.get("ASSURE_BENCH_NATS_URL") or "nats://127.0.0.1:4222"
    version = asyncio.run(_nats_version(url))
    if version is not None:
        return url, version, None
    if args.nats_url or os.environ.get("ASSURE_BENCH_NATS_URL"):
        raise RuntimeError(f"NATS at {url} does not answer with JetStream")
    embedded = EmbeddedNats(workdir / "nats").start()
    return embedded.url, asyncio.run(_nats_version(embedded.url)) or "?", embedded


def postgres_settings() -> dict[str, Any]:
    env = os.environ
    return {"host": env.get("ASSURE_BENCH_POSTGRES_HOST", "127.0.0.1"),
            "port": int(env.get("ASSURE_BENCH_POSTGRES_PORT", "5432")),
            "user": env.get("ASSURE_BENCH_POSTGRES_USER", "postgres"),
            "password": env.get("ASSURE_BENCH_POSTGRES_PASSWORD", ""),
            "dbname": env.get("ASSURE_BENCH_POSTGRES_DBNAME", "test")}


def _connect(pg: dict[str, Any]) -> psycopg.Connection:
    return psycopg.connect(**pg, autocommit=True, connect_timeout=3)


def choose_store(args: argparse.Namespace) -> dict[str, Any] | None:
    """PostgreSQL's settings if it is to be used, None for SQLite."""
    if args.store == "sqlite":
        return None
    pg = postgres_settings()
    try:
        _connect(pg).close()
    except psycopg.Error:
        if args.store == "postgres":
            raise RuntimeError(f"PostgreSQL at {pg['host']}:{pg['port']} does not answer") from None
        return None
    return pg


def drop_schemas(pg: dict[str, Any], prefix: str) -> int:
    with _connect(pg) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                            (prefix.replace("_", r"\_") + "%",)).fetchall()
        for (schema,) in rows:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return len(rows)


async def delete_streams(url: str, namespace: str) -> int:
    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=2)
    deleted = 0
    try:
        js = nc.jetstream()
        for stream in await js.streams_info():
            if stream.config.name.startswith((f"{namespace.upper()}_",
                                              f"KV_{namespace.upper()}_")):
                await js.delete_stream(stream.config.name)
                deleted += 1
    finally:
        await nc.close()
    return deleted


@contextlib.contextmanager
def servers(args: argparse.Namespace, workdir: Path, namespace: str) -> Iterator[Servers]:
    """The servers for this run; its streams and schemas are removed afterwards."""
    url, version, embedded = choose_nats(args, workdir)
    pg = choose_store(args)
    try:
        yield Servers(url, version, embedded, "postgres" if pg else "sqlite", pg)
    finally:
        with contextlib.suppress(Exception):
            asyncio.run(delete_streams(url, namespace))
        if pg:
            with contextlib.suppress(psycopg.Error):
                drop_schemas(pg, f"{namespace}_")
        if embedded:
            embedded.stop()


def settings_for(namespace: str, workdir: Path, found: Servers, partitions: int
                 ) -> AssureSettings:
    store: dict[str, Any] = {"postgres_host": None}
    if found.postgres:
        pg = found.postgres
        store = {"postgres_host": pg["host"], "postgres_port": pg["port"],
                 "postgres_user": pg["user"], "postgres_password": pg["password"],
                 "postgres_dbname": pg["dbname"], "postgres_schema_prefix": f"{namespace}_"}
    return AssureSettings(data_dir=workdir / "data", nats_url=found.nats_url,
                          namespace=namespace, partitions=partitions,
                          run_background_jobs=False, **store)


def system_env(settings: AssureSettings, auth: bool) -> dict[str, str]:
    """The environment `assure up` reads its settings from for this run: the bench's own, with
    what the bench decides (stores, NATS, namespace, jobs, sign-in) set explicitly, so any
    other ASSURE_* setting (nation, risk model, audit key ...) is the same as the loader's."""
    env = {k: v for k, v in os.environ.items() if k != "PGOPTIONS"}
    env.update({"ASSURE_DATA_DIR": str(settings.data_dir),
                "ASSURE_POSTGRES_HOST": "",
                "ASSURE_NATS_URL": str(settings.nats_url),
                "ASSURE_NAMESPACE": settings.namespace,
                "ASSURE_PARTITIONS": str(settings.partitions),
                "ASSURE_RUN_BACKGROUND_JOBS": "false",
                "ASSURE_AUTH_REQUIRED": "true" if auth else "false"})
    if settings.uses_postgres:
        env.update({"ASSURE_POSTGRES_HOST": str(settings.postgres_host),
                    "ASSURE_POSTGRES_PORT": str(settings.postgres_port),
                    "ASSURE_POSTGRES_USER": settings.postgres_user,
                    "ASSURE_POSTGRES_PASSWORD": settings.postgres_password,
                    "ASSURE_POSTGRES_DBNAME": settings.postgres_dbname,
                    "ASSURE_POSTGRES_SCHEMA_PREFIX": settings.postgres_schema_prefix})
    return env


@contextlib.contextmanager
def assure_up(settings: AssureSettings, log_path: Path, timeout: float, auth: bool
              ) -> Iterator[tuple[str, int, float]]:
    """`assure up` on a free port over the loaded stores; its URL, pid and start-up seconds."""
    port = free_port()
    command = [sys.executable, "-c", "from assure.cli import main; main()", "up",
               "--port", str(port), "--data-dir", str(settings.data_dir)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=system_env(settings, auth), stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    try:
        _wait_healthy(url, process, log_path, timeout)
        yield url, process.pid, time.perf_counter() - began
    finally:
        _stop(process)


# The phases ---------------------------------------------------------------------------------


def load(run: str, args: argparse.Namespace, settings: AssureSettings, workdir: Path
         ) -> tuple[Loader, dict]:
    """The data set, loaded through the applications on SQLite without fsync (fast), copied
    into PostgreSQL when that is the store, and published to the streams."""
    shape = Shape(args.providers, args.years, args.seed)
    print(f"Loading {args.providers} providers with {args.years} years of returns "
          f"(from {shape.start}) through the applications ...")
    on_sqlite = settings.model_copy(update={"postgres_host": None, "data_dir": workdir / "load"}
                                    ) if settings.uses_postgres else settings
    apps = build_apps(on_sqlite, fast=True)
    try:
        loader = Loader(run, shape, apps, consumed(), settings.partitions)
        stats = loader.load().as_dict()
        print(f"  loaded in {stats['seconds']:.0f} s: {stats['events_total']:,} events")
        if settings.uses_postgres:
            apps = _copied(apps, settings, stats)
        stats.update(asyncio.run(_fill(settings, apps)))
        stats["payload"], stats["stored_return"] = sample_return(apps["intake"])
    finally:
        for app in apps.values():
            app.close()
    return loader, stats


def _copied(loaded: dict[str, Any], settings: AssureSettings, stats: dict[str, Any]
            ) -> dict[str, Any]:
    """The loaded stores copied into PostgreSQL; PostgreSQL's applications."""
    began = time.perf_counter()
    try:
        apps = build_apps(settings, fast=True)
        copied = sum(copy_store(loaded[name], app) for name, app in apps.items())
    finally:
        for app in loaded.values():
            app.close()
    stats["copy_to_postgres_seconds"] = time.perf_counter() - began
    stats["copy_to_postgres_per_second"] = ceilings.rate(copied, stats["copy_to_postgres_seconds"])
    print(f"  copied into PostgreSQL in {stats['copy_to_postgres_seconds']:.1f} s")
    return apps


async def _fill(settings: AssureSettings, apps: dict[str, Any]) -> dict[str, Any]:
    nc = await nats.connect(str(settings.nats_url), max_reconnect_attempts=2)
    try:
        js = nc.jetstream(publish_async_max_pending=2000)
        topology = Topology.from_settings(settings)
        began = time.perf_counter()
        published = await fill_streams(js, topology, apps)
        seconds = time.perf_counter() - began
        consumers = await position_consumers(js, topology, settings)
    finally:
        await nc.close()
    total = sum(published.values())
    print(f"  streams filled in {seconds:.1f} s ({total:,} messages); {consumers} consumers "
          "placed at their ends")
    return {"stream_messages": published, "stream_fill_seconds": seconds,
            "stream_fill_per_second": ceilings.rate(total, seconds), "consumers": consumers}


def sample_return(intake: Any) -> tuple[bytes, StoredEvent]:
    """A real ReturnSubmitted as the relay publishes it, and a return's stored event."""
    position = 0
    while page := intake.recorder.select_notifications(start=position, limit=500,
                                                       inclusive_of_start=False):
        for record in page:
            if record.topic.endswith("MonitoringReturn.Submitted"):
                found = integration_of(intake, intake.mapper.to_domain_event(record))
                assert found is not None
                return found[1].encode(), StoredEvent(
                    originator_id=record.originator_id, originator_version=1,
                    topic=record.topic, state=record.state)
        position = page[-1].id
    raise RuntimeError("the data set holds no return (too few providers or years?)")


def measure_ceilings(args: argparse.Namespace, settings: AssureSettings, namespace: str,
                     loaded: dict[str, Any]) -> dict[str, Any]:
    print("Measuring the ceilings (raw JetStream, raw event store) ...")

    async def jetstream() -> dict[str, Any]:
        nc = await nats.connect(str(settings.nats_url), max_reconnect_attempts=2)
        try:
            return await ceilings.jetstream_ceilings(
                nc, namespace, loaded.pop("payload"), args.ceiling_ops,
                settings.duplicate_window_seconds)
        finally:
            await nc.close()

    found = {"jetstream": asyncio.run(jetstream())}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sqlite = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_LOCK_TIMEOUT": "10",
              "SQLITE_DBNAME": str(settings.data_dir / "ceiling.sqlite")}
    env = sqlite
    if settings.uses_postgres:
        settings.prepare_store("ceiling")
        env = settings.eventstore_env("ceiling")
        sqlite = {**sqlite, "SQLITE_DBNAME": str(settings.data_dir / "loader-ceiling.sqlite")}
    found["store"] = ceilings.store_ceilings(env, sqlite, loaded.pop("stored_return"),
                                             args.ceiling_ops)
    return found


async def measure_running(url: str, pid: int, settings: AssureSettings, loader: Loader,
                          args: argparse.Namespace, run: str) -> dict[str, Any]:
    """Everything measured while `assure up` runs."""
    apps = build_apps(settings, fast=False)  # our own readers of the same stores
    largest, events = loader.largest_history()
    targets = loader.open_level_1()
    period = measure.open_period(loader.shape.today)
    limits = httpx.Limits(max_connections=args.concurrency,
                          max_keepalive_connections=args.concurrency)
    found: dict[str, Any] = {"largest_history": {"provider_id": largest, "events": events}}
    batch = Batch(run, targets, period, args, measure.provider_tokens(settings, not args.no_auth))
    try:
        async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as http, \
                httpx.AsyncClient(base_url=url, timeout=args.timeout,
                                  auth=measure.sign_in()) as reader:
            found["consumers_after_start"] = await _backlog(settings)
            found["first_history"] = await measure.time_get(reader, f"/history/{largest}", 1)
            found["warm_up"] = await batch.run(http, apps, "warm", 4, None, None)
            found["flat_out"] = await batch.run(http, apps, "flat", args.returns, None, pid)
            # Below saturation: half the rate the pipeline sustained flat out, unless given.
            rate = args.rate or max(0.5, round(found["flat_out"]["scored_per_second"] / 2, 1))
            found["paced"] = await batch.run(http, apps, "paced", args.paced_returns, rate, pid)
            found["history"] = await measure.time_get(reader, f"/history/{largest}",
                                                      args.repeat)
            found["governance_http"] = {length: await measure.time_get(
                reader, "/reports/governance", 1, {"period": length, "format": "json"})
                for length in ("year", "half-year")}
    finally:
        for app in apps.values():
            app.close()
    return found


async def _backlog(settings: AssureSettings) -> dict[str, int]:
    nc = await nats.connect(str(settings.nats_url), max_reconnect_attempts=2)
    try:
        return await consumer_backlog(nc.jetstream(), Topology.from_settings(settings), settings)
    finally:
        await nc.close()


@dataclass
class Batch:
    """Submits measured returns and waits until the stores show everything that follows."""

    run_id: str
    targets: list[Any]
    period: tuple[date, date]
    args: argparse.Namespace
    signed: Any

    async def run(self, http: httpx.AsyncClient, apps: dict[str, Any], label: str, count: int,
                  per_second: float | None, pid: int | None) -> dict[str, Any]:
        args = self.args
        sends = measure.plan(label, count, self.targets, args.seed)
        seen = measure.Observer(apps).start_here()
        cpu, system = time.process_time(), _cpu(pid)
        seconds = await measure.submit_all(http, self.run_id, label, sends, args.concurrency,
                                           per_second, self.period, self.signed)
        cpu, system_after = time.process_time() - cpu, _cpu(pid)
        pending = await seen.wait(sends, args.timeout)
        found = measure.latencies(sends, seen, seconds)
        found.update(rate=per_second, concurrency=args.concurrency, pending=pending,
                     client_cores=cpu / seconds if seconds else None,
                     system_cores=(system_after - system) / seconds
                     if system is not None and system_after is not None and seconds else None)
        paced = f"paced at {per_second:g}/s" if per_second else "flat out"
        print(f"  {label}: {found['accepted']}/{count} returns {paced} in {seconds:.1f} s "
              f"({found['http_per_second']:.1f}/s over HTTP), {pending} still outstanding"
              + (f"; first refusal: {found['first_error']}" if found["first_error"] else ""))
        return found


def _cpu(pid: int | None) -> float | None:
    """CPU seconds of `assure up` and its children; /proc can change while it is read."""
    for _ in range(3):
        found = cpu_seconds(pid)
        if found is not None or pid is None:
            return found
    return None


def measure_stopped(settings: AssureSettings, provider_id: str) -> dict[str, Any]:
    print("Rebuilding every read model and replaying every aggregate from the stores ...")
    apps = build_apps(settings, fast=False)
    try:
        found = {"rebuild_indexes": measure.rebuild_indexes(apps)}
        found["replay_all"] = measure.replay_everything(apps)
        found["replay_provider"] = measure.replay_provider(apps, provider_id)
        found["governance_direct"] = measure.governance_direct(apps)
    finally:
        for app in apps.values():
            app.close()
    return found


# Main -------------------------------------------------------------------------------------


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.national",
                                     description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--national", action="store_true", help="the national setting: "
        + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in NATIONAL.items()))
    add("--providers", type=int, default=150, help="providers in the data set (150)")
    add("--years", type=int, default=2,
        help="financial years of returns before the current one (2)")
    add("--returns", type=int, default=200, help="returns submitted flat out over HTTP (200)")
    add("--paced-returns", type=int, default=100, help="returns submitted paced (100)")
    add("--rate", type=float, help="pace of the paced returns per second (default: half the "
        "rate returns were scored end to end flat out, so below saturation)")
    add("--concurrency", type=int, default=16, help="HTTP requests in flight (16)")
    add("--store", choices=("auto", "sqlite", "postgres"), default="auto",
        help="event stores: PostgreSQL when it answers (auto), or as named")
    add("--nats-url", help="NATS server (default ASSURE_BENCH_NATS_URL, else 127.0.0.1:4222, "
        "else the bundled nats-server)")
    add("--partitions", type=int, default=4, help="partitions per stream (4)")
    add("--ceiling-ops", type=int, default=2000, help="operations per ceiling measurement")
    add("--repeat", type=int, default=5, help="times each history read is repeated (5)")
    add("--seed", type=int, default=1)
    add("--timeout", type=float, default=600.0, help="limit in seconds for each wait (600)")
    add("--out", type=Path, default=ROOT / "bench" / "results", help="where results go")
    add("--no-auth", action="store_true",
        help="run assure up with sign-in off (ASSURE_AUTH_REQUIRED=false)")
    add("--keep", action="store_true", help="keep the data directory and assure.log")
    args = parser.parse_args(argv)
    if args.national:
        for key, value in NATIONAL.items():
            if getattr(args, key) == parser.get_default(key):
                setattr(args, key, value)
    if min(args.providers, args.returns, args.paced_returns, args.concurrency) < 1:
        parser.error("--providers, --returns, --paced-returns and --concurrency must be >= 1")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be positive")
    return args


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    namespace = f"nat{run}"
    results: dict[str, Any] = {"command": " ".join(["python -m bench.national", *sys.argv[1:]])
                               if __name__ == "__main__" else "bench.national.main",
                               "started": datetime.now(UTC).isoformat(timespec="seconds"),
                               "machine": machine()}
    began = time.perf_counter()
    with servers(args, workdir, namespace) as found:
        results["servers"] = {"nats": found.nats_url, "nats_version": found.nats_version,
                              "nats_embedded": found.nats_embedded is not None,
                              "store": found.store, "namespace": namespace,
                              "sign_in": not args.no_auth}
        print(f"NATS {found.nats_version} at {found.nats_url}; {found.store} stores; "
              f"namespace {namespace}")
        settings = settings_for(namespace, workdir, found, args.partitions)
        loader, results["load"] = load(run, args, settings, workdir)
        results["ceilings"] = measure_ceilings(args, settings, namespace, results["load"])
        print("Starting assure up on the loaded stores ...")
        with assure_up(settings, workdir / "assure.log", args.timeout, not args.no_auth) as (
                url, pid, started):
            results["start_seconds"] = started
            results["running"] = asyncio.run(
                measure_running(url, pid, settings, loader, args, run))
        results["stopped"] = measure_stopped(settings, loader.largest_history()[0])
    results["sizes"] = {"providers": args.providers, "years": args.years,
                        "from": str(loader.shape.start), "to": str(loader.shape.today),
                        "returns_flat_out": args.returns, "returns_paced": args.paced_returns,
                        "paced_rate": results["running"]["paced"]["rate"],
                        "concurrency": args.concurrency,
                        "partitions": args.partitions}
    results["wall_seconds"] = time.perf_counter() - began
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["figures"] = figures(results)
    return results


def machine() -> dict[str, Any]:
    load_average = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(), "load_average_at_start": load_average}


def write(results: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    sizes = results["sizes"]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    stem = (f"national-{results['servers']['store']}-{sizes['providers']}p-{sizes['years']}y-"
            f"{stamp}")
    as_json, as_markdown = out / f"{stem}.json", out / f"{stem}.md"
    as_json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    as_markdown.write_text(markdown(results))
    return as_json, as_markdown


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    workdir = Path(tempfile.mkdtemp(prefix="assure-national-"))
    try:
        results = bench(args, workdir)
    except (RuntimeError, TimeoutError, httpx.HTTPError, OSError, nats.errors.Error,
            psycopg.Error, PersistenceError) as error:
        print(f"bench.national: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"data and assure.log kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(summary(results))
    as_json, as_markdown = write(results, args.out)
    print(f"\nresults: {as_json}\n         {as_markdown}")
    running = results["running"]
    incomplete = any(running[k]["pending"] or running[k]["failed"] for k in ("flat_out", "paced"))
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
