"""Runs one service: its store, its stream, its relay and its tracked consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import nats
from nats.aio.client import Client
from nats.js.errors import BadRequestError, ServiceUnavailableError

from shared.eventstore import ServiceApplication
from shared.messaging.clock_bucket import bucket_name as clock_bucket
from shared.messaging.consumer import (
    AfterCommit,
    TrackedConsumer,
    ensure_consumer,
    takes_filter_lists,
)
from shared.messaging.credentials import connect_options
from shared.messaging.lease import Lease, bucket_name
from shared.messaging.pulling import PartitionPuller
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import Topology, event_types_from
from shared.observability import tracing
from shared.settings import AssureSettings

log = logging.getLogger(__name__)
SERVICES = ("intake", "risk", "escalation", "notify")


class Companion(Protocol):
    """Something a service runs beside itself wherever it runs (intake's link to other
    councils), stopped before the service."""

    async def stop(self) -> None: ...


# Starts a companion for the service's application under these settings, or answers None when
# the settings do not ask for one.
StartCompanion = Callable[[Any, AssureSettings], Awaitable[Companion | None]]


class ServiceRuntime:
    """Starts and stops everything one service instance needs on NATS."""

    def __init__(
        self,
        app: ServiceApplication,
        settings: AssureSettings,
        upstreams: tuple[str, ...],
        nats_url: str,
        after_commit: AfterCommit | None = None,
        background: tuple[Callable[[Any, asyncio.Event], Awaitable[None]], ...] = (),
        companions: tuple[StartCompanion, ...] = (),
    ) -> None:
        tracing.configure(settings)  # once a process; off unless the settings ask for it
        self.app = app
        self.background = background
        self._companions_to_start = companions
        self.companions: list[Companion] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.settings = settings
        self.upstreams = upstreams
        self.nats_url = nats_url
        self.topology = Topology.from_settings(settings)
        self.consumers = tracked_consumers(app, settings, upstreams, after_commit)
        self._pullers: list[asyncio.Task[None]] = []
        self._nc: Client | None = None
        self._stopping = asyncio.Event()
        self._relay_task: asyncio.Task[None] | None = None
        self.relay: OutboxRelay | None = None

    async def start(self) -> None:
        self._nc = await nats.connect(
            self.nats_url, max_reconnect_attempts=-1, name=self.app.service,
            **connect_options(self.settings, self.app.service),
        )
        js = self._nc.jetstream()
        await ensure_stream(js, self.topology, self.app.service)
        for upstream in self.upstreams:
            # Declared so services may start in any order; only its owner changes a stream.
            with contextlib.suppress(BadRequestError):
                await js.add_stream(self.topology.stream_config(upstream))
        # The council's date: read from intake's shared clock in training mode (shared/clock.py).
        await self.app.connect_clock(js, clock_bucket(self.settings.namespace),
                                     self.settings.stream_replicas)
        self.relay = OutboxRelay(self.app, js, self.topology, self.settings.publish_timeout_seconds)
        # Several instances of a service may run; the one holding the lease relays.
        self.lease = Lease(js, bucket_name(self.settings.namespace), self.app.service,
                           ttl=self.settings.relay_lease_seconds, holder=self.settings.instance,
                           replicas=self.settings.stream_replicas)
        self._relay_task = asyncio.create_task(self._run_relay(), name=f"{self.app.service}-relay")
        await self._start_consumers()
        # Read models catch up in a thread of their own after each commit (shared/views).
        self.app.views.start()
        self._tasks = [
            asyncio.create_task(job(self.app, self._stopping)) for job in self.background
        ]
        await self._start_companions()

    async def _start_companions(self) -> None:
        """Last, once the service works: a companion may act on its application at once."""
        for start in self._companions_to_start:
            companion = await start(self.app, self.settings)
            if companion is not None:
                self.companions.append(companion)

    async def _start_consumers(self, attempts: int = 20) -> None:
        """Starts the durable consumers, waiting out a cluster that cannot place them yet (a
        node restarting answers 503, "insufficient resources", for a few seconds)."""
        assert self._nc is not None
        js, filter_lists = self._nc.jetstream(), takes_filter_lists(self._nc)
        if not filter_lists:
            log.warning("%s: nats-server %s predates subject filter lists (2.10): each consumer "
                        "takes its whole partition", self.app.service,
                        self._nc.connected_server_version)
        for attempt in range(1, attempts + 1):
            try:
                for consumer in self.consumers:
                    await ensure_consumer(js, consumer, self.topology,
                                          self.settings.ack_wait_seconds, filter_lists)
                break
            except ServiceUnavailableError:
                if attempt == attempts:
                    raise
                log.warning("%s: NATS cannot place its consumers yet; retrying", self.app.service)
                await asyncio.sleep(min(0.5 * attempt, 3.0))
        # One pull loop per partition (shared/messaging/pulling.py), stopped by `_stopping`.
        self._pullers = [
            asyncio.create_task(PartitionPuller(consumer, self._nc, self.topology, self.settings,
                                                self._stopping, filter_lists).run(),
                                name=consumer.durable)
            for consumer in self.consumers
        ]

    def relaying(self) -> bool:
        """Whether its relay loop runs (it publishes when this instance holds the lease)."""
        return self._relay_task is not None and not self._relay_task.done()

    async def _run_relay(self) -> None:
        assert self.relay is not None
        while not self._stopping.is_set():
            try:
                await self.relay.run(self._stopping, lease=self.lease)
            except Exception:  # noqa: BLE001 - NATS down or timed out: resync and go on
                log.exception("%s relay failed; restarting in 1 s", self.app.service)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), 1.0)

    async def stop(self) -> None:
        for companion in reversed(self.companions):  # first: they use the service's parts
            await companion.stop()
        self.companions.clear()
        self._stopping.set()
        if self.relay:
            self.relay.wake()  # do not sit out its poll interval
        # Each puller finishes the batch in hand, or hands it back, within about a second.
        for task in (*self._pullers, *self._tasks):
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 10)
        if self._relay_task:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._relay_task, 10)
        if self._nc:
            await self._nc.close()
        self.app.close()


def tracked_consumers(app: ServiceApplication, settings: AssureSettings,
                      upstreams: tuple[str, ...],
                      after_commit: AfterCommit | None = None) -> list[TrackedConsumer]:
    """One consumer per upstream partition, each asking only for the event types the service
    acts on (its handler table); an upstream that publishes none of them gets no consumer."""
    handled = app.handled_event_types()
    return [
        TrackedConsumer(app, upstream, k, settings.max_deliver, after_commit, types,
                        settings.consumer_batch)
        for upstream in upstreams
        if (types := event_types_from(upstream, handled))
        for k in range(settings.partitions)
    ]


async def ensure_stream(js, topology: Topology, service: str) -> None:  # noqa: ANN001
    """Creates the service's stream, or brings an existing one to the configured settings."""
    config = topology.stream_config(service)
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)
