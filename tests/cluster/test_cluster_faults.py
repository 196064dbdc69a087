"""Faults on loopback (issue 10): a three-node NATS JetStream cluster with replicated streams,
PostgreSQL, and two `assure up` processes (two instances of every service) under a steady
workload of returns over HTTP. Meanwhile one NATS node and one `assure up` process are killed
with SIGKILL and restarted. At the end every return is scored exactly once and in each
provider's order, every concern is raised once, every required notification is delivered once,
every event is in its stream once, and every history verifies.

Bounded: the whole run is cut off after HARD_TIMEOUT seconds, and every child process is killed
however the test ends. Run it alone with `pytest -m cluster` (see deploy/CLUSTER.md).
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyNotFoundError

from shared.contracts.envelope import event_id_for
from shared.messaging.lease import bucket_name
from shared.messaging.topology import Topology
from tests.cluster.harness import AssureInstance, NatsCluster, NatsNode, tail, until
from tests.support import SECTIONS_GREEN, SECTIONS_UNSAFE, contract_award, return_form

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

HARD_TIMEOUT = 300.0  # seconds for everything: cluster, processes, workload, faults, checks
PROVIDERS = [f"cluster{i}" for i in range(10)]
ROUNDS = 10  # returns per provider, submitted one round at a time
UNSAFE_ROUNDS = {2, 6}  # red sections: a safety concern, operations told at once
PACE = 0.2  # seconds between submissions: a steady trickle, not a burst
PARTITIONS = 2
REPLICAS = 3
SERVICES = ("intake", "risk", "escalation", "notify")
OPERATIONS = "operations"


@dataclass
class Timeline:
    """What happened when, for the failure message and the summary."""

    started: float = field(default_factory=time.monotonic)
    events: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.events.append(f"{time.monotonic() - self.started:6.1f} s  {what}")


@dataclass
class Workload:
    """Submits every provider's returns over HTTP, alternating between the instances; a
    submission a dead instance does not confirm is retried, with the same idempotency key,
    on the other one."""

    instances: list[AssureInstance]
    timeline: Timeline
    confirmed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    retries: int = 0

    @property
    def total(self) -> int:
        return len(PROVIDERS) * ROUNDS

    @property
    def done(self) -> int:
        return sum(len(ids) for ids in self.confirmed.values())

    async def register(self) -> None:
        for i, provider_id in enumerate(PROVIDERS):
            instance = self.instances[i % 2]
            async with httpx.AsyncClient(base_url=instance.url, timeout=10) as http:
                answer = await http.post("/intake/providers", json={
                    "provider_id": provider_id, "name": provider_id})
                assert answer.status_code in (200, 201), answer.text
                answer = await http.post(f"/intake/providers/{provider_id}/contracts",
                                         json=contract_award(f"{provider_id}-c1"))
                assert answer.status_code in (200, 201), answer.text

    async def run(self) -> None:
        clients = [httpx.AsyncClient(base_url=i.url, timeout=10) for i in self.instances]
        try:
            for n in range(ROUNDS):
                for i, provider_id in enumerate(PROVIDERS):
                    return_id = await self._submit(clients, provider_id, n, first=(i + n) % 2)
                    self.confirmed[provider_id].append(return_id)
                    await asyncio.sleep(PACE)
        finally:
            for client in clients:
                await client.aclose()
        self.timeline.note(f"workload: {self.done} returns confirmed, {self.retries} retries")

    async def _submit(self, clients: list[httpx.AsyncClient], provider_id: str, n: int,
                      first: int) -> str:
        sections = SECTIONS_UNSAFE if n in UNSAFE_ROUNDS else SECTIONS_GREEN
        for attempt in range(10_000):  # bounded by the test's hard timeout
            client = clients[(first + attempt) % len(clients)]
            try:
                answer = await client.post(
                    f"/intake/contracts/{provider_id}-c1/returns", json=return_form(sections),
                    headers={"Idempotency-Key": f"{provider_id}-r{n}"})
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


async def inject_faults(cluster: NatsCluster, victim: NatsNode, workload: Workload,
                        js: Any, topology: Topology) -> None:
    """SIGKILL the node leading the INTAKE stream (instance a's connection), then instance a
    (holding the relay leases) while that node is still down; restart both."""
    a, b = workload.instances
    timeline = workload.timeline
    await progress(workload, 0.2)
    victim.kill()
    timeline.note(f"SIGKILL nats {victim.name} at {workload.done} returns")
    leader = await until(lambda: _new_leader(js, topology, victim), 60, "a new INTAKE leader")
    timeline.note(f"INTAKE stream led by {leader} now")
    await progress(workload, 0.35)
    a.kill()
    timeline.note(f"SIGKILL assure up {a.name} at {workload.done} returns")
    await until(lambda: _leases_held_by(js, topology, b.name), 60,
                f"{b.name} to take over every relay lease")
    timeline.note(f"{b.name} relays every service's outbox at {workload.done} returns")
    a.start(cluster.live(but=victim).url)
    await a.started()
    timeline.note(f"assure up {a.name} serving again at {workload.done} returns")
    await progress(workload, 0.6)
    await cluster.restart(victim)
    timeline.note(f"nats {victim.name} restarted and serving at {workload.done} returns")


async def _leader(js: Any, topology: Topology) -> str | None:
    info = await js.stream_info(topology.stream("intake"))
    return info.cluster.leader if info.cluster else None


async def _new_leader(js: Any, topology: Topology, old: NatsNode) -> str | None:
    info = await js.stream_info(topology.stream("intake"))
    leader = info.cluster.leader if info.cluster else None
    return leader if leader and leader != old.name else None


async def _leases_held_by(js: Any, topology: Topology, holder: str) -> bool:
    kv = await js.key_value(bucket_name(topology.namespace))
    for service in SERVICES:
        try:
            entry = await kv.get(service)
        except KeyNotFoundError:
            return False
        if entry.value != holder.encode():
            return False
    return True


async def replicated_streams(js: Any, topology: Topology, lease_seconds: float) -> None:
    """Creates the services' streams and the relay-lease bucket with REPLICAS replicas."""
    for service in SERVICES:
        config = topology.stream_config(service)
        if not config.num_replicas:
            config = dataclasses.replace(config, num_replicas=REPLICAS)
        await js.add_stream(config)
    await js.create_key_value(KeyValueConfig(
        bucket=bucket_name(topology.namespace), ttl=lease_seconds, history=1,
        storage=StorageType.FILE, replicas=REPLICAS))


async def quiet(js: Any, topology: Topology, http: httpx.AsyncClient) -> bool:
    """Every return scored, every outbox published, every consumer drained, every e-mail sent."""
    for provider_id in PROVIDERS:
        risk = await http.get(f"/risk/providers/{provider_id}/risk")
        if risk.status_code != 200 or risk.json()["returns_scored"] < ROUNDS:
            return False
    health = (await http.get("/health")).json()["services"]
    if any(s["recorded"] != s["published"] for s in health.values()):
        return False
    for service in SERVICES:
        for consumer in await js.consumers_info(topology.stream(service)):
            if consumer.num_pending or consumer.num_ack_pending:
                return False
    histories = [(await http.get(f"/history/{p}")).json() for p in PROVIDERS]
    return all(deliveries_settled(h) for h in histories)


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


async def collect(js: Any, topology: Topology, instances: list[AssureInstance]) -> Findings:
    async with httpx.AsyncClient(base_url=instances[1].url, timeout=120) as http:
        histories = {p: (await http.get(f"/history/{p}")).json() for p in PROVIDERS}
        recipients = {e["data"]["recipient"] for h in histories.values() for e in h
                      if e["service"] == "notify" and e["event"] == "Delivered"}
        inboxes = {r: (await http.get(f"/notify/inbox/{r}")).json() for r in recipients}
    verified = []
    for instance in instances:  # each instance reads the shared stores itself
        async with httpx.AsyncClient(base_url=instance.url, timeout=300) as http:
            verified.append((await http.get("/verify")).json())
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
    mail = Counter(path.stem for i in instances for path in (i.data_dir / "mail").glob("*.eml"))
    return Findings(histories, inboxes, verified, counts, replicas, mail, lagging)


async def scenario(cluster: NatsCluster, instances: list[AssureInstance], namespace: str,
                   timeline: Timeline) -> tuple[Findings, Workload]:
    await cluster.start()
    timeline.note("nats cluster of 3 up")
    nc = await nats.connect(cluster.urls, max_reconnect_attempts=-1, connect_timeout=2)
    try:
        js = nc.jetstream()
        topology = Topology(PARTITIONS, namespace)
        await replicated_streams(js, topology, float(instances[0].env[
            "ASSURE_RELAY_LEASE_SECONDS"]))
        leader = await until(lambda: _leader(js, topology), 30, "an INTAKE stream leader")
        victim = cluster.node(leader)
        a, b = instances
        a.start(victim.url)  # a talks to the node that will die, and takes the relay leases
        await a.started()
        b.start(cluster.live(but=victim).url)
        await b.started()
        timeline.note(f"assure up a (via {victim.name}) and b serving")
        workload = Workload(instances, timeline)
        await workload.register()
        faults = asyncio.create_task(inject_faults(cluster, victim, workload, js, topology))
        await workload.run()
        await faults
        await until(lambda: _quiet(js, topology, b), 180, "the system to settle", every=1.0)
        timeline.note("settled")
        await caught_up(cluster, victim, timeline)
        findings = await collect(js, topology, instances)
        timeline.note("collected")
    finally:
        await nc.close()
    for instance in instances:
        instance.stop()
    timeline.note("stopped")
    return findings, workload


async def caught_up(cluster: NatsCluster, victim: NatsNode, timeline: Timeline) -> None:
    """Gives the restarted node time to bring every replica up to date, and says if it did not.

    Not a failure of Assure's: seen here once in several runs under load, nats-server 2.15.1
    replayed a publish on the restarted follower after its catch-up already held it, refused it
    ("last msgid mismatch" on Nats-Expected-Last-Msg-Id, a "critical write error") and left that
    replica behind; the stream carried on with its two other replicas. check() requires a
    leader and a quorum of current replicas for every stream.
    """
    try:
        await until(victim.healthy, 60, f"{victim.name}'s replicas to catch up", every=1.0)
        timeline.note(f"nats {victim.name} current with every stream")
    except AssertionError as late:
        log = cluster.root / f"{victim.name}.log"
        errors = [line for line in log.read_text(errors="replace").splitlines()
                  if "[ERR]" in line][-3:]
        timeline.note(f"WARNING: {late}; {victim.name}'s errors: {errors}")


async def _quiet(js: Any, topology: Topology, instance: AssureInstance) -> bool:
    async with httpx.AsyncClient(base_url=instance.url, timeout=30) as http:
        return await quiet(js, topology, http)


async def test_a_nats_node_and_an_instance_killed_mid_flow_lose_and_double_nothing(
    tmp_path, postgres, schema_prefix,
):
    namespace = f"c{uuid.uuid4().hex[:8]}"
    env = {
        "ASSURE_NAMESPACE": namespace,
        "ASSURE_PARTITIONS": str(PARTITIONS),
        "ASSURE_STREAM_REPLICAS": str(REPLICAS),
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
        "ASSURE_AUTH_REQUIRED": "false",  # sign-in has its own tests; not what this one is about
        # The eventsourcing library's pools (per store, read from the environment). Each
        # instance opens every service's stores twice, in its HTTP side and in the service's
        # own process (assure/supervisor.py): at most 1 + 2 connections a store keeps two
        # instances inside PostgreSQL's 100 connections, as 2 + 4 did with one process each.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "2",
    }
    cluster = NatsCluster(tmp_path / "nats")
    instances = [AssureInstance(name, tmp_path, env) for name in ("a", "b")]
    timeline = Timeline()
    try:
        async with asyncio.timeout(HARD_TIMEOUT):
            findings, workload = await scenario(cluster, instances, namespace, timeline)
    except BaseException:
        logs = [f"--- {p.name}\n{tail(p)}" for p in
                [i.log for i in instances] + [tmp_path / "nats" / f"{n.name}.log"
                                              for n in cluster.nodes]]
        print("\n".join(timeline.events + logs))
        raise
    finally:
        for instance in instances:
            instance.kill()
        cluster.stop()
    print("\n".join(timeline.events))
    check(findings, workload)
    # Passed: the stores go (on failure they stay beside the logs, for a look).
    for store in [tmp_path / "nats", *(instance.data_dir for instance in instances)]:
        shutil.rmtree(store, ignore_errors=True)


def check(found: Findings, workload: Workload) -> None:
    assert workload.done == len(PROVIDERS) * ROUNDS
    assert all(v["intact"] for v in found.verified), found.verified
    assert set(found.replicas.values()) == {REPLICAS}, found.replicas
    # Every stream has a leader (collect() read it) and a quorum of current replicas.
    assert all(len(behind) <= (REPLICAS - 1) // 2 for behind in found.lagging.values())
    assert set(found.lagging) == set(found.replicas), found.lagging
    check_returns(found, workload)
    concern_events = check_concerns(found)
    delivered = check_notifications(found, concern_events)
    print(f"{workload.done} returns scored once each; {len(concern_events)} concerns raised "
          f"once each; {len(delivered)} notifications delivered once each; "
          f"{workload.retries} client retries; streams R{REPLICAS}; replicas not current at "
          f"the end: {({s: b for s, b in found.lagging.items() if b}) or 'none'}")


def check_returns(found: Findings, workload: Workload) -> None:
    """Submitted, published and scored once each, in each provider's order."""
    for provider_id, history in found.histories.items():
        submitted = [e["aggregate_id"] for e in history
                     if e["service"] == "intake" and e["event"] == "Submitted"]
        scored = [e["data"]["return_id"] for e in history
                  if e["service"] == "risk" and e["event"] == "ReturnScored"]
        assert sorted(submitted) == sorted(workload.confirmed[provider_id])
        assert scored == workload.confirmed[provider_id], provider_id  # once, and in order
    assert found.stream_counts["ReturnSubmitted"] == workload.total
    assert found.stream_counts["RiskScored"] == workload.total


def check_concerns(found: Findings) -> dict[str, str]:
    """Each concern raised once; every unsafe return raised its safety concern, or (one concern
    per matter, issue 18) brought the provider's open one up again, once each."""
    risk = [e for h in found.histories.values() for e in h if e["service"] == "risk"]
    raised = [e for e in risk if e["event"] == "ConcernRaised"]
    recurred = [e for e in risk if e["event"] == "ConcernRecurred"]
    ids = Counter(e["data"]["concern_id"] for e in raised)
    assert all(count == 1 for count in ids.values()), ids
    assert found.stream_counts["ConcernRaised"] == len(raised)
    assert found.stream_counts["ConcernRecurred"] == len(recurred)
    red = Counter(e["aggregate_id"] for e in raised + recurred
                  if e["data"]["rule"] == "red-section")
    assert sorted(red.values()) == [len(UNSAFE_ROUNDS)] * len(PROVIDERS), red
    # integration event id of each ConcernRaised or ConcernRecurred -> its rule
    return {event_id_for(uuid.UUID(e["aggregate_id"]), e["version"]): e["data"]["rule"]
            for e in raised + recurred}


def check_notifications(found: Findings, concerns: dict[str, str]) -> set[tuple[str, str]]:
    """Delivered once each (history and inboxes agree), operations told of every safety
    concern, each e-mail sent once."""
    history = [e for h in found.histories.values() for e in h if e["service"] == "notify"]
    delivered = Counter((e["data"]["recipient"], e["data"]["about_event_id"])
                        for e in history if e["event"] == "Delivered")
    assert all(count == 1 for count in delivered.values()), delivered
    inboxes = Counter((r, n["about_event_id"]) for r, items in found.inboxes.items()
                      for n in items)
    assert inboxes == delivered
    about = {event for _, event in delivered}
    assert set(concerns) <= about  # every concern reached someone
    safety = {event for event, rule in concerns.items() if rule == "red-section"}
    assert {(OPERATIONS, event) for event in safety} <= set(delivered)
    proposed = {event_id_for(uuid.UUID(e["aggregate_id"]), e["version"])
                for h in found.histories.values() for e in h
                if e["service"] == "escalation" and e["event"] == "Proposed"}
    assert proposed and proposed <= about  # every escalation proposed reached its approvers
    sends = defaultdict(Counter)
    for e in history:
        if e["aggregate"] == "Delivery":
            sends[e["aggregate_id"]][e["event"]] += 1
    assert all(c["Queued"] == 1 and c["Sent"] == 1 for c in sends.values()), sends
    assert set(found.mail) == set(sends)  # every e-mail on disk (FolderMailer), no stray one
    return set(delivered)
