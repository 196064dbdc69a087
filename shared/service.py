"""What a service declares about itself, so one runner can start any of them."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import ServiceApplication
from shared.messaging.consumer import AfterCommit
from shared.runtime import ServiceRuntime, StartCompanion
from shared.settings import AssureSettings

if TYPE_CHECKING:
    from fastapi import APIRouter


@dataclass(frozen=True)
class ServiceDefinition:
    """A service's name, application, routes, and the upstream events it acts on."""

    name: str
    application: type[ServiceApplication]
    # The module whose `router` holds the service's HTTP routes, imported when they are first
    # asked for: a service's worker process serves no HTTP, and importing the routes (FastAPI,
    # pydantic models of every request and answer) was most of its start (issue 15).
    routes: str
    consumes: dict[str, tuple[type[IntegrationEvent], ...]] = field(default_factory=dict)
    # Long-running jobs of the service (e.g. the daily schedule), run while it runs.
    background: tuple[Callable[[Any, asyncio.Event], Awaitable[None]], ...] = ()
    # What runs beside the service wherever it runs, in one process with the others or in a
    # worker of its own, whether or not background jobs do (intake's link to other councils).
    companions: tuple[StartCompanion, ...] = ()
    # Re-seals the service's files at rest under the current key (`assure key rotate`, with the
    # system stopped): how many files of each kind, e.g. {"evidence": 3}.
    reseal: Callable[[AssureSettings], dict[str, int]] | None = None
    # Makes the application from its service environment with the adapters that names (its
    # bootstrap's build_*): the application class alone when None.
    builder: Callable[[dict[str, str]], ServiceApplication] | None = None

    @property
    def router(self) -> APIRouter:
        """The service's HTTP routes."""
        router: APIRouter = importlib.import_module(self.routes).router
        return router

    def build(self, settings: AssureSettings) -> ServiceApplication:
        settings.prepare_store(self.name)
        env = settings.eventstore_env(self.name)
        return self.builder(env) if self.builder else self.application(env=env)

    def runtime(
        self,
        app: ServiceApplication,
        settings: AssureSettings,
        nats_url: str,
        after_commit: AfterCommit | None = None,
    ) -> ServiceRuntime:
        background = self.background if settings.run_background_jobs else ()
        return ServiceRuntime(
            app, settings, tuple(self.consumes), nats_url, after_commit, background,
            self.companions,
        )
