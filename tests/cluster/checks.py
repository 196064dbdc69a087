"""What the fault suite and the fault bench share: the workload of returns over HTTP, the faults'
building blocks, waiting for the system to settle, reading what it did, and checking it.

`tests/cluster/test_cluster_faults.py` runs a small paced workload with one fault of each kind
and asserts; `bench/faults.py` runs the same system at a rate, with several faults of each kind,
and prints the figures these checks count (then asserts the same things).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyNotFoundError

from bench.spine import OFFICER, SignIn, manager_of
from shared.contracts.envelope import event_id_for
from shared.messaging.lease import bucket_name
from shared.messaging.topology import Topology
from shared.security.identity import Identity, Role
from tests.cluster.harness import AssureInstance, NatsCluster, NatsNode, tail, until
from tests.support import SECTIONS_GREEN, SECTIONS_UNSAFE, contract_award, return_form

UNSAFE_ROUNDS = {2, 6}  # of every ten rounds: red sections, a safety concern, operations told
SERVICES = ("intake", "risk", "escalation", "notify")
OPERATIONS = "operations"


def no_sign_in() -> SignIn:
    """For a system with sign-in off: requests go without a token."""
    return SignIn(enabled=False)


def reader_of(provider_id: str) -> Identity:
    """An auditor per provider: history reads are limited to 60 a minute per reader, and the
    checks read every provider's history each time they look."""
    return Identity(f"Auditor of {provider_id}", Role.AUDITOR)


AUDITOR = Identity("Fault suite auditor", Role.AUDITOR)


@dataclass(frozen=True)
class Plan:
    """Which returns: `rounds` per provider, rounds 2 and 6 of every ten unsafe."""

    providers: list[str]
    rounds: int

    @property
    def total(self) -> int:
        return len(self.providers) * self.rounds

    @staticmethod
    def unsafe(n: int) -> bool:
        return n % 10 in UNSAFE_ROUNDS

    @property
    def unsafe_per_provider(self) -> int:
        return sum(1 for n in range(self.rounds) if self.unsafe(n))


@dataclass
class Timeline:
    """What happened when, for the failure message and the summary."""

    started: float = field(default_factory=time.monotonic)
    events: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    def note(self, what: str) -> None:
        self.events.append(f"{self.now():6.1f} s  {what}")


@dataclass
class Workload:
    """Submits every provider's returns over HTTP, alternating between the instances; a
    submission a dead instance does not confirm is retried, with the same idempotency key,
    on the other one."""

    instances: list[AssureInstance]
    timeline: Timeline
    plan: Plan
    sign_in: SignIn = field(default_factory=no_sign_in)
    confirmed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    retries: int = 0

    @property
    def total(self) -> int:
        return self.plan.total

    @property
    def done(self) -> int:
        return sum(len(ids) for ids in self.confirmed.values())

    async def register(self) -> None:
        for i, provider_id in enumerate(self.plan.providers):
            instance = self.instances[i % 2]
            async with httpx.AsyncClient(base_url=instance.url, timeout=10) as http:
                officer = await self.sign_in.headers(http, OFFICER)
                answer = await http.post("/intake/providers", json={
                    "provider_id": provider_id, "name": provider_id}, headers=officer)
                assert answer.status_code in (200, 201), answer.text
                answer = await http.post(f"/intake/providers/{provider_id}/contracts",
                                         json=contract_award(f"{provider_id}-c1"),
                                         headers=officer)
                assert answer.status_code in (200, 201), answer.text

    async def run(self, pace: float) -> None:
        """One round at a time, one return every `pace` seconds: a steady trickle."""
        clients = [httpx.AsyncClient(base_url=i.url, timeout=10) for i in self.instances]
        try:
            for n in range(self.plan.rounds):
                for i, provider_id in enumerate(self.plan.providers):
                    return_id = await self.submit(clients, provider_id, n, first=(i + n) % 2)
                    self.confirmed[provider_id].append(return_id)
                    await asyncio.sleep(pace)
        finally:
            for client in clients:
                await client.aclose()
        self.timeline.note(f"workload: {self.done} returns confirmed, {self.retries} retries")

    async def submit(self, clients: list[httpx.AsyncClient], provider_id: str, n: int,
                     first: int) -> str:
        """Round n of a provider's returns, until an instance confirms it; its return id."""
        sections = SECTIONS_UNSAFE if self.plan.unsafe(n) else SECTIONS_GREEN
        for attempt in range(10_000):  # bounded by the caller's hard timeout
            client = clients[(first + attempt) % len(clients)]
            try:
                headers = {"Idempotency-Key": f"{provider_id}-r{n}",
                           **await self.sign_in.headers(client, manager_of(provider_id))}
                answer = await client.post(
                    f"/intake/contracts/{provider_id}-c1/returns", json=return_form(sections),
                    headers=headers)
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code in (200, 201):
                return str(answer.json()["return_id"])
            if answer is not None and answer.status_code < 500:
                raise AssertionError(f"return refused: {answer.status_code} {answer.text}")
            self.retries += 1
            await asyncio.sleep(min(0.1 * (attempt + 1), 1.0))
        raise AssertionError("unreachable")


