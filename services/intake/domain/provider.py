"""A care provider organisation the council buys services from."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import Refused, stable_id


class ProviderAlreadyRegistered(Refused):
    """A provider with this id is registered under another name."""


class ProviderSuspended(Refused):
    """A suspended provider is awarded no new contracts or placements (003 suspension)."""


class Provider(Aggregate):
    """The provider as the council knows it."""

    @staticmethod
    def create_id(provider_id: str, **_: object) -> UUID:
        return stable_id("provider", provider_id)

    @event("Registered")
    def __init__(
        self, provider_id: str, name: str, registered_by: str, correlation_id: str
    ) -> None:
        self.provider_id = provider_id
        self.name = name
        self.registered_by = registered_by
        self.suspended_by_escalation: str | None = None

    def check_same_registration(self, name: str) -> None:
        if name != self.name:
            raise ProviderAlreadyRegistered(
                f"provider {self.provider_id} is already registered as {self.name!r}",
                field="provider_id",
            )

    def suspend(self, escalation_id: str, correlation_id: str) -> None:
        """Records an approved suspension, once."""
        if self.suspended_by_escalation is None:
            self._suspended(
                provider_id=self.provider_id,
                escalation_id=escalation_id,
                correlation_id=correlation_id,
            )

    @event("Suspended")
    def _suspended(self, provider_id: str, escalation_id: str, correlation_id: str) -> None:
        self.suspended_by_escalation = escalation_id

    def check_may_be_awarded(self) -> None:
        if self.suspended_by_escalation:
            raise ProviderSuspended(
                f"{self.name} is suspended (approved escalation {self.suspended_by_escalation}): "
                "no new contracts can be awarded while the suspension stands",
                field="provider_id",
            )
