"""The ceilings: the raw parts underneath Assure, measured on the same servers in the same run.

JetStream through nats-py alone (a throwaway stream on the same server, the same message as the
relay sends), and the event store through the eventsourcing recorder alone (`insert_events`,
`select_notifications`, `select_events` on a throwaway SQLite file in the same directory, or a
throwaway PostgreSQL schema in the same database), with the same stored-event size as a real
return. No mapper, no hash chain, no application: what the parts can do by themselves.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from bench.national_data import unsynced


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def quantiles(values: list[float]) -> dict[str, float]:
    """p50 and p99 (and max) of a list of milliseconds."""
    if not values:
        return {}
    if len(values) == 1:
        return {"p50": values[0], "p99": values[0], "max": values[0]}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p99": cuts[98], "max": max(values)}


@dataclass
class Ceilings:
    """Rates in operations per second, latencies in milliseconds."""

    jetstream: dict[str, Any] = field(default_factory=dict)
    store: dict[str, Any] = field(default_factory=dict)


# JetStream ------------------------------------------------------------------------------------


async def jetstream_ceilings(nc: Any, namespace: str, payload: bytes, ops: int,
                             duplicate_window: float) -> dict[str, Any]:
    """Publish awaited one at a time (as the relay does), publish pipelined, consume in batches,
    consume one at a time with one in flight (as the tracked consumers do), and the hop latency:
    publish, then fetch and ack, one message at a time."""
    js = nc.jetstream()
    stream = f"{namespace.upper()}_CEILING"
    subject = f"{namespace}.ceiling"
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{subject}.>"],
                                     storage=StorageType.FILE,
                                     duplicate_window=duplicate_window))
    try:
        found: dict[str, Any] = {"payload_bytes": len(payload), "ops": ops}
        found["publish_awaited"] = await _publish_awaited(js, subject, payload, ops)
        found["publish_pipelined"] = await _publish_pipelined(js, subject, payload, ops * 5)
        found["consume_batch"] = await _consume(js, stream, subject, "batch", 256, None,
                                                ops * 5)
        found["consume_one_in_flight"] = await _consume(js, stream, subject, "one", 1, 1, ops)
        found["hop"] = await _hop(js, stream, subject, payload, max(50, ops // 4))
        return found
    finally:
        await js.delete_stream(stream)


async def _publish_awaited(js: Any, subject: str, payload: bytes, ops: int) -> dict[str, Any]:
    latencies = []
    began = time.perf_counter()
    for i in range(ops):
        t = time.perf_counter()
        await js.publish(f"{subject}.p{i % 4}.x", payload, timeout=10,
                         headers={"Nats-Msg-Id": f"awaited:{i + 1}"})
        latencies.append((time.perf_counter() - t) * 1000)
    return {"per_second": rate(ops, time.perf_counter() - began), "ms": quantiles(latencies)}


async def _publish_pipelined(js: Any, subject: str, payload: bytes, ops: int) -> dict[str, Any]:
    began = time.perf_counter()
    pending = [await js.publish_async(f"{subject}.p{i % 4}.x", payload,
                                      headers={"Nats-Msg-Id": f"pipelined:{i + 1}"})
               for i in range(ops)]
    await asyncio.gather(*pending)
    return {"per_second": rate(ops, time.perf_counter() - began)}


async def _consume(js: Any, stream: str, subject: str, name: str, batch: int,
                   max_ack_pending: int | None, ops: int) -> dict[str, Any]:
    """Fetches `ops` messages in batches of `batch`, acking each, from the stream's start."""
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_ack_pending=max_ack_pending or
                            20_000, filter_subject=f"{subject}.>")
    sub = await js.pull_subscribe(f"{subject}.>", durable=name, stream=stream, config=config)
    got = 0
    began = time.perf_counter()
    while got < ops:
        for msg in await sub.fetch(min(batch, ops - got), timeout=10):
            await msg.ack()
            got += 1
    seconds = time.perf_counter() - began
    await sub.unsubscribe()
    return {"per_second": rate(got, seconds), "batch": batch,
            "max_ack_pending": max_ack_pending}


