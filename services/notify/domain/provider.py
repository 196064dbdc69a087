"""What notify knows about a provider to address and word messages: its name (a message names
the provider by it), its services and its contract managers."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import stable_id


class ProviderContacts(Aggregate):
    """The provider's name, the service types it delivers and each contract's nominated
    contract manager."""

    @staticmethod
    def create_id(provider_id: str, **_: object) -> UUID:
        return stable_id("notify-provider", provider_id)

    @event("Opened")
    def __init__(self, provider_id: str) -> None:
        self.provider_id = provider_id
        self.name: str | None = None  # until intake's ProviderRegistered is read
        self.service_types: dict[str, str] = {}  # contract reference -> service type
        self.contract_managers: dict[str, str] = {}  # contract reference -> manager's name

    def note_name(self, name: str) -> None:
        if name != self.name:
            self._named(name=name)

    @event("Named")
    def _named(self, name: str) -> None:
        self.name = name

    def note_contract(self, reference: str, service_type: str, contract_manager: str) -> None:
        known = (self.service_types.get(reference), self.contract_managers.get(reference))
        if known != (service_type, contract_manager):
            self._contract_noted(reference=reference, service_type=service_type,
                                 contract_manager=contract_manager)

    @event("ContractNoted")
    def _contract_noted(self, reference: str, service_type: str, contract_manager: str) -> None:
        self.service_types[reference] = service_type
        self.contract_managers[reference] = contract_manager
