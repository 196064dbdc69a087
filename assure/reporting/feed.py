"""Feeds the governance view from the services' streams on JetStream.

One ephemeral pull consumer per stream reads it in order from the stream sequence after the
last one the view committed (an ordered replay, ack policy none: the view's own tracking, not
JetStream, remembers where it is), in batches; each batch is applied in one transaction with its
tracking positions: per upstream partition the producer's notification id (as the services'
tracked consumers track it, so a message applied twice is recognised and skipped) and the
stream sequence to resume from.

eventsourcing's `ProjectionRunner` follows an application's own recorder; the view is fed from
NATS, which the runner cannot read, so this module is the runner's counterpart for JetStream
and the library supplies the projection, the tracking recorders and the transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import nats
from eventsourcing.persistence import Tracking
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from assure.reporting.projection import GovernanceProjection, applied
from assure.reporting.view import NAME, VERSION, Applied
from shared.contracts.envelope import Envelope, UnknownEventType
from shared.messaging.consumer import tracking_name
from shared.messaging.credentials import READER, connect_options
from shared.messaging.relay import OUTBOX
from shared.messaging.topology import Topology, notification_id_from
from shared.settings import AssureSettings

log = logging.getLogger(__name__)
alerts = logging.getLogger("assure.alerts")

STREAMS = ("intake", "risk", "escalation", "notify")
BATCH = 500
# While following, after a batch short of BATCH the feed waits this long before fetching again,
# so what the streams receive meanwhile comes in one fetch and one transaction: a return's two
# dozen messages otherwise came a fetch and a commit each, in `assure up`'s HTTP process (issue
# 16). A report asked for meanwhile waits for them (`settled`).
GATHER_SECONDS = 0.25
Progress = Callable[[int, int], None]  # messages read, messages to read


@dataclass
class StreamState:
    """How far the view has read one stream (in memory; the view's tracking is the truth)."""

    applied: int = 0
    advanced: asyncio.Event = field(default_factory=asyncio.Event)


class GovernanceFeed:
    """Keeps the view up to date while the system runs; rebuilds it from zero on request."""

    def __init__(self, projection: GovernanceProjection, settings: AssureSettings,
                 nats_url: str, batch: int = BATCH) -> None:
        self.projection = projection
        self.topology = Topology.from_settings(settings)
        self.settings = settings
        self.nats_url = nats_url
        self.batch = batch
        self.streams = {service: StreamState() for service in STREAMS}
        self._nc: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._rebuilding: asyncio.Task[None] | None = None
        self._retiring: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Future[Any]] = set()

    @property
    def view(self) -> Any:
        return self.projection.view

    async def connect(self) -> Any:
        if self._nc is None:
            self._nc = await nats.connect(self.nats_url, max_reconnect_attempts=-1,
                                          name="assure-reporting",
                                          **connect_options(self.settings, READER))
        return self._nc.jetstream()

    async def start(self) -> GovernanceFeed:
        """Follows the streams from where the view is: from zero the first time, or when its
        definition's version changed; an older version's tables go once this one caught up."""
        await self.connect()
        self._stopping.clear()
        self._start_following()
        self._retiring = asyncio.create_task(self._retire_older_versions())
        return self

    def _start_following(self) -> None:
        self._tasks = [asyncio.create_task(self._follow(s), name=f"governance-view-{s}")
                       for s in STREAMS]

    async def _stop_following(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _retire_older_versions(self) -> None:
        # Ends on `_stopping` as well as on cancellation: Python 3.11's asyncio.wait_for can
        # swallow a cancellation that arrives as its wait ends, and this loop must still end
        # (it kept a test's system from stopping, for ever).
        while not await self.caught_up(5.0):
            if self._stopping.is_set():
                return
        if self._stopping.is_set():
            return
        dropped = await self._in_thread(self.view.retire_older_versions)
        if dropped:
            log.info("governance view %s caught up; dropped %s", NAME, ", ".join(dropped))

    async def stop(self) -> None:
        self._stopping.set()
        for task in (self._rebuilding, self._retiring):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._stop_following()
        # A cancelled task leaves its worker thread running on the view's database: wait for
        # it, or closing the database under it crashes the interpreter (sqlite3 in C).
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._nc is not None:
            await self._nc.close()
            self._nc = None

    async def _in_thread(self, work: Callable[..., Any], *args: Any) -> Any:
        """Runs blocking work on the view in a worker thread, kept track of until it ends
        (the task awaiting it may be cancelled; the thread goes on regardless)."""
        running = asyncio.ensure_future(asyncio.to_thread(work, *args))
        self._in_flight.add(running)
        running.add_done_callback(self._in_flight.discard)
        return await asyncio.shield(running)

    # Following the streams ----------------------------------------------------------------------

    def stream_name(self, service: str) -> str:
        """The tracking name under which the view keeps its place in a stream."""
        return f"{NAME}/{self.topology.stream(service)}"

    async def _follow(self, service: str) -> None:
        while not self._stopping.is_set():
            try:
                await self._read(service, until=None)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - NATS or the store away: start again from the view
                log.exception("the governance view stopped reading %s; again in 1 s", service)
                await asyncio.sleep(1.0)

    async def _read(self, service: str, until: int | None,
                    progress: Progress | None = None) -> None:
        """Applies the stream from the view's position, until `until` (or for ever)."""
        js = await self.connect()
        state = self.streams[service]
        state.applied = await self._in_thread(self._position, service)
        if until is not None and state.applied >= until:
            return
        subscription = await js.pull_subscribe(
            self.topology.stream_subjects(service), stream=self.topology.stream(service),
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=state.applied + 1,
                ack_policy=AckPolicy.NONE, inactive_threshold=30.0, mem_storage=True))
        try:
            while not self._stopping.is_set() and (until is None or state.applied < until):
                try:
                    messages = await subscription.fetch(self.batch, timeout=1.0)
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                await self._apply(service, messages)
                if progress:
                    progress(len(messages), 0)
                if until is None and len(messages) < self.batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), GATHER_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    def _position(self, service: str) -> int:
        return self.view.max_tracking_id(self.stream_name(service)) or 0

    async def _apply(self, service: str, messages: list[Any]) -> None:
        if not messages:  # a fetch may end with nothing (older servers answer so at a timeout)
            return
        batch = [found for m in messages if (found := self._applied(service, m)) is not None]
        last = messages[-1].metadata.sequence.stream
        await self._in_thread(self.projection.process_batch, batch,
                                self.stream_name(service), last)
        state = self.streams[service]
        state.applied = last
        state.advanced.set()
        state.advanced = asyncio.Event()

    def _applied(self, service: str, message: Any) -> Applied | None:
        try:
            position = notification_id_from((message.headers or {}).get("Nats-Msg-Id"), service)
            partition = int(message.subject.split(".")[-3].removeprefix("p"))
            envelope = Envelope.model_validate_json(message.data)
            return applied(envelope, Tracking(
                f"{NAME}/{tracking_name(service, partition)}", position))
        except (ValidationError, UnknownEventType, ValueError) as error:
            # The services park such a message; the view cannot, so it says so and moves on.
            alerts.error("the governance view skipped message %s of %s: %s",
                         message.metadata.sequence.stream, service, error)
            return None

    # Waiting for the view, and rebuilding it ----------------------------------------------------

    async def tails(self) -> dict[str, int]:
        """Each stream's last sequence now."""
        js = await self.connect()
        found = {}
        for service in STREAMS:
            try:
                info = await js.stream_info(self.topology.stream(service))
                found[service] = info.state.last_seq
            except NotFoundError:
                found[service] = 0
        return found

    async def caught_up(self, timeout: float) -> bool:
        """Waits until the view has applied every message in the streams now; False if it
        has not within `timeout`."""
        deadline = time.monotonic() + timeout
        for service, tail in (await self.tails()).items():
            state = self.streams[service]
            while state.applied < tail:
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(state.advanced.wait(), left)
        return True

    def rebuild_in_background(self) -> bool:
        """Empties the view and reads every stream again while the system runs (`assure views
        rebuild`); False if a rebuild is under way already."""
        if self._rebuilding is not None and not self._rebuilding.done():
            return False
        self._rebuilding = asyncio.create_task(self._rebuild_live())
        return True

    async def _rebuild_live(self) -> None:
        await self._stop_following()
        await self._in_thread(self.view.clear)
        for state in self.streams.values():
            state.applied = 0
        log.info("governance view %s: rebuilding from the streams", NAME)
        self._start_following()

    async def status(self) -> dict[str, Any]:
        """How far the view has read each stream, for `GET /views` and the progress bar."""
        tails = await self.tails()
        streams = {s: {"read": self.streams[s].applied, "last": tails[s]} for s in STREAMS}
        return {
            "view": "governance", "name": NAME, "version": VERSION,
            "streams": streams, "read": sum(min(v["read"], v["last"]) for v in streams.values()),
            "total": sum(tails.values()),
            "caught_up": all(v["read"] >= v["last"] for v in streams.values()),
            "rebuilding": self._rebuilding is not None and not self._rebuilding.done(),
        }

    async def rebuild(self, progress: Progress | None = None) -> int:
        """Empties the view and applies every stream again from its first message; returns how
        many messages were read. Killed halfway, the view and its positions are still in step,
        and reading resumes where the last batch committed."""
        await self._in_thread(self.view.clear)
        return await self.replay(progress)

    async def replay(self, progress: Progress | None = None) -> int:
        """Applies every stream up to its tail now, from where the view is."""
        tails = await self.tails()
        behind = {s: tails[s] - await self._in_thread(self._position, s) for s in STREAMS}
        if progress:
            progress(0, sum(max(n, 0) for n in behind.values()))
        for service in STREAMS:
            await self._read(service, until=tails[service], progress=progress)
        return sum(max(n, 0) for n in behind.values())


async def settled(apps: Mapping[str, Any], feed: GovernanceFeed, timeout: float) -> bool:
    """Waits until what the services here have recorded is published and in the view: a
    report asked for just after a change shows it. False if that took longer than `timeout`."""
    deadline = time.monotonic() + timeout
    targets = {name: app.recorder.max_notification_id() or 0 for name, app in apps.items()}
    for name, target in targets.items():
        while apps[name].position(OUTBOX) < target:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
    return await feed.caught_up(max(deadline - time.monotonic(), 0.0))
