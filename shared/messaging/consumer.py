"""Tracked consumers: durable pull consumers, one per upstream partition, one message in flight."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from eventsourcing.persistence import PersistenceError, Tracking
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js.api import ConsumerConfig
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

    @property
    def name(self) -> str:
        return tracking_name(self.upstream, self.partition)

    async def deliver(self, msg: NatsMessage) -> None:
        raw = msg.raw_message
        attempts = raw.metadata.num_delivered
        try:
            envelope, position = self._decode(raw.data, raw.headers)
        except MalformedMessage as error:
            await self._park(raw, str(error), attempts, tracking=None)
            await msg.ack()
            return
        tracking = Tracking(self.name, position)
        try:
            await asyncio.to_thread(self.app.handle, envelope, tracking)
        except PersistenceError:
            log.exception("%s: store unavailable; will retry", self.name)
            await msg.nack(delay=_backoff(attempts))
            return
        except Exception as error:  # noqa: BLE001 - any failure of the policy counts as a try
            if attempts < self.max_deliver:
                log.warning("%s: attempt %d failed: %r", self.name, attempts, error)
                await msg.nack(delay=_backoff(attempts))
                return
            await self._park(raw, repr(error), attempts, tracking)
        if self.after_commit:
            await self.after_commit(self.name, position)
        await msg.ack()

    def _decode(self, data: bytes, headers: dict[str, str] | None) -> tuple[Envelope, int]:
        try:
            position = notification_id_from((headers or {}).get("Nats-Msg-Id"), self.upstream)
            envelope = Envelope.model_validate_json(data)
            unwrap(envelope)
        except (ValidationError, UnknownEventType, ValueError) as error:
            raise MalformedMessage(str(error)) from error
        return envelope, position

    async def _park(self, raw, error: str, attempts: int, tracking: Tracking | None) -> None:  # noqa: ANN001
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


def _backoff(attempts: int) -> float:
    return min(0.1 * 2 ** (attempts - 1), 5.0)


def subscribe(
    broker: NatsBroker,
    consumer: TrackedConsumer,
    topology: Topology,
    ack_wait_seconds: float,
    inbox_prefix: bytes | None = None,
) -> None:
    """Registers one durable pull consumer for the partition, with one message in flight.

    `inbox_prefix` is the service's own inbox when it connects with credentials: FastStream's
    pull subscriptions do not take the connection's, and another inbox would be refused."""
    subject = topology.partition_filter(consumer.upstream, consumer.partition)
    stream = JStream(name=topology.stream(consumer.upstream), declare=False)

    async def handler(msg: NatsMessage) -> None:
        await consumer.deliver(msg)

    handler.__name__ = f"{consumer.app.service}_{consumer.name}"
    broker.subscriber(
        subject,
        stream=stream,
        durable=f"{consumer.app.service}-{consumer.upstream}-p{consumer.partition}",
        pull_sub=PullSub(batch_size=1, timeout=1.0),
        # Parking is ours: JetStream must never drop a message on its own (max_deliver -1).
        config=ConsumerConfig(max_ack_pending=1, max_deliver=-1, ack_wait=ack_wait_seconds),
        ack_policy=AckPolicy.MANUAL,
        description=f"{consumer.app.service} consumes {consumer.upstream} partition "
        f"{consumer.partition}, tracked as {consumer.name}",
        **({"inbox_prefix": inbox_prefix} if inbox_prefix else {}),
    )(handler)
