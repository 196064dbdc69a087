"""Tracked consumers: durable pull consumers, one per upstream partition, fetched in batches.

How a fetched batch is applied is shared/messaging/batches.py; how it is fetched (one instance per
partition at a time), shared/messaging/pulling.py.

Each asks NATS only for the event types its service acts on (JetStream `filter_subjects`, one
subject per type, nats-server 2.10 and later), so a service is sent nothing it would only track
and ignore. Tracking stays per upstream partition: the producer's notification ids a consumer
sees still increase strictly, with gaps where the types it does not ask for were, and nothing
here or in the store assumes they are contiguous.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from eventsourcing.persistence import Tracking
from nats.js.api import AckPolicy as NatsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from shared.contracts.envelope import Envelope, UnknownEventType, unwrap
from shared.eventstore import ServiceApplication
from shared.messaging.topology import Topology, notification_id_from

log = logging.getLogger(__name__)
alerts = logging.getLogger("assure.alerts")

# Failpoint for fault tests: called after a message's effects commit and before its ack.
AfterCommit = Callable[[str, int], Awaitable[None]]


class MalformedMessage(ValueError):
    """A message that can never be applied: not an envelope, unknown type, or a forged id."""


def tracking_name(upstream: str, partition: int) -> str:
    return f"{upstream.upper()}#p{partition}"


@dataclass
class TrackedConsumer:
    """Applies one upstream partition's messages through the application, exactly once."""

    app: ServiceApplication
    upstream: str
    partition: int
    max_deliver: int
    after_commit: AfterCommit | None = None
    event_types: tuple[str, ...] = ()  # what it asks NATS for; empty: the whole partition
    batch: int = 1  # messages fetched at once, and in flight (`max_ack_pending`)

    @property
    def name(self) -> str:
        return tracking_name(self.upstream, self.partition)

    @property
    def durable(self) -> str:
        return f"{self.app.service}-{self.upstream}-p{self.partition}"

    def decode(self, data: bytes, headers: dict[str, str] | None) -> tuple[Envelope, int]:
        try:
            position = notification_id_from((headers or {}).get("Nats-Msg-Id"), self.upstream)
            envelope = Envelope.model_validate_json(data)
            unwrap(envelope)
        except (ValidationError, UnknownEventType, ValueError) as error:
            raise MalformedMessage(str(error)) from error
        return envelope, position

    async def park(self, raw, error: str, attempts: int, tracking: Tracking | None) -> None:  # noqa: ANN001
        alerts.error(
            "%s: message parked as a dead letter after %d attempt(s): %s",
            self.name,
            attempts,
            error,
        )
        await asyncio.to_thread(
            self.app.park,
            upstream=self.upstream,
            message_key=f"{raw.metadata.sequence.stream}",
            subject=raw.subject,
            payload=raw.data.decode("utf-8", errors="replace"),
            error=error,
            attempts=attempts,
            tracking=tracking,
        )


# What ensure_consumer brings an existing durable to; the server refuses to change the rest.
UPDATABLE = ("description", "ack_wait", "max_deliver", "max_ack_pending", "filter_subject",
             "filter_subjects")


def consumer_config(
    consumer: TrackedConsumer, topology: Topology, ack_wait_seconds: float,
    multiple_filters: bool = True,
) -> ConsumerConfig:
    """The durable's settings: a batch in flight, never dropped, only the types it handles.

    A server older than 2.10 ignores `filter_subjects` (and would then send every partition to
    every durable), so there it keeps the partition's single filter, as before."""
    partition = topology.partition_filter(consumer.upstream, consumer.partition)
    filters = topology.event_filters(consumer.upstream, consumer.partition, consumer.event_types)
    return ConsumerConfig(
        name=consumer.durable, durable_name=consumer.durable,
        description=f"{consumer.app.service} consumes {consumer.upstream} partition "
        f"{consumer.partition}, tracked as {consumer.name}",
        ack_policy=NatsAckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
        # Parking is ours: JetStream must never drop a message on its own (max_deliver -1).
        max_ack_pending=consumer.batch, max_deliver=-1, ack_wait=ack_wait_seconds,
        **({"filter_subjects": filters} if multiple_filters and filters
           else {"filter_subject": partition}),
    )


async def ensure_consumer(
    js, consumer: TrackedConsumer, topology: Topology, ack_wait_seconds: float,  # noqa: ANN001
    multiple_filters: bool,
) -> None:
    """Creates the durable, or brings one made by an earlier version to these settings in place.

    The server keeps the durable's position (its ack floor) across the update, so a consumer
    that used to take the whole partition goes on from where it was and skips nothing; a message
    it had in flight comes back after `ack_wait`. What the server will not change on a durable
    (where it starts: a durable placed at a stream's end, as bench.national does) is kept as it
    is. Done before FastStream binds to it, because FastStream (nats-py's pull_subscribe) only
    creates a durable, never updates one.
    `multiple_filters`: whether the server takes `filter_subjects` (see `takes_filter_lists`)."""
    stream = topology.stream(consumer.upstream)
    wanted = consumer_config(consumer, topology, ack_wait_seconds, multiple_filters)
    try:
        existing = (await js.consumer_info(stream, consumer.durable)).config
    except NotFoundError:
        await js.add_consumer(stream, wanted)
        return
    updated = replace(existing, **{field: getattr(wanted, field) for field in UPDATABLE})
    if updated != existing:
        await js.add_consumer(stream, updated)


def takes_filter_lists(nc) -> bool:  # noqa: ANN001
    """Whether the connected nats-server understands `filter_subjects` (2.10 and later)."""
    version = nc.connected_server_version
    return (version.major, version.minor) >= (2, 10)
