"""A care provider organisation the council buys services from."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import Refused, stable_id


class ProviderAlreadyRegistered(Refused):
    """A provider with this id is registered under another name."""


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

    def check_same_registration(self, name: str) -> None:
        if name != self.name:
            raise ProviderAlreadyRegistered(
                f"provider {self.provider_id} is already registered as {self.name!r}",
                field="provider_id",
            )