async def progress(workload: Workload, share: float) -> None:
    while workload.done < share * workload.total:
        await asyncio.sleep(0.05)


# The system ----------------------------------------------------------------------------------


def instance_env(namespace: str, postgres: Any, schema_prefix: str, partitions: int,
                 replicas: int, sign_in: bool, pool: tuple[int, int] = (1, 2)) -> dict[str, str]:
    """The settings of every `assure up` instance (`postgres`: host, port, user, password,
    dbname attributes; `pool`: each service's PostgreSQL pool and how far it may grow)."""
    return {
        "ASSURE_NAMESPACE": namespace,
        "ASSURE_PARTITIONS": str(partitions),
        "ASSURE_STREAM_REPLICAS": str(replicas),
        "ASSURE_POSTGRES_HOST": postgres.host,
        "ASSURE_POSTGRES_PORT": str(postgres.port),
        "ASSURE_POSTGRES_USER": postgres.user,
        "ASSURE_POSTGRES_PASSWORD": postgres.password,
        "ASSURE_POSTGRES_DBNAME": postgres.dbname,
        "ASSURE_POSTGRES_SCHEMA_PREFIX": schema_prefix,
        "ASSURE_ACK_WAIT_SECONDS": "5",  # a message in flight at the kill comes back in 5 s
        "ASSURE_RELAY_LEASE_SECONDS": "3",  # the survivor takes over the relays within 3 s
        "ASSURE_NOTIFY_SEND_TIMEOUT_SECONDS": "5",  # an e-mail in flight is retried in 10 s
        "ASSURE_RUN_BACKGROUND_JOBS": "false",  # no calendar runs: only the workload's events
        "ASSURE_AUTH_REQUIRED": "true" if sign_in else "false",
        # The eventsourcing library's pools (per store, read from the environment): each
        # instance opens every store twice (its HTTP side and the service's own process), so
        # 1 + 2 a store keeps two instances inside PostgreSQL's 100 connections.
        "POSTGRES_POOL_SIZE": str(pool[0]),
        "POSTGRES_MAX_OVERFLOW": str(pool[1]),
    }


@contextlib.asynccontextmanager
async def started(cluster: NatsCluster, instances: list[AssureInstance], topology: Topology,
                  replicas: int, timeline: Timeline, attempts: int = 1,
                  start_timeout: float = 90) -> AsyncIterator[tuple[Any, Topology, NatsNode]]:
    """The cluster up with the streams replicated, instance a connected through the node leading
    the INTAKE stream (the first victim) and b through another (each started up to
    `attempts` times); JetStream, the topology and that
    node while it lasts (the instances are left to the caller)."""
    await cluster.start()
    timeline.note(f"nats cluster of {len(cluster.nodes)} up")
    nc = await nats.connect(cluster.urls, max_reconnect_attempts=-1, connect_timeout=2)
    try:
        js = nc.jetstream()
        await replicated_streams(js, topology, float(instances[0].env[
            "ASSURE_RELAY_LEASE_SECONDS"]), replicas)
        leader = await until(lambda: intake_leader(js, topology), 30, "an INTAKE stream leader")
        victim = cluster.node(leader)
        a, b = instances
        # a talks to the node that will die, and takes the relay leases
        await start_serving(a, victim.url, timeline, attempts, start_timeout)
        await start_serving(b, cluster.live(but=victim).url, timeline, attempts, start_timeout)
        timeline.note(f"assure up {a.name} (via {victim.name}) and {b.name} serving")
        yield js, topology, victim
    finally:
        await nc.close()


