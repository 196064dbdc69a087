"""The outbox relay: publishes a service's committed events, in order, to its own stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError

from shared.contracts.envelope import event_id_for, wrap
from shared.eventstore import ServiceApplication
from shared.messaging.lease import Lease
from shared.messaging.topology import Topology, message_id, notification_id_from
from shared.observability import tracing

log = logging.getLogger(__name__)

OUTBOX = "outbox"  # tracking name under which the relay records its published position
WRONG_LAST_MSG_ID = {10070, 10071}
PAGE = 200
# While relaying, the published position is written once there is nothing left to publish, or
# after this long: it was a write transaction of its own after every page, that is after
# almost every commit. It is what `/health`, the metrics and a report's wait read; the relay
# itself starts again from its stream's tail (`resync`), not from it.
RECORD_EVERY_SECONDS = 1.0


class OutboxRelay:
    """Reads the notification log after the stream's tail and publishes each public event."""

    def __init__(
        self,
        app: ServiceApplication,
        js: JetStreamContext,
        topology: Topology,
        publish_timeout: float = 5.0,
    ) -> None:
        self.app = app
        self.js = js
        self.topology = topology
        self.publish_timeout = publish_timeout
        self.stream = topology.stream(app.service)
        self.position = 0  # last notification id known to be in the stream (or private)
        self.last_msg_id: str | None = None
        self._recorded = 0  # the position this relay last wrote
        self._wakeup = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        app.on_recorded(self.wake)

    def wake(self) -> None:
        self._loop.call_soon_threadsafe(self._wakeup.set)

    async def resync(self) -> None:
        """Takes the position from the stream's tail: a lost tail is re-published, not skipped.

        The expected-last id is whatever the stream holds last; the position is the newest
        message that is really ours (a foreign or forged id is stepped over, never trusted).
        """
        info = await self.js.stream_info(self.stream)
        self.position, self.last_msg_id = 0, None
        newest = await asyncio.to_thread(self.app.recorder.max_notification_id) or 0
        seq = info.state.last_seq
        while seq and seq >= info.state.first_seq:
            msg_id = await self._msg_id_at(seq)
            if seq == info.state.last_seq:
                self.last_msg_id = msg_id
            position = self._own_position(msg_id, newest)
            if position is not None:
                self.position = position
                return
            log.error(
                "%s holds a message that is not %s's (%r); stepping over it",
                self.stream,
                self.app.service,
                msg_id,
            )
            seq -= 1

    async def _msg_id_at(self, seq: int) -> str | None:
        try:
            msg = await self.js.get_msg(self.stream, seq=seq)
        except NotFoundError:
            return None
        return (msg.headers or {}).get("Nats-Msg-Id")

    def _own_position(self, msg_id: str | None, newest: int) -> int | None:
        try:
            position = notification_id_from(msg_id, self.app.service)
        except ValueError:
            return None
        return position if position <= newest else None

    async def run(self, stopping: asyncio.Event, poll_seconds: float = 0.5,
                  lease: Lease | None = None) -> None:
        """Relays until stopping; with a lease, only while this instance holds it."""
        if lease is None:
            await self._relay(stopping, poll_seconds, _always)
            return
        while not stopping.is_set():
            if not await lease.acquire():
                await _sleep(stopping, lease.renew_every)
                continue
            log.info("%s relay took the lease (%s)", self.app.service, lease.holder)
            try:
                await self._relay(stopping, poll_seconds, _renewing(lease))
            finally:
                with contextlib.suppress(Exception):
                    await lease.release()

    async def _relay(self, stopping: asyncio.Event, poll_seconds: float,
                     still_ours: Callable[[], Awaitable[bool]]) -> None:
        await self.resync()
        recorded = time.monotonic()
        try:
            while not stopping.is_set() and await still_ours():
                try:
                    published = await self.publish_pending(record=False)
                except APIError as error:
                    if error.err_code not in WRONG_LAST_MSG_ID:
                        raise
                    log.warning("%s relay out of step with its stream; resyncing", self.stream)
                    await self.resync()
                    continue
                due = not published or time.monotonic() - recorded >= RECORD_EVERY_SECONDS
                if due and self.position != self._recorded:
                    await asyncio.to_thread(self._record_position)
                    recorded = time.monotonic()
                if not published:
                    self._wakeup.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), poll_seconds)
        finally:
            if self.position != self._recorded:
                with contextlib.suppress(Exception):  # stopping, or the store away: next time
                    await asyncio.to_thread(self._record_position)

    async def publish_pending(self, record: bool = True) -> int:
        """Publishes one page of committed notifications; returns how many were handled.

        The page is pipelined: every message is sent before any acknowledgement is awaited,
        each expecting the one before it as the stream's last (`Nats-Expected-Last-Msg-Id`), so
        the server stores them in order or refuses the rest of the chain after a gap. The
        position then moves over the acknowledged prefix only: a message that failed, and
        everything after it, is published again next time (or after a resync), and JetStream
        drops any copy by its `Nats-Msg-Id`. With `record`, the new position is written
        (tracking `OUTBOX`); the relay's own loop writes it less often (RECORD_EVERY_SECONDS).
        """
        page = await asyncio.to_thread(
            self.app.recorder.select_notifications,
            start=self.position,
            limit=PAGE,
            inclusive_of_start=False,
        )
        if not page:
            return 0
        sent: list[tuple[int, str | None, asyncio.Future[Any] | None]] = []
        failure: Exception | None = None
        expected = self.last_msg_id
        try:
            for notification in page:
                message = self._message(notification)
                if message is None:  # private: nothing to publish, the position steps over it
                    sent.append((notification.id, None, None))
                    continue
                msg_id = message_id(self.app.service, notification.id)
                acked = self._send(message, msg_id, expected)
                sent.append((notification.id, msg_id, acked))
                expected = msg_id
        except Exception as error:  # noqa: BLE001 - raised after the acknowledged prefix is kept
            failure = error
        before = self.position
        try:
            await self._settle(sent)
        finally:
            if record and self.position != before:
                await asyncio.to_thread(self._record_position)
        if failure is not None:
            raise failure
        return len(page)

    def _message(self, notification: Any) -> tuple[str, bytes, dict[str, str]] | None:
        """The subject, body and trace headers of a stored notification's public event (the
        producer's span continues the trace stored with the event); None if private."""
        domain_event = self.app.mapper.to_domain_event(notification)
        contract = self.app.to_integration(domain_event)
        if contract is None:
            return None
        envelope = wrap(
            contract,
            event_id=event_id_for(domain_event.originator_id, domain_event.originator_version),
            time=domain_event.timestamp,
            correlation_id=getattr(domain_event, "correlation_id", None),
            causation_id=getattr(domain_event, "causation_id", None),
        )
        subject = self.topology.subject(contract)
        traced = tracing.publishing(self.app.service, domain_event, contract.event_type, subject)
        return subject, envelope.model_dump_json().encode(), traced

    def _send(self, message: tuple[str, bytes, dict[str, str]], msg_id: str,
              expected: str | None) -> asyncio.Future[Any]:
        """Sends one message without waiting for its acknowledgement.

        Each publish is a task of its own on the one connection: tasks start in the order they
        are made and each hands its message to the connection before it first waits, so the
        messages leave in the page's order (and were they ever not to, the expected-last chain
        would have the server refuse them, never store them out of order). nats-py's own
        `publish_async` is not used: in nats-py 2.16 its reply handler raises a refusal (such
        as 10071, wrong last message id) inside the subscription's callback instead of
        setting it on the future, which then only times out and the resync comes late.
        """
        subject, body, traced = message
        headers = {"Nats-Msg-Id": msg_id, **traced}
        if expected:
            headers["Nats-Expected-Last-Msg-Id"] = expected
        return asyncio.ensure_future(self.js.publish(
            subject, body, timeout=self.publish_timeout, stream=self.stream, headers=headers))

    async def _settle(self, sent: list[tuple[int, str | None, asyncio.Future[Any] | None]]
                      ) -> None:
        """Awaits the acknowledgements in order, moving the position over each; at the first
        that fails (refused, or none within the publish timeout) it stops and raises, the
        rest of the page left unconfirmed."""
        for index, (notification_id, msg_id, acked) in enumerate(sent):
            if acked is not None:
                try:
                    await acked  # js.publish gives up after the publish timeout itself
                except BaseException:
                    _abandon(sent[index + 1:])
                    raise
                self.last_msg_id = msg_id
            self.position = notification_id

    def _record_position(self) -> None:
        """Writes the published position (tracking `OUTBOX`) if it moved on."""
        position = self.position
        if position > self.app.position(OUTBOX):
            # Another instance's relay may have recorded it first: that is the same fact.
            with contextlib.suppress(IntegrityError):
                self.app.recorder.insert_tracking(Tracking(OUTBOX, position))
        self._recorded = position


def _abandon(sent: list[tuple[int, str | None, asyncio.Future[Any] | None]]) -> None:
    """Lets go of publishes no longer awaited: a pending one is cancelled, a finished one's
    error is read so asyncio does not warn that it was never retrieved."""
    for _, _, acked in sent:
        if acked is None:
            continue
        if not acked.done():
            acked.cancel()
        elif not acked.cancelled():
            acked.exception()


async def _always() -> bool:
    return True


def _renewing(lease: Lease) -> Callable[[], Awaitable[bool]]:
    """True while the lease is held, renewing it every `renew_every` seconds."""
    renewed = time.monotonic()

    async def still_ours() -> bool:
        nonlocal renewed
        if time.monotonic() - renewed >= lease.renew_every:
            renewed = time.monotonic()
            return await lease.renew()
        return lease.held

    return still_ours


async def _sleep(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
