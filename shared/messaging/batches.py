"""Applying a fetched batch of one partition's messages: few commits, each provider in order.

A batch is decoded once and split, in order, into runs in which no provider appears twice. Each
run's messages go through the policy one by one, each under its own envelope, and commit in one
transaction with the tracking record of the run's last message: tracking is one row per
partition that only moves forward (eventsourcing 9.5's single-row tracking), so the last
position covers the run, and a message at or below the partition's position was applied before.
A run never holds a provider twice because the second message would read the provider's
aggregates as they stood before the first (nothing is committed yet) and clash with it.

A run that fails (a policy's error, an aggregate two providers share, the store) is applied
again one message at a time through `handle`. A message that cannot be finished yet stays in
hand and is tried again after a backoff, parked after `max_deliver` failed attempts (never for a
store outage), and nothing after it in the partition goes ahead meanwhile: that would move the
partition's position past it, and it would then be skipped as done. (Naking it for a later
redelivery, as the one-message consumer did, would let the next fetch bring newer messages
first, now that a batch is in flight.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eventsourcing.persistence import PersistenceError, Tracking
from nats.aio.msg import Msg

from shared.contracts.envelope import Envelope
from shared.messaging.consumer import MalformedMessage, TrackedConsumer
from shared.observability import tracing

log = logging.getLogger(__name__)
T = TypeVar("T")


class Stopping(Exception):  # noqa: N818 - a signal, not an error
    """The runtime is stopping while a message waits for another attempt."""


@dataclass(frozen=True)
class Delivery:
    """One fetched message, decoded once, and where it stands in its partition."""

    msg: Msg
    envelope: Envelope
    tracking: Tracking

    @property
    def provider(self) -> str:
        return self.envelope.subject


def runs(items: Iterable[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """Consecutive runs of `items`, in order, in none of which a key appears twice."""
    found: list[list[T]] = []
    keys: set[Hashable] = set()
    for item in items:
        if not found or key(item) in keys:
            found.append([])
            keys = set()
        found[-1].append(item)
        keys.add(key(item))
    return found


def backoff(attempts: int) -> float:
    return min(0.1 * 2 ** (attempts - 1), 5.0)


@dataclass
class BatchApplier:
    """Applies one partition's fetched batches through its consumer, exactly once, in order."""

    consumer: TrackedConsumer
    stopping: asyncio.Event
    unsettled: list[Msg] = field(default_factory=list)  # fetched, not acknowledged yet

    async def apply(self, msgs: Sequence[Msg]) -> None:
        """Applies a batch; raises `Stopping` (leaving `unsettled`) if stopped mid-retry."""
        self.unsettled = list(msgs)
        deliveries = [d for msg in msgs if (d := await self._decoded(msg))]
        if not deliveries:
            return
        app, name = self.consumer.app, self.consumer.name
        position = await self._retrying(lambda: asyncio.to_thread(app.position, name))
        for delivery in deliveries:  # applied before: a redelivery after a crash
            if delivery.tracking.notification_id <= position:
                await self._settle(delivery)
        fresh = [d for d in deliveries if d.tracking.notification_id > position]
        for run in runs(fresh, key=lambda d: d.provider):
            await self._apply_run(run)

    async def nak_unsettled(self) -> None:
        """Hands what is left back to the durable, in order, for whoever consumes it next."""
        for msg in self.unsettled:
            await msg.nak()
        self.unsettled = []

    async def _decoded(self, msg: Msg) -> Delivery | None:
        try:
            envelope, position = self.consumer.decode(msg.data, msg.headers)
        except MalformedMessage as error:
            reason, attempts = str(error), msg.metadata.num_delivered
            await self._retrying(lambda: self.consumer.park(msg, reason, attempts, None))
            await self._ack(msg)
            return None
        return Delivery(msg, envelope, Tracking(self.consumer.name, position))

    async def _apply_run(self, run: list[Delivery]) -> None:
        app = self.consumer.app
        try:
            await asyncio.to_thread(app.handle_run, [(d.envelope, d.tracking) for d in run],
                                    lambda i: self._span(run[i]))
        except Exception as error:  # noqa: BLE001 - any failure: apply them one at a time
            log.info("%s: a run of %d failed (%r); applying them one by one",
                     self.consumer.name, len(run), error)
            for delivery in run:
                await self._apply_one(delivery)
            return
        for delivery in run:
            await self._settle(delivery)

    def _span(self, delivery: Delivery) -> AbstractContextManager[Any]:
        """The message's own span in its trace (nothing when tracing is off)."""
        return tracing.consuming(self.consumer.app.service, delivery.envelope.type,
                                 delivery.msg.headers, delivery.msg.subject)

    async def _apply_one(self, delivery: Delivery) -> None:
        """Today's path for one message, until it is applied or parked."""
        # Deliveries count as tries (a process that died trying), but each gets one here at least.
        attempts = min(delivery.msg.metadata.num_delivered, self.consumer.max_deliver)
        while True:
            try:
                if await self._attempt(delivery, attempts):
                    return
            except PersistenceError:
                log.exception("%s: store unavailable; will retry", self.consumer.name)
            except Exception:  # noqa: BLE001 - the failpoint, or the ack on a lost connection
                log.exception("%s: could not finish a message; will retry", self.consumer.name)
            await self._pause(backoff(attempts))
            attempts += 1

    async def _attempt(self, delivery: Delivery, attempts: int) -> bool:
        consumer = self.consumer
        try:
            with self._span(delivery):
                await asyncio.to_thread(consumer.app.handle, delivery.envelope,
                                        delivery.tracking)
        except PersistenceError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure of the policy counts as a try
            if attempts < consumer.max_deliver:
                log.warning("%s: attempt %d failed: %r", consumer.name, attempts, error)
                return False
            await consumer.park(delivery.msg, repr(error), attempts, delivery.tracking)
        await self._finish(delivery)
        return True

    async def _settle(self, delivery: Delivery) -> None:
        """Finishes a message whose effects are committed; anything amiss goes the slow way."""
        try:
            await self._finish(delivery)
        except Exception:  # noqa: BLE001 - handle() finds it done and finishes it again
            log.exception("%s: could not finish a message; will retry", self.consumer.name)
            await self._apply_one(delivery)

    async def _finish(self, delivery: Delivery) -> None:
        if self.consumer.after_commit:
            await self.consumer.after_commit(self.consumer.name,
                                             delivery.tracking.notification_id)
        await self._ack(delivery.msg)

    async def _ack(self, msg: Msg) -> None:
        await msg.ack()  # published, not awaited: an ack lost comes back as a duplicate
        self.unsettled = [m for m in self.unsettled if m is not msg]

    async def _retrying(self, step: Callable[[], Awaitable[T]]) -> T:
        """A step that only the store's or the network's state can fail, until it succeeds."""
        attempts = 1
        while True:
            try:
                return await step()
            except Exception:  # noqa: BLE001 - the store or NATS is away: wait and retry
                log.exception("%s: store unavailable; will retry", self.consumer.name)
            await self._pause(backoff(attempts))
            attempts += 1

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return
        raise Stopping