async def start_serving(instance: AssureInstance, nats_url: str, timeline: Timeline,
                        attempts: int = 1, timeout: float = 90) -> None:
    """Starts an instance and waits until it serves; up to `attempts` times if it exits while
    starting."""
    for attempt in range(1, attempts + 1):
        instance.start(nats_url)
        try:
            await instance.started(timeout)
            return
        except AssertionError:
            if attempt == attempts or instance.process is None or (
                    instance.process.poll() is None):
                raise
        timeline.note(f"assure up {instance.name} exited while starting (attempt {attempt}; "
                      f"see {instance.log}); starting it again")
        await asyncio.sleep(5)


def logs(cluster: NatsCluster, instances: list[AssureInstance]) -> list[str]:
    """The end of every child's log, for a failure message."""
    paths = [i.log for i in instances] + [cluster.root / f"{n.name}.log" for n in cluster.nodes]
    return [f"--- {p.name}\n{tail(p)}" for p in paths]


# The faults' building blocks ------------------------------------------------------------------


async def intake_leader(js: Any, topology: Topology) -> str | None:
    info = await js.stream_info(topology.stream("intake"))
    return info.cluster.leader if info.cluster else None


async def new_leader(js: Any, topology: Topology, old: NatsNode) -> str | None:
    leader = await intake_leader(js, topology)
    return leader if leader and leader != old.name else None


async def lease_holders(js: Any, topology: Topology) -> dict[str, str | None]:
    """Which instance relays each service's outbox (None: no one holds it now)."""
    kv = await js.key_value(bucket_name(topology.namespace))
    holders: dict[str, str | None] = {}
    for service in SERVICES:
        try:
            holders[service] = (await kv.get(service)).value.decode()
        except KeyNotFoundError:
            holders[service] = None
    return holders


async def leases_held_by(js: Any, topology: Topology, holder: str) -> bool:
    return set((await lease_holders(js, topology)).values()) == {holder}


async def replicated_streams(js: Any, topology: Topology, lease_seconds: float,
                             replicas: int) -> None:
    """Creates the services' streams and the relay-lease bucket with `replicas` replicas."""
    for service in SERVICES:
        await js.add_stream(dataclasses.replace(topology.stream_config(service),
                                                num_replicas=replicas))
    await js.create_key_value(KeyValueConfig(
        bucket=bucket_name(topology.namespace), ttl=lease_seconds, history=1,
        storage=StorageType.FILE, replicas=replicas))


async def caught_up(cluster: NatsCluster, victim: NatsNode, timeline: Timeline,
                    timeout: float = 60) -> bool:
    """Gives the restarted node time to bring every replica up to date, and says if it did not.

    Not a failure of Assure's: seen here once in several runs under load, nats-server 2.15.1
    replayed a publish on the restarted follower after its catch-up already held it, refused it
    ("last msgid mismatch" on Nats-Expected-Last-Msg-Id, a "critical write error") and left that
    replica behind; the stream carried on with its two other replicas. check() requires a
    leader and a quorum of current replicas for every stream.
    """
    try:
        await until(victim.healthy, timeout, f"{victim.name}'s replicas to catch up", every=1.0)
        timeline.note(f"nats {victim.name} current with every stream")
        return True
    except AssertionError as late:
        log = cluster.root / f"{victim.name}.log"
        errors = [line for line in log.read_text(errors="replace").splitlines()
                  if "[ERR]" in line][-3:]
        timeline.note(f"WARNING: {late}; {victim.name}'s errors: {errors}")
        return False


# Settling and reading what the system did -----------------------------------------------------


