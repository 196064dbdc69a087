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
import shutil
import uuid
from typing import Any

import pytest

from shared.messaging.topology import Topology
from tests.cluster.checks import (
    Findings,
    Plan,
    Timeline,
    Workload,
    caught_up,
    check,
    collect,
    instance_env,
    leases_held_by,
    logs,
    new_leader,
    progress,
    settled,
    started,
)
from tests.cluster.harness import AssureInstance, NatsCluster, NatsNode, until

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

HARD_TIMEOUT = 300.0  # seconds for everything: cluster, processes, workload, faults, checks
PROVIDERS = [f"cluster{i}" for i in range(10)]
ROUNDS = 10  # returns per provider, submitted one round at a time (rounds 2 and 6 unsafe:
# red sections, a safety concern, operations told at once)
PACE = 0.2  # seconds between submissions: a steady trickle, not a burst
PARTITIONS = 2
REPLICAS = 3


async def inject_faults(cluster: NatsCluster, victim: NatsNode, workload: Workload,
                        js: Any, topology: Topology) -> None:
    """SIGKILL the node leading the INTAKE stream (instance a's connection), then instance a
    (holding the relay leases) while that node is still down; restart both."""
    a, b = workload.instances
    timeline = workload.timeline
    await progress(workload, 0.2)
    victim.kill()
    timeline.note(f"SIGKILL nats {victim.name} at {workload.done} returns")
    leader = await until(lambda: new_leader(js, topology, victim), 60, "a new INTAKE leader")
    timeline.note(f"INTAKE stream led by {leader} now")
    await progress(workload, 0.35)
    a.kill()
    timeline.note(f"SIGKILL assure up {a.name} at {workload.done} returns")
    await until(lambda: leases_held_by(js, topology, b.name), 60,
                f"{b.name} to take over every relay lease")
    timeline.note(f"{b.name} relays every service's outbox at {workload.done} returns")
    a.start(cluster.live(but=victim).url)
    await a.started()
    timeline.note(f"assure up {a.name} serving again at {workload.done} returns")
    await progress(workload, 0.6)
    await cluster.restart(victim)
    timeline.note(f"nats {victim.name} restarted and serving at {workload.done} returns")


async def scenario(cluster: NatsCluster, instances: list[AssureInstance], namespace: str,
                   timeline: Timeline) -> tuple[Findings, Workload]:
    plan = Plan(PROVIDERS, ROUNDS)
    async with started(cluster, instances, Topology(PARTITIONS, namespace), REPLICAS,
                       timeline) as (js, topology, victim):
        workload = Workload(instances, timeline, plan)
        await workload.register()
        faults = asyncio.create_task(inject_faults(cluster, victim, workload, js, topology))
        await workload.run(PACE)
        await faults
        await until(lambda: settled(js, topology, instances[1], plan, workload.sign_in), 180,
                    "the system to settle", every=1.0)
        timeline.note("settled")
        await caught_up(cluster, victim, timeline)
        findings = await collect(js, topology, instances, plan, workload.sign_in)
        timeline.note("collected")
    for instance in instances:
        instance.stop()
    timeline.note("stopped")
    return findings, workload


async def test_a_nats_node_and_an_instance_killed_mid_flow_lose_and_double_nothing(
    tmp_path, postgres, schema_prefix,
):
    namespace = f"c{uuid.uuid4().hex[:8]}"
    # Each instance opens every service's stores twice, in its HTTP side and in the service's
    # own process (assure/supervisor.py): at most 1 + 2 connections a store keeps two instances
    # inside PostgreSQL's 100 connections, as 2 + 4 did with one process each.
    env = instance_env(namespace, postgres, schema_prefix, PARTITIONS, REPLICAS,
                       sign_in=False,  # sign-in has its own tests; not what this one is about
                       pool=(1, 2))
    cluster = NatsCluster(tmp_path / "nats")
    instances = [AssureInstance(name, tmp_path, env) for name in ("a", "b")]
    timeline = Timeline()
    try:
        async with asyncio.timeout(HARD_TIMEOUT):
            findings, workload = await scenario(cluster, instances, namespace, timeline)
    except BaseException:
        print("\n".join(timeline.events + logs(cluster, instances)))
        raise
    finally:
        for instance in instances:
            instance.kill()
        cluster.stop()
    print("\n".join(timeline.events))
    check(findings, workload, REPLICAS)
    # Passed: the stores go (on failure they stay beside the logs, for a look).
    for store in [tmp_path / "nats", *(instance.data_dir for instance in instances)]:
        shutil.rmtree(store, ignore_errors=True)
