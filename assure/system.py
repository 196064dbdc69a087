"""All four services in one process over one NATS: the test harness and `assure up
--one-process` (the embedded default runs each service in a process of its own, over the same
stores: assure/supervisor.py)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from assure.reporting import open_projection
from assure.reporting.feed import GovernanceFeed
from shared.eventstore import ServiceApplication
from shared.messaging.consumer import AfterCommit
from shared.nats_server import EmbeddedNats, jetstream_encryption
from shared.runtime import SERVICES, ServiceRuntime
from shared.settings import AssureSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from shared.service import ServiceDefinition

log = logging.getLogger("assure")
alerts = logging.getLogger("assure.alerts")


class System:
    """Starts NATS (unless an external one is configured), the stores and the services (each
    with what it runs beside itself: intake's link to other councils, shared/service.py)."""

    def __init__(
        self,
        settings: AssureSettings,
        services: tuple[str, ...] | None = None,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self.settings = settings
        self.services = tuple(s for s in SERVICES if services is None or s in services)
        self.after_commit = after_commit
        self.nats: EmbeddedNats | None = None
        self.apps: dict[str, ServiceApplication] = {}
        self.runtimes: list[ServiceRuntime] = []
        self.governance_feed: GovernanceFeed | None = None

    @functools.cached_property
    def definitions(self) -> list[ServiceDefinition]:
        """The services' definitions, imported when first asked for: `assure up` starts the
        service processes first, which import their own meanwhile."""
        from assure.services import ALL

        return [d for d in ALL if d.name in self.services]

    @property
    def nats_url(self) -> str:
        if self.settings.nats_url:
            return self.settings.nats_url
        assert self.nats is not None, "start() first"
        return self.nats.url

    async def start(self) -> System:
        self._start_nats()
        for definition in self.definitions:
            app = definition.build(self.settings)
            self.apps[definition.name] = app
            runtime = definition.runtime(app, self.settings, self.nats_url, self.after_commit)
            await runtime.start()
            self.runtimes.append(runtime)
        await self._start_views()
        return self

    def _start_nats(self) -> None:
        if not self.settings.nats_url:
            self.nats = EmbeddedNats(
                self.settings.data_dir / "nats", sync_always=self.settings.nats_sync_always,
                encryption=jetstream_encryption(self.settings),
            ).start()
            log.info("nats-server started at %s (data in %s)", self.nats.url, self.nats.store_dir)

    async def _start_views(self) -> None:
        """The composition root's own read model: the governance report's view, fed from the
        streams (built from zero in the background the first time, or after a new version)."""
        projection = await asyncio.to_thread(open_projection, self.settings)
        self.governance_feed = await GovernanceFeed(projection, self.settings,
                                                    self.nats_url).start()

    async def stop(self) -> None:
        if self.governance_feed is not None:
            await self.governance_feed.stop()
            self.governance_feed.view.datastore.close()
            self.governance_feed = None
        await self._stop_services()
        self.runtimes.clear()
        if self.nats:
            self.nats.stop()

    async def _stop_services(self) -> None:
        for runtime in reversed(self.runtimes):
            await runtime.stop()

    def http_app(self) -> FastAPI:
        app = self._gateway()
        app.state.governance_feed = self.governance_feed
        app.state.runtimes = self.runtimes  # for readiness and consumers' metrics
        return app

    def _gateway(self) -> FastAPI:
        # Imported here: the HTTP side (FastAPI, the console, every route) is a good part of a
        # start, and `assure up` starts the service processes before it makes it.
        from assure.gateway import create_app

        return create_app(self.apps, self.settings)


@contextlib.asynccontextmanager
async def composed(
    settings: AssureSettings,
    services: tuple[str, ...] | None = None,
    after_commit: AfterCommit | None = None,
) -> AsyncIterator[System]:
    """The system as `assure up` runs it, started and stopped: the one wiring that serves
    people (assure.serve) and the end-to-end tests (tests.support.running), so a test cannot
    pass on a system composed differently from the one people use."""
    system = await System(settings, services, after_commit).start()
    try:
        yield system
    finally:
        await system.stop()
