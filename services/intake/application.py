"""Intake: the front door. Providers are registered and returns submitted here."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import IntegrityError

from services.intake.domain.monitoring_return import (
    FORM_VERSION,
    LEVEL_1_FORM,
    MonitoringReturn,
    check_period,
    check_sections,
)
from services.intake.domain.provider import Provider
from shared.contracts import intake as contracts
from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import NotFound, ServiceApplication


class UnknownProvider(NotFound):
    """No provider is registered with this id."""


@dataclass(frozen=True)
class ReturnSubmission:
    """What a provider sends for one LEVEL 1 contract monitoring return."""

    period_start: date
    period_end: date
    sections: dict[str, str]
    submitted_by: str

    def digest(self) -> str:
        canonical = json.dumps(
            {
                "period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(),
                "sections": self.sections,
                "submitted_by": self.submitted_by,
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


class Intake(ServiceApplication):
    """Registers providers and records their monitoring returns."""

    service = "intake"

    def register_provider(
        self, name: str, provider_id: str | None, registered_by: str, correlation_id: str
    ) -> tuple[Provider, bool]:
        """Registers a provider; registering the same one again returns it unchanged."""
        provider_id = provider_id or uuid.uuid4().hex
        existing = self._existing(Provider, Provider.create_id(provider_id))
        if existing:
            existing.check_same_registration(name)
            return existing, False
        provider = Provider(
            provider_id=provider_id,
            name=name,
            registered_by=registered_by,
            correlation_id=correlation_id,
        )
        return self._save_new(
            provider,
            lambda: self.register_provider(name, provider_id, registered_by, correlation_id),
        )

    def get_provider(self, provider_id: str) -> Provider:
        provider = self._existing(Provider, Provider.create_id(provider_id))
        if provider is None:
            raise UnknownProvider(f"no provider is registered with id {provider_id}")
        return provider

    def submit_return(
        self,
        provider_id: str,
        submission: ReturnSubmission,
        idempotency_key: str | None,
        correlation_id: str,
    ) -> tuple[MonitoringReturn, bool]:
        """Records a return; a retry with the same idempotency key returns the first one."""
        self.get_provider(provider_id)
        check_period(submission.period_start, submission.period_end)
        check_sections(submission.sections)
        key = idempotency_key or uuid.uuid4().hex
        digest = submission.digest()
        existing = self._existing(MonitoringReturn, MonitoringReturn.create_id(provider_id, key))
        if existing:
            existing.check_same_request(digest)
            return existing, False
        monitoring_return = MonitoringReturn(
            provider_id=provider_id,
            submission_key=key,
            request_digest=digest,
            form=LEVEL_1_FORM,
            form_version=FORM_VERSION,
            period_start=submission.period_start,
            period_end=submission.period_end,
            sections=submission.sections,
            submitted_by=submission.submitted_by,
            correlation_id=correlation_id,
        )
        return self._save_new(
            monitoring_return,
            lambda: self.submit_return(provider_id, submission, key, correlation_id),
        )

    def get_return(self, return_id: uuid.UUID) -> MonitoringReturn:
        return self.get(MonitoringReturn, return_id)

    def _existing(self, kind: type, aggregate_id: uuid.UUID) -> Any:
        return self.get(kind, aggregate_id) if self.exists(aggregate_id) else None

    def _save_new(self, aggregate: Any, retry: Any) -> tuple[Any, bool]:
        try:
            self.save(aggregate)
        except IntegrityError:
            return retry()  # a concurrent request created it first: answer as a retry would
        return aggregate, True

    @singledispatchmethod
    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        return None

    @to_integration.register
    def _(self, domain_event: Provider.Registered) -> IntegrationEvent:
        return contracts.ProviderRegistered(
            provider_id=domain_event.provider_id, name=domain_event.name
        )

    @to_integration.register
    def _(self, domain_event: MonitoringReturn.Submitted) -> IntegrationEvent:
        return contracts.ReturnSubmitted(
            provider_id=domain_event.provider_id,
            return_id=str(domain_event.originator_id),
            form=domain_event.form,
            form_version=domain_event.form_version,
            period_start=domain_event.period_start,
            period_end=domain_event.period_end,
            sections=domain_event.sections,
            submitted_by=domain_event.submitted_by,
            submitted_at=domain_event.timestamp,
        )