async def quiet(js: Any, topology: Topology, http: httpx.AsyncClient, plan: Plan,
                sign_in: SignIn) -> bool:
    """Every return scored, every outbox published, every consumer drained, every e-mail sent."""
    auditor = await sign_in.headers(http, AUDITOR)
    for provider_id in plan.providers:
        risk = await http.get(f"/risk/providers/{provider_id}/risk", headers=auditor)
        if risk.status_code != 200 or risk.json()["returns_scored"] < plan.rounds:
            return False
    health = (await http.get("/health")).json()["services"]
    if any(s["recorded"] != s["published"] for s in health.values()):
        return False
    for service in SERVICES:
        for consumer in await js.consumers_info(topology.stream(service)):
            if consumer.num_pending or consumer.num_ack_pending:
                return False
    histories = [await history(http, p, sign_in) for p in plan.providers]
    return all(deliveries_settled(h) for h in histories)


async def settled(js: Any, topology: Topology, instance: AssureInstance, plan: Plan,
                  sign_in: SignIn) -> bool:
    async with httpx.AsyncClient(base_url=instance.url, timeout=30) as http:
        return await quiet(js, topology, http, plan, sign_in)


async def history(http: httpx.AsyncClient, provider_id: str,
                  sign_in: SignIn) -> list[dict[str, Any]]:
    answer = await http.get(f"/history/{provider_id}",
                            headers=await sign_in.headers(http, reader_of(provider_id)))
    answer.raise_for_status()
    return list(answer.json())


def deliveries_settled(history: list[dict[str, Any]]) -> bool:
    events = defaultdict(list)
    for entry in history:
        if entry["service"] == "notify" and entry["aggregate"] == "Delivery":
            events[entry["aggregate_id"]].append(entry["event"])
    return all("Sent" in names for names in events.values())


@dataclass
class Findings:
    histories: dict[str, list[dict[str, Any]]]
    inboxes: dict[str, list[dict[str, Any]]]
    verified: list[dict[str, Any]]
    stream_counts: dict[str, int]
    replicas: dict[str, int]
    mail: Counter[str]
    lagging: dict[str, list[str]]  # stream -> replicas not current at the end


async def collect(js: Any, topology: Topology, instances: list[AssureInstance], plan: Plan,
                  sign_in: SignIn, verify_timeout: float = 300) -> Findings:
    async with httpx.AsyncClient(base_url=instances[1].url, timeout=120) as http:
        histories = {p: await history(http, p, sign_in) for p in plan.providers}
        recipients = {e["data"]["recipient"] for h in histories.values() for e in h
                      if e["service"] == "notify" and e["event"] == "Delivered"}
        auditor = await sign_in.headers(http, AUDITOR)
        inboxes = {r: (await http.get(f"/notify/inbox/{r}", headers=auditor)).json()
                   for r in recipients}
    verified = []
    for instance in instances:  # each instance reads the shared stores itself
        async with httpx.AsyncClient(base_url=instance.url, timeout=verify_timeout) as http:
            verified.append((await http.get("/verify", headers=auditor)).json())
    ns = topology.namespace
    counts = {}
    for service, event in (("intake", "ReturnSubmitted"), ("risk", "RiskScored"),
                           ("risk", "ConcernRaised"), ("risk", "ConcernRecurred")):
        info = await js.stream_info(topology.stream(service),
                                    subjects_filter=f"{ns}.evt.{service}.*.*.{event}")
        counts[event] = sum((info.state.subjects or {}).values())
    streams = [topology.stream(s) for s in SERVICES] + [f"KV_{bucket_name(ns)}"]
    infos = {s: await js.stream_info(s) for s in streams}
    replicas = {s: info.config.num_replicas for s, info in infos.items()}
    lagging = {s: [p.name for p in info.cluster.replicas or [] if not p.current]
               for s, info in infos.items() if info.cluster and info.cluster.leader}
    folders = {i.data_dir / "mail" for i in instances}  # one folder when the instances share it
    mail = Counter(path.stem for folder in folders for path in folder.glob("*.eml"))
    return Findings(histories, inboxes, verified, counts, replicas, mail, lagging)


# What the findings say ------------------------------------------------------------------------


@dataclass
class Returns:
    submitted: dict[str, list[str]]  # provider -> return ids intake recorded
    scored: dict[str, list[str]]  # provider -> return ids risk scored, in order