async def _hop(js: Any, stream: str, subject: str, payload: bytes, ops: int) -> dict[str, Any]:
    """One message at a time: publish (with its ack), then fetch it and ack it."""
    hop = f"{subject}.hop"
    sub = await js.pull_subscribe(f"{hop}.>", durable="hop", stream=stream, config=ConsumerConfig(
        ack_policy=AckPolicy.EXPLICIT, max_ack_pending=1, filter_subject=f"{hop}.>"))
    latencies = []
    for i in range(ops):
        t = time.perf_counter()
        await js.publish(f"{hop}.x", payload, timeout=10, headers={"Nats-Msg-Id": f"hop:{i}"})
        (msg,) = await sub.fetch(1, timeout=10)
        latencies.append((time.perf_counter() - t) * 1000)
        await msg.ack()
    await sub.unsubscribe()
    return {"ms": quantiles(latencies), "ops": ops}


# The event store ------------------------------------------------------------------------------


def store_ceilings(env: dict[str, str], loader_env: dict[str, str], stored: StoredEvent,
                   ops: int) -> dict[str, Any]:
    """Raw appends (one event per transaction, and 100 per transaction), the notification log
    read in pages of 1,000, and aggregates read back by id, on a throwaway recorder of the
    store; and appends without waiting for the disk on the bulk load's store (SQLite)."""
    factory = InfrastructureFactory.construct({**env, "CREATE_TABLE": "true"})
    recorder = factory.application_recorder()
    try:
        found: dict[str, Any] = {"state_bytes": len(stored.state), "ops": ops}
        found["append_one_per_transaction"] = _append_singly(recorder, stored, ops)
        found["append_100_per_transaction"] = _append_batched(recorder, stored, ops * 5)
        found["read_notification_log"] = _read_log(recorder)
        found["read_by_aggregate"] = _read_aggregates(recorder, stored, ops)
    finally:
        factory.close()
    factory = InfrastructureFactory.construct({**loader_env, "CREATE_TABLE": "true"})
    try:
        recorder = factory.application_recorder()
        unsynced(recorder)
        found["loader_append_unsynced"] = _append_singly(recorder, stored, ops)
    finally:
        factory.close()
    return found


def _events(stored: StoredEvent, count: int, aggregate: uuid.UUID | None = None
            ) -> list[StoredEvent]:
    """`count` copies of a stored event: new aggregates, or versions 1.. of one aggregate."""
    if aggregate is None:
        return [StoredEvent(originator_id=uuid.uuid4(), originator_version=1,
                            topic=stored.topic, state=stored.state) for _ in range(count)]
    return [StoredEvent(originator_id=aggregate, originator_version=v + 1, topic=stored.topic,
                        state=stored.state) for v in range(count)]


def _append_singly(recorder: Any, stored: StoredEvent, ops: int) -> dict[str, Any]:
    latencies = []
    began = time.perf_counter()
    for event in _events(stored, ops):
        t = time.perf_counter()
        recorder.insert_events([event])
        latencies.append((time.perf_counter() - t) * 1000)
    return {"per_second": rate(ops, time.perf_counter() - began), "ms": quantiles(latencies)}


def _append_batched(recorder: Any, stored: StoredEvent, ops: int) -> dict[str, Any]:
    events = _events(stored, ops)
    began = time.perf_counter()
    for i in range(0, ops, 100):
        recorder.insert_events(events[i:i + 100])
    return {"per_second": rate(ops, time.perf_counter() - began)}


def _read_log(recorder: Any) -> dict[str, Any]:
    position, count = 0, 0
    began = time.perf_counter()
    while page := recorder.select_notifications(start=position, limit=1000,
                                                inclusive_of_start=False):
        count += len(page)
        position = page[-1].id
    return {"per_second": rate(count, time.perf_counter() - began), "records": count}


def _read_aggregates(recorder: Any, stored: StoredEvent, ops: int) -> dict[str, Any]:
    """`ops` events in aggregates of 40 (a provider's profile after a few years), read back."""
    ids = [uuid.uuid4() for _ in range(max(1, ops // 40))]
    for aggregate in ids:
        recorder.insert_events(_events(stored, 40, aggregate))
    began = time.perf_counter()
    count = sum(len(recorder.select_events(aggregate)) for aggregate in ids)
    return {"per_second": rate(count, time.perf_counter() - began), "events_per_aggregate": 40}
