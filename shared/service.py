"""What a service declares about itself, so one runner can start any of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter

from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import ServiceApplication
from shared.messaging.consumer import AfterCommit
from shared.runtime import ServiceRuntime
from shared.settings import AssureSettings


@dataclass(frozen=True)
class ServiceDefinition:
    """A service's name, application, routes, and the upstream events it acts on."""

    name: str
    application: type[ServiceApplication]
    router: APIRouter
    consumes: dict[str, tuple[type[IntegrationEvent], ...]] = field(default_factory=dict)

    def build(self, settings: AssureSettings) -> ServiceApplication:
        settings.prepare_store(self.name)
        return self.application(env=settings.eventstore_env(self.name))

    def runtime(
        self,
        app: ServiceApplication,
        settings: AssureSettings,
        nats_url: str,
        after_commit: AfterCommit | None = None,
    ) -> ServiceRuntime:
        return ServiceRuntime(app, settings, tuple(self.consumes), nats_url, after_commit)