def returns_of(found: Findings) -> Returns:
    submitted, scored = {}, {}
    for provider_id, history in found.histories.items():
        submitted[provider_id] = [e["aggregate_id"] for e in history
                                  if e["service"] == "intake" and e["event"] == "Submitted"]
        scored[provider_id] = [e["data"]["return_id"] for e in history
                               if e["service"] == "risk" and e["event"] == "ReturnScored"]
    return Returns(submitted, scored)


@dataclass
class Concerns:
    raised: list[dict[str, Any]]
    recurred: list[dict[str, Any]]
    ids: Counter[str]  # concern id -> times raised
    red: Counter[str]  # risk profile -> red-section concerns raised or brought up again
    events: dict[str, str]  # integration event id of each raised or recurred -> its rule


def concerns_of(found: Findings) -> Concerns:
    risk = [e for h in found.histories.values() for e in h if e["service"] == "risk"]
    raised = [e for e in risk if e["event"] == "ConcernRaised"]
    recurred = [e for e in risk if e["event"] == "ConcernRecurred"]
    ids = Counter(e["data"]["concern_id"] for e in raised)
    red = Counter(e["aggregate_id"] for e in raised + recurred
                  if e["data"]["rule"] == "red-section")
    events = {event_id_for(uuid.UUID(e["aggregate_id"]), e["version"]): e["data"]["rule"]
              for e in raised + recurred}
    return Concerns(raised, recurred, ids, red, events)


@dataclass
class Notifications:
    delivered: Counter[tuple[str, str]]  # (recipient, about event id) -> times delivered
    inboxes: Counter[tuple[str, str]]  # the same, from the recipients' inboxes
    proposed: set[str]  # integration event ids of escalations proposed
    sends: dict[str, Counter[str]]  # e-mail delivery -> its events counted

    @property
    def about(self) -> set[str]:
        return {event for _, event in self.delivered}


def notifications_of(found: Findings) -> Notifications:
    history = [e for h in found.histories.values() for e in h if e["service"] == "notify"]
    delivered = Counter((e["data"]["recipient"], e["data"]["about_event_id"])
                        for e in history if e["event"] == "Delivered")
    inboxes = Counter((r, n["about_event_id"]) for r, items in found.inboxes.items()
                      for n in items)
    proposed = {event_id_for(uuid.UUID(e["aggregate_id"]), e["version"])
                for h in found.histories.values() for e in h
                if e["service"] == "escalation" and e["event"] == "Proposed"}
    sends: dict[str, Counter[str]] = defaultdict(Counter)
    for e in history:
        if e["aggregate"] == "Delivery":
            sends[e["aggregate_id"]][e["event"]] += 1
    return Notifications(delivered, inboxes, proposed, sends)


def required_notifications(concerns: Concerns, told: Notifications) -> set[tuple[str, str]]:
    """(recipient or "anyone", event id) of each notification that must exist: someone told of
    every concern and every escalation proposed, operations of every safety concern."""
    safety = {event for event, rule in concerns.events.items() if rule == "red-section"}
    return ({("anyone", e) for e in set(concerns.events) | told.proposed}
            | {(OPERATIONS, e) for e in safety})


def missing_notifications(concerns: Concerns, told: Notifications) -> set[tuple[str, str]]:
    def told_of(who: str, event: str) -> bool:
        return event in told.about if who == "anyone" else (who, event) in told.delivered

    return {need for need in required_notifications(concerns, told) if not told_of(*need)}


# Checking them --------------------------------------------------------------------------------


