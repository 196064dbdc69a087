"""Fault bench (issue 16): returns at a rate through a NATS cluster while nodes and instances die.

    python -m bench.faults --returns 10000 --rate 50 --kills 3

Starts the fault suite's system (tests/cluster/): three nats-server processes as a JetStream
cluster with replicated streams, PostgreSQL (a fresh schema prefix), two `assure up` processes
sharing one data directory, with sign-in on. Registers the providers as a commissioning officer,
then each provider's registered manager submits its returns at an open-loop rate (return i due
at i/R s; a provider's next return waits for its previous one, so each provider's order is
defined). Meanwhile, --kills times: SIGKILL the node leading the INTAKE stream, SIGKILL the
`assure up` holding the relay leases, restart that instance, restart the node and let it catch
up. Then waits for the system to settle, reads every history, inbox, stream and `GET /verify`,
prints the figures and checks them as the fault suite does. Every wait is bounded; every child
process is killed however it ends; the schemas and the data directory are removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import psycopg
from psycopg import sql

from bench.spine import SignIn
from shared.messaging.topology import Topology
from tests.cluster.checks import (
    Findings,
    Plan,
    Timeline,
    Workload,
    caught_up,
    check,
    collect,
    figures,
    instance_env,
    intake_leader,
    lease_holders,
    leases_held_by,
    logs,
    new_leader,
    progress,
    settled,
    start_serving,
    started,
)
from tests.cluster.harness import AssureInstance, NatsCluster, NatsNode, until

REPLICAS = 3
PARTITIONS = 2
# Starts of an instance that exits while starting, as a supervisor (Kubernetes, systemd) would
# retry it: on a shared machine PostgreSQL can be out of connections ("too many clients").
ATTEMPTS = 5
START_TIMEOUT = 180.0  # seconds for an instance to serve (about 20 s at a load average of 10)


@dataclass
class Kill:
    """One SIGKILL and what followed it, in seconds from the start of the run."""

    what: str  # "nats" or "assure up"
    name: str
    at: float
    returns_done: int
    during_load: bool
    taken_over: float | None = None  # a new INTAKE leader, or every relay lease elsewhere
    serving: float | None = None  # restarted and serving again
    current: float | None = None  # nats: every replica on it caught up


@dataclass
class Load:
    """When each return was due, started and confirmed (perf_counter seconds)."""

    t0: float = 0.0
    lags: list[float] = field(default_factory=list)  # started - due
    http: list[float] = field(default_factory=list)  # POST until confirmed, retries included
    last_confirmed: float = 0.0
    submitted: int = 0
    finished: bool = False


async def open_loop(workload: Workload, rate: float, load: Load) -> None:
    """Return i (round i // P of provider i % P) due at i / rate; one provider's returns one
    after the other, all providers at once (up to P requests in flight)."""
    plan = workload.plan
    limits = httpx.Limits(max_connections=len(plan.providers),
                          max_keepalive_connections=len(plan.providers))
    clients = [httpx.AsyncClient(base_url=i.url, timeout=30, limits=limits)
               for i in workload.instances]
    load.t0 = time.perf_counter()

    async def provider(i: int, provider_id: str) -> None:
        for n in range(plan.rounds):
            due = load.t0 + (n * len(plan.providers) + i) / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            began = time.perf_counter()
            load.lags.append(began - due)
            load.submitted += 1
            return_id = await workload.submit(clients, provider_id, n, first=(i + n) % 2)
            workload.confirmed[provider_id].append(return_id)
            load.last_confirmed = time.perf_counter()
            load.http.append(load.last_confirmed - began)

    try:
        await asyncio.gather(*(provider(i, p) for i, p in enumerate(plan.providers)))
    finally:
        load.finished = True
        for client in clients:
            await client.aclose()
    workload.timeline.note(f"load: {workload.done} returns confirmed, "
                           f"{workload.retries} retries")


@dataclass
class Faults:
    cluster: NatsCluster
    workload: Workload
    js: Any
    topology: Topology
    load: Load
    kills: list[Kill] = field(default_factory=list)

    async def run(self, cycles: int) -> None:
        """Each cycle within its share of the load: a node, then the relaying instance."""
        for j in range(cycles):
            await progress(self.workload, (j + 0.2) / cycles)
            victim = await self.kill_leader()
            await progress(self.workload, (j + 0.45) / cycles)
            await self.kill_relaying_instance(victim)
            await progress(self.workload, (j + 0.7) / cycles)
            await self.restart(victim)

    def _kill(self, what: str, name: str) -> Kill:
        timeline = self.workload.timeline
        kill = Kill(what, name, timeline.now(), self.workload.done, not self.load.finished)
        self.kills.append(kill)
        timeline.note(f"SIGKILL {what} {name} at {kill.returns_done} returns")
        return kill

    async def kill_leader(self) -> NatsNode:
        leader = await until(lambda: intake_leader(self.js, self.topology), 60,
                             "an INTAKE stream leader")
        victim = self.cluster.node(leader)
        victim.kill()
        kill = self._kill("nats", victim.name)
        leader = await until(lambda: new_leader(self.js, self.topology, victim), 60,
                             "a new INTAKE leader")
        kill.taken_over = self.workload.timeline.now()
        self.workload.timeline.note(f"INTAKE stream led by {leader} now")
        return victim

    async def kill_relaying_instance(self, victim: NatsNode) -> None:
        """SIGKILL the instance holding most relay leases; the other takes them all over; the
        killed one starts again, connected to a node still up."""
        holders = list((await lease_holders(self.js, self.topology)).values())
        dead = max(self.workload.instances, key=lambda i: holders.count(i.name))
        other = next(i for i in self.workload.instances if i is not dead)
        dead.kill()
        kill = self._kill("assure up", dead.name)
        await until(lambda: leases_held_by(self.js, self.topology, other.name), 60,
                    f"{other.name} to take over every relay lease")
        kill.taken_over = self.workload.timeline.now()
        await start_serving(dead, self.cluster.live(but=victim).url, self.workload.timeline,
                            ATTEMPTS, START_TIMEOUT)
        kill.serving = self.workload.timeline.now()
        self.workload.timeline.note(f"assure up {dead.name} serving again at "
                                    f"{self.workload.done} returns")

    async def restart(self, victim: NatsNode) -> None:
        kill = next(k for k in reversed(self.kills) if k.name == victim.name)
        await self.cluster.restart(victim)
        kill.serving = self.workload.timeline.now()
        self.workload.timeline.note(f"nats {victim.name} restarted and serving at "
                                    f"{self.workload.done} returns")
        # The next cycle kills a node: two replicas of three must be current by then.
        if await caught_up(self.cluster, victim, self.workload.timeline, 120):
            kill.current = self.workload.timeline.now()


@dataclass
class Outcome:
    plan: Plan
    rate: float
    load: Load
    workload: Workload
    kills: list[Kill]
    findings: Findings
    timeline: Timeline
    settle_seconds: float
    loads: list[float]  # one-minute load averages sampled through the run


async def sample_load(loads: list[float], every: float = 5.0) -> None:
    while True:
        loads.append(os.getloadavg()[0])
        await asyncio.sleep(every)


async def scenario(args: argparse.Namespace, root: Path, pg: SimpleNamespace,
                   prefix: str) -> Outcome:
    namespace = f"f{uuid.uuid4().hex[:8]}"
    env = instance_env(namespace, pg, prefix, PARTITIONS, REPLICAS, sign_in=True,
                       pool=(args.pool_size, args.max_overflow))
    cluster = NatsCluster(root / "nats")
    instances = [AssureInstance(name, root, env, shared_data=root / "data")
                 for name in ("a", "b")]
    plan = Plan([f"faults{i:03d}" for i in range(args.providers)],
                args.returns // args.providers)
    timeline, loads = Timeline(), []
    sampler = asyncio.create_task(sample_load(loads))
    try:
        async with asyncio.timeout(args.timeout):
            return await _run(args, cluster, instances, plan, Topology(PARTITIONS, namespace),
                              timeline, loads)
    except BaseException:
        print("\n".join(timeline.events + logs(cluster, instances)), file=sys.stderr)
        raise
    finally:
        sampler.cancel()
        for instance in instances:
            instance.kill()
        cluster.stop()


async def _run(args: argparse.Namespace, cluster: NatsCluster, instances: list[AssureInstance],
               plan: Plan, topology: Topology, timeline: Timeline, loads: list[float]) -> Outcome:
    async with started(cluster, instances, topology, REPLICAS, timeline, ATTEMPTS,
                       START_TIMEOUT) as (js, topology, _):
        # Sign-in on, as `assure up` runs: tokens from the started system's development issuer.
        sign_in = SignIn(instances[0].data_dir / "auth" / "dev-issuer.pem")
        workload = Workload(instances, timeline, plan, sign_in)
        await workload.register()
        timeline.note(f"{len(plan.providers)} providers registered")
        load = Load()
        faults = Faults(cluster, workload, js, topology, load)
        injecting = asyncio.create_task(faults.run(args.kills))
        await open_loop(workload, args.rate, load)
        await injecting
        began = time.monotonic()
        await until(lambda: settled(js, topology, instances[1], plan, sign_in),
                    args.settle_timeout, "the system to settle", every=2.0)
        settle_seconds = time.monotonic() - began
        timeline.note("settled")
        for node in cluster.nodes:
            await caught_up(cluster, node, timeline, 60)
        findings = await collect(js, topology, instances, plan, sign_in, args.settle_timeout)
        timeline.note("collected")
    for instance in instances:
        instance.stop()
    timeline.note("stopped")
    return Outcome(plan, args.rate, load, workload, faults.kills, findings, timeline,
                   settle_seconds, loads)


# The report ------------------------------------------------------------------------------------


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else (
        values * 99)
    return f"{cuts[49] * 1000:,.0f} / {cuts[98] * 1000:,.0f} / {max(values) * 1000:,.0f}"


def _at(value: float | None, since: float) -> str:
    return "-" if value is None else f"{value - since:.1f} s"


def kill_lines(kills: list[Kill]) -> list[str]:
    lines = [f"  {'what':<10} {'who':<4} {'at':>8} {'returns':>8} {'during load':>12} "
             f"{'taken over':>11} {'serving':>9} {'current':>9}   (after the kill)"]
    for k in kills:
        lines.append(f"  {k.what:<10} {k.name:<4} {k.at:>6.1f} s {k.returns_done:>8} "
                     f"{'yes' if k.during_load else 'no':>12} {_at(k.taken_over, k.at):>11} "
                     f"{_at(k.serving, k.at):>9} {_at(k.current, k.at):>9}")
    return lines


def verify_lines(verified: list[dict[str, Any]]) -> list[str]:
    lines = []
    for name, result in zip(("a", "b"), verified, strict=False):
        services = result.get("services", {})
        events = sum(s["events"] for s in services.values())
        aggregates = sum(s["aggregates"] for s in services.values())
        lines.append(f"  GET /verify on {name}: {'intact' if result.get('intact') else 'BROKEN'}"
                     f", every stored event of every service: {events:,} events in "
                     f"{aggregates:,} histories (aggregates)")
    return lines


def report(out: Outcome, wall: float, problems: str | None) -> str:
    load, plan = out.load, out.plan
    counted = figures(out.findings, out.workload)
    span = load.last_confirmed - load.t0
    late = sum(1 for lag in load.lags if lag > 1.0)
    nats_kills = sum(1 for k in out.kills if k.what == "nats")
    lines = [
        f"Assure fault bench: {plan.total:,} returns at {out.rate:g}/s, "
        f"{nats_kills} SIGKILLs of NATS nodes and {len(out.kills) - nats_kills} of `assure up` "
        f"instances (each runs intake, risk, escalation and notify)",
        f"  providers x returns each               {len(plan.providers)} x {plan.rounds} "
        f"({plan.unsafe_per_provider} unsafe each)",
        f"  returns submitted / accepted / scored  {load.submitted:,} / "
        f"{counted['returns confirmed']:,} / {counted['returns scored']:,}",
        f"  achieved rate                          {counted['returns confirmed'] / span:.1f}"
        f" returns/s accepted   (first due until last confirmed, {span:.1f} s; "
        f"asked for {out.rate:g}/s)",
        f"  started more than 1 s late             {late:,}   (max lag {max(load.lags):.1f} s)",
        f"  POST until confirmed, p50 / p99 / max  {_ms(load.http)} ms   "
        f"({out.workload.retries} retries on the other instance)",
        f"  settling after the load                {out.settle_seconds:.1f} s",
        "",
        "  kills",
        *kill_lines(out.kills),
        "",
        *[f"  {name:<38} {value:,}" for name, value in counted.items()],
        f"  {'streams, replicas not current at end':<38} "
        f"{({s: b for s, b in out.findings.lagging.items() if b}) or 'none'}",
        *verify_lines(out.findings.verified),
        "",
        f"  load average (1 min)                   {out.loads[0]:.2f} at the start, "
        f"{max(out.loads):.2f} at most, {out.loads[-1]:.2f} at the end "
        f"({os.cpu_count()} cores)",
        f"  total wall time                        {wall:.1f} s",
        "  checks (as tests/cluster/test_cluster_faults.py): "
        + ("passed" if problems is None else f"FAILED: {problems}"),
        "",
        "  timeline",
        *[f"  {event}" for event in out.timeline.events],
    ]
    return "\n".join(lines)


# Running it ------------------------------------------------------------------------------------


def postgres_settings() -> SimpleNamespace:
    """ASSURE_BENCH_POSTGRES_*, else the tests' ASSURE_TEST_POSTGRES_*, else the local server."""
    env = os.environ

    def value(name: str, default: str) -> str:
        return env.get(f"ASSURE_BENCH_POSTGRES_{name}") or env.get(
            f"ASSURE_TEST_POSTGRES_{name}") or default

    return SimpleNamespace(host=value("HOST", "127.0.0.1"), port=int(value("PORT", "5432")),
                           user=value("USER", "postgres"), password=value("PASSWORD", ""),
                           dbname=value("DBNAME", "test"))


def drop_schemas(pg: SimpleNamespace, prefix: str) -> None:
    with psycopg.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password,
                         dbname=pg.dbname, autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                            (f"{prefix}%",)).fetchall()
        for (schema,) in rows:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.faults",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--returns", type=int, required=True, help="how many returns (N)")
    parser.add_argument("--rate", type=float, default=50.0, help="returns due per second")
    parser.add_argument("--kills", type=int, default=3,
                        help="SIGKILLs of NATS nodes, and as many of `assure up` instances")
    parser.add_argument("--providers", type=int,
                        help="providers (default: 100, or N/10 below 1,000 returns); N must be "
                        "a multiple of it")
    parser.add_argument("--settle-timeout", type=float, default=900.0,
                        help="limit in seconds for settling after the load, and for /verify")
    parser.add_argument("--timeout", type=float,
                        help="limit in seconds for the whole run (default: 1,200 + 3 N/R)")
    parser.add_argument("--pool-size", type=int, default=1,
                        help="PostgreSQL connections each service of each instance keeps")
    parser.add_argument("--max-overflow", type=int, default=4,
                        help="connections each such pool may add under load")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep the data directory, the logs and the schemas")
    args = parser.parse_args(argv)
    if args.providers is None:
        args.providers = 100 if args.returns >= 1000 else max(1, args.returns // 10)
    if args.timeout is None:
        args.timeout = 1200 + 3 * args.returns / max(args.rate, 0.001)
    if args.returns < 1 or args.rate <= 0 or args.kills < 0 or args.providers < 1:
        parser.error("--returns, --rate and --providers must be positive, --kills 0 or more")
    if args.returns % args.providers or args.returns // args.providers < 3:
        parser.error("--returns must be a multiple of --providers, at least 3 each (round 2 "
                     "of each provider's returns is the first unsafe one)")
    if args.rate / args.providers > 1.5:
        parser.error("a provider's manager may submit 120 returns a minute: give at least "
                     f"{args.rate / 1.5:.0f} providers for {args.rate:g} returns/s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="assure-faults-"))
    pg, prefix = postgres_settings(), f"f{uuid.uuid4().hex[:12]}_"
    # SIGTERM ends the run as Ctrl-C does, so the children go and the schemas are dropped.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        outcome = asyncio.run(scenario(args, root, pg, prefix))
    except (AssertionError, TimeoutError, OSError, httpx.HTTPError) as failed:
        traceback.print_exc()
        print(f"bench.faults: the run did not finish: {type(failed).__name__}: {failed}",
              file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
        if args.keep_data:
            print(f"data, logs and schemas {prefix}* kept in {root}", file=sys.stderr)
        else:
            with contextlib.suppress(psycopg.Error):
                drop_schemas(pg, prefix)
            shutil.rmtree(root, ignore_errors=True)
    problems = None
    try:
        with contextlib.redirect_stdout(sys.stderr):  # check() prints a summary of its own
            check(outcome.findings, outcome.workload, REPLICAS)
    except AssertionError as failed:
        problems = str(failed)[:500] or traceback.format_exc(limit=-1).strip()
    print(report(outcome, time.perf_counter() - began, problems))
    return 0 if problems is None else 1


if __name__ == "__main__":
    sys.exit(main())
