"""intake's link to other councils over its edge server (issue 20): NATS, not a new protocol.

Three loops, each on the edge (adapters/edge.py), connected as the `sharing` user:

- **Relay**, one per partner: publishes the partner's messages from intake's outbox (the
  sharing view), in order, as JetStream publishes that the *partner's* edge stream
  acknowledges across the leaf connection, with `Nats-Msg-Id = <us>:<position>`. Its position
  is tracked in intake's store (`share-out:<partner>`) after each acknowledgement. A partner
  that is offline answers nothing: the relay waits and tries again, so it catches up in order
  when the partner is back. A fact whose agreement stopped covering it before it went (a
  suspension, an end) is withheld, never sent; the partner's edge would refuse it anyway.
- **Consumer**, one per partner: a durable pull consumer on our `SHARED_IN` stream for what
  the partner sent (`share.<p>.<us>.>`), one message in flight, applied through
  `Intake.receive_from_partner` with tracking (`COUNCIL:<p>`, the partner's position), so a
  redelivery or a replay is recognised and changes nothing. What arrived while our Assure was
  down waits in the stream; what was sent while our edge was down is sent again by theirs.
- **Configuration**: after every commit (and every minute, for agreements that start or end
  on a date) the edge's configuration is rendered from the agreements in force and, if it
  changed, written and reloaded, so the servers refuse what no agreement allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import nats
from eventsourcing.persistence import IntegrityError, PersistenceError, Tracking
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import BadRequestError, NoStreamResponseError, NotFoundError
from pydantic import ValidationError

from services.intake.adapters.edge import (
    SHARING_USER,
    STREAM,
    EdgeServer,
    Flow,
    inbound_filter,
    stream_subjects,
)
from shared.contracts.envelope import Envelope, UnknownEventType
from shared.nats_server import JetStreamEncryption

log = logging.getLogger(__name__)
alerts = logging.getLogger("assure.alerts")

OUTBOX = "share-out:"
PAGE = 100
NOT_ACCEPTED = (NoRespondersError, NoStreamResponseError, NatsTimeout, asyncio.TimeoutError)


def tracking_name(partner: str) -> str:
    return f"COUNCIL:{partner}"


def durable_name(partner: str) -> str:
    return f"intake-from-{partner}"


def position_from(msg_id: str | None, partner: str) -> int:
    """The partner's outbox position from its Nats-Msg-Id, refusing one in another's name."""
    prefix = f"{partner}:"
    number = msg_id[len(prefix):] if msg_id and msg_id.startswith(prefix) else ""
    if not number.isdigit() or number.startswith("0"):
        raise ValueError(f"message id {msg_id!r} is not from {partner}")
    return int(number)


class CouncilLink:
    """Runs the relays, consumers and edge configuration of one council's intake."""

    def __init__(self, app: Any, edge: EdgeServer, publish_timeout: float = 5.0,
                 retry_seconds: float = 1.0, max_deliver: int = 5) -> None:
        self.app = app
        self.edge = edge
        self.setup = app.sharing_setup
        self.publish_timeout = publish_timeout
        self.retry_seconds = retry_seconds
        self.max_deliver = max_deliver
        self._nc: Any = None
        self._stopping = asyncio.Event()
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop = asyncio.get_running_loop()
        app.on_recorded(self._wake)

    def _wake(self) -> None:
        self._loop.call_soon_threadsafe(self._changed.set)

    async def start(self) -> CouncilLink:
        await asyncio.to_thread(self.edge.start, await self._flows())
        self._nc = await nats.connect(self.edge.url, user=SHARING_USER,
                                      password=self.edge.password, max_reconnect_attempts=-1,
                                      name=f"intake-sharing-{self.setup.council}")
        js = self._nc.jetstream()
        with contextlib.suppress(BadRequestError):  # exists already, as configured
            await js.add_stream(StreamConfig(name=STREAM,
                                             subjects=[stream_subjects(self.setup.council)]))
        for partner in sorted(self.setup.partners):
            await self._ensure_durable(js, partner)
            self._tasks += [asyncio.create_task(self._relay(partner), name=f"relay-{partner}"),
                            asyncio.create_task(self._consume(partner), name=f"from-{partner}")]
        self._tasks.append(asyncio.create_task(self._configure(), name="edge-configuration"))
        return self

    async def stop(self) -> None:
        self._stopping.set()
        self._changed.set()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._nc is not None:
            await self._nc.close()
        await asyncio.to_thread(self.edge.stop)

    # The edge's configuration ------------------------------------------------------------------

    async def _flows(self) -> list[Flow]:
        flows = await asyncio.to_thread(self.app.sharing_flows)
        return [Flow(partner, frozenset(sends), frozenset(receives))
                for partner, (sends, receives) in flows.items()]

    async def _configure(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 60)
            self._changed.clear()
            try:
                if await asyncio.to_thread(self.edge.apply, await self._flows()):
                    log.info("%s: edge configuration reloaded", self.setup.council)
            except Exception:  # noqa: BLE001 - tried again at the next change or minute
                log.exception("%s: the edge configuration could not be applied",
                              self.setup.council)

    # Outbound -----------------------------------------------------------------------------------

    async def _relay(self, partner: str) -> None:
        js, refused = self._nc.jetstream(), 0
        while not self._stopping.is_set():
            try:
                sent = await self._relay_page(js, partner)
                refused = 0
            except NOT_ACCEPTED as error:
                # The partner's edge is away (or not yet configured for this): said once per
                # outage, then tried again every few seconds until it takes the message.
                (log.warning if not refused else log.debug)(
                    "%s: %s's edge did not take a message (%r); trying again",
                    self.setup.council, partner, error)
                refused += 1
                await self._pause(min(self.retry_seconds * 2 ** (refused - 1), 5.0))
                continue
            except Exception:  # noqa: BLE001 - store or connection trouble: try again
                log.exception("%s: relay to %s failed", self.setup.council, partner)
                await self._pause(self.retry_seconds)
                continue
            if not sent:
                await self._pause(0.5)

    async def _relay_page(self, js: Any, partner: str) -> int:
        position = await asyncio.to_thread(self.app.position, OUTBOX + partner)
        view = await asyncio.to_thread(self.app.sharing_view)
        rows = await asyncio.to_thread(view.outbox, partner, position, PAGE)
        for row in rows:
            envelope = Envelope.model_validate_json(row["envelope"])
            if await asyncio.to_thread(self.app.deliverable, envelope):
                await js.publish(row["subject"], row["envelope"].encode(),
                                 timeout=self.publish_timeout,
                                 headers={"Nats-Msg-Id": f"{self.setup.council}:"
                                                         f"{row['position']}"})
            else:
                await asyncio.to_thread(self.app.withhold, envelope)
            await asyncio.to_thread(self._delivered, partner, int(row["position"]))
        return len(rows)

    def _delivered(self, partner: str, position: int) -> None:
        with contextlib.suppress(IntegrityError):  # another instance recorded it first
            self.app.recorder.insert_tracking(Tracking(OUTBOX + partner, position))

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # Inbound ------------------------------------------------------------------------------------

    async def _ensure_durable(self, js: Any, partner: str) -> None:
        config = ConsumerConfig(
            durable_name=durable_name(partner), ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL, max_ack_pending=1, max_deliver=-1,
            ack_wait=30, filter_subject=inbound_filter(self.setup.council, partner),
            description=f"{self.setup.council} applies what {partner} shares")
        try:
            await js.consumer_info(STREAM, durable_name(partner))
        except NotFoundError:
            await js.add_consumer(STREAM, config)

    async def _consume(self, partner: str) -> None:
        js = self._nc.jetstream()
        subscription = await js.pull_subscribe_bind(durable_name(partner), STREAM)
        while not self._stopping.is_set():
            try:
                messages = await subscription.fetch(1, timeout=1.0)
            except NatsTimeout:
                continue
            except Exception:  # noqa: BLE001 - the edge restarting, or its durable lost
                log.warning("%s: fetching from %s's messages failed; binding again",
                            self.setup.council, partner, exc_info=True)
                await self._pause(self.retry_seconds)
                subscription = await self._bound_again(js, partner, subscription)
                continue
            for msg in messages:
                await self._apply(partner, msg)

    async def _bound_again(self, js: Any, partner: str, subscription: Any) -> Any:
        """A durable lost with the edge's files is made again from the stream's start: the
        tracking records recognise everything already applied."""
        try:
            await self._ensure_durable(js, partner)
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
            return await js.pull_subscribe_bind(durable_name(partner), STREAM)
        except Exception:  # noqa: BLE001 - the edge still away: the next round tries again
            return subscription

    async def _apply(self, partner: str, msg: Any) -> None:
        attempts = msg.metadata.num_delivered
        try:
            position = position_from((msg.headers or {}).get("Nats-Msg-Id"), partner)
            envelope = Envelope.model_validate_json(msg.data)
        except (ValidationError, ValueError) as error:
            await self._park(partner, msg, repr(error), attempts, None)
            await msg.ack()
            return
        tracking = Tracking(tracking_name(partner), position)
        try:
            await asyncio.to_thread(self.app.receive_from_partner, partner, envelope, tracking)
        except PersistenceError:
            log.exception("%s: store unavailable; will retry", self.setup.council)
            await msg.nak(delay=min(0.1 * 2 ** attempts, 5.0))
            return
        except Exception as error:  # noqa: BLE001 - any failure counts as a try
            if attempts < self.max_deliver and not isinstance(error, UnknownEventType):
                log.warning("%s: applying %s's message failed: %r", self.setup.council,
                            partner, error)
                await msg.nak(delay=min(0.1 * 2 ** attempts, 5.0))
                return
            await self._park(partner, msg, repr(error), attempts, tracking)
        await msg.ack()

    async def _park(self, partner: str, msg: Any, error: str, attempts: int,
                    tracking: Tracking | None) -> None:
        alerts.error("%s: a message from %s parked after %d attempt(s): %s",
                     self.setup.council, partner, attempts, error)
        await asyncio.to_thread(
            self.app.park, upstream=f"council:{partner}",
            message_key=str(msg.metadata.sequence.stream), subject=msg.subject,
            payload=msg.data.decode("utf-8", errors="replace"), error=error,
            attempts=attempts, tracking=tracking)


async def start_council_link(app: Any, settings: Any,
                             encryption: JetStreamEncryption | None = None) -> CouncilLink:
    """The link of a council whose settings name a sharing set-up: its edge (the bundled
    server, or the council's own at `sharing_nats_url`; its JetStream files encrypted like the
    internal server's) and the loops above."""
    directory = settings.sharing_edge_dir or settings.data_dir / "edge"
    edge = EdgeServer(app.sharing_setup, directory, settings.sharing_nats_url,
                      settings.nats_sync_always, encryption)
    return await CouncilLink(app, edge, settings.publish_timeout_seconds,
                             max_deliver=settings.max_deliver).start()