def check(found: Findings, workload: Workload, replicas: int) -> None:
    assert workload.done == workload.total
    assert all(v["intact"] for v in found.verified), found.verified
    assert set(found.replicas.values()) == {replicas}, found.replicas
    # Every stream has a leader (collect() read it) and a quorum of current replicas.
    assert all(len(behind) <= (replicas - 1) // 2 for behind in found.lagging.values())
    assert set(found.lagging) == set(found.replicas), found.lagging
    check_returns(found, workload)
    concern_events = check_concerns(found, workload.plan)
    delivered = check_notifications(found, concern_events)
    print(f"{workload.done} returns scored once each; {len(concern_events)} concerns raised "
          f"once each; {len(delivered)} notifications delivered once each; "
          f"{workload.retries} client retries; streams R{replicas}; replicas not current at "
          f"the end: {({s: b for s, b in found.lagging.items() if b}) or 'none'}")


def check_returns(found: Findings, workload: Workload) -> None:
    """Submitted, published and scored once each, in each provider's order."""
    returns = returns_of(found)
    for provider_id in found.histories:
        assert sorted(returns.submitted[provider_id]) == sorted(workload.confirmed[provider_id])
        # once, and in order
        assert returns.scored[provider_id] == workload.confirmed[provider_id], provider_id
    assert found.stream_counts["ReturnSubmitted"] == workload.total
    assert found.stream_counts["RiskScored"] == workload.total


def check_concerns(found: Findings, plan: Plan) -> dict[str, str]:
    """Each concern raised once; every unsafe return raised its safety concern, or (one concern
    per matter, issue 18) brought the provider's open one up again, once each."""
    concerns = concerns_of(found)
    assert all(count == 1 for count in concerns.ids.values()), concerns.ids
    assert found.stream_counts["ConcernRaised"] == len(concerns.raised)
    assert found.stream_counts["ConcernRecurred"] == len(concerns.recurred)
    expected = [plan.unsafe_per_provider] * len(plan.providers)
    assert sorted(concerns.red.values()) == [n for n in expected if n], concerns.red
    # integration event id of each ConcernRaised or ConcernRecurred -> its rule
    return concerns.events


def check_notifications(found: Findings, concerns: dict[str, str]) -> set[tuple[str, str]]:
    """Delivered once each (history and inboxes agree), operations told of every safety
    concern, each e-mail sent once."""
    told = notifications_of(found)
    assert all(count == 1 for count in told.delivered.values()), told.delivered
    assert told.inboxes == told.delivered
    assert set(concerns) <= told.about  # every concern reached someone
    safety = {event for event, rule in concerns.items() if rule == "red-section"}
    assert {(OPERATIONS, event) for event in safety} <= set(told.delivered)
    # every escalation proposed reached its approvers
    assert told.proposed and told.proposed <= told.about
    assert all(c["Queued"] == 1 and c["Sent"] == 1 for c in told.sends.values()), told.sends
    assert set(found.mail) == set(told.sends)  # every e-mail on disk (FolderMailer), no stray one
    return set(told.delivered)


# Counting them, for the bench's figures -------------------------------------------------------


def figures(found: Findings, workload: Workload) -> dict[str, int]:
    """What went wrong, counted (each 0 in a good run), and what was there."""
    returns, concerns = returns_of(found), concerns_of(found)
    told = notifications_of(found)
    confirmed = {r for ids in workload.confirmed.values() for r in ids}
    scored = Counter(r for ids in returns.scored.values() for r in ids)
    plan = workload.plan
    expected_streams = {"ReturnSubmitted": workload.total, "RiskScored": workload.total,
                        "ConcernRaised": len(concerns.raised),
                        "ConcernRecurred": len(concerns.recurred)}
    return {
        "returns confirmed": len(confirmed),
        "returns scored": len(set(scored) & confirmed),
        "returns unscored": len(confirmed - set(scored)),
        "returns scored more than once": sum(1 for n in scored.values() if n > 1),
        "providers not scored in their order": sum(
            1 for p in plan.providers
            if list(dict.fromkeys(returns.scored.get(p, []))) != workload.confirmed[p]),
        "concerns raised": len(concerns.ids),
        "concerns brought up again": len(concerns.recurred),
        "duplicate concerns": sum(n - 1 for n in concerns.ids.values()),
        "notifications delivered": len(told.delivered),
        "duplicate notifications": sum(n - 1 for n in told.delivered.values()),
        "missing notifications": len(missing_notifications(concerns, told)),
        "inbox entries not matching the history": sum(
            ((told.inboxes - told.delivered) + (told.delivered - told.inboxes)).values()),
        "e-mails not sent exactly once": sum(
            1 for c in told.sends.values() if c["Queued"] != 1 or c["Sent"] != 1),
        "duplicate stream messages": sum(
            max(0, found.stream_counts[e] - n) for e, n in expected_streams.items()),
        "missing stream messages": sum(
            max(0, n - found.stream_counts[e]) for e, n in expected_streams.items()),
    }
