"""What every use case of intake reads: today's date, the register, providers and contracts,
and the adapters bootstrap.py hands in."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError

from services.intake.adapters.calendar_file import OrganisationCalendar
from services.intake.adapters.evidence_store import EvidenceStore
from services.intake.application import audit
from services.intake.application.due_dates import DueDates
from services.intake.application.listings import ContractRecord, ProviderRecord
from services.intake.application.ports import IntakeAdapters
from services.intake.application.register_view import RegisterProjection, RegisterView
from services.intake.application.sharing_views import SharingIndex
from services.intake.domain.calendar import (
    ReturnDue,
    financial_year_of,
    kpi_returns_owed,
    returns_owed,
)
from services.intake.domain.clock import Clock
from services.intake.domain.contract import Contract
from services.intake.domain.monitoring_return import MonitoringReturn
from services.intake.domain.provider import Provider
from services.intake.domain.sharing_setup import SharingSetup
from shared.clock import ClockMode, uk_today
from shared.eventstore import NotFound, ServiceApplication
from shared.views.store import StoreProjection
from shared.working_days import WorkingDays


class UnknownProvider(NotFound):
    """No provider is registered with this id."""


class UnknownContract(NotFound):
    """No contract has this reference."""


class IntakeRecords(ServiceApplication):
    """Finds intake's providers, contracts and returns, and knows the council's date."""

    service = "intake"
    # Built without settings (unit tests, the benchmark), intake follows the ticks it is given.
    default_clock = ClockMode.TRAINING
    # Its lists (providers, contracts, the return log, returns owed) read the register; the
    # calendar's tick reads the due dates; sharing with other councils keeps its own.
    projections: ClassVar[tuple[type[StoreProjection[Any]], ...]] = (RegisterProjection,
                                                                     DueDates, SharingIndex)

    def __init__(self, env: dict[str, str] | None = None,
                 adapters: IntakeAdapters | None = None) -> None:
        # Set before the store opens: the sharing view reads the set-up as it catches up.
        self.adapters = adapters or IntakeAdapters.unconfigured()
        super().__init__(env)

    @property
    def evidence(self) -> EvidenceStore:
        return self.adapters.evidence

    @property
    def calendar(self) -> OrganisationCalendar:
        """The organisation's calendar (ASSURE_CALENDAR_FILE), else the documented defaults."""
        return self.adapters.calendar

    @property
    def working_days(self) -> WorkingDays:
        return self.adapters.working_days

    @property
    def sharing_setup(self) -> SharingSetup | None:
        """The council's sharing set-up (ASSURE_SHARING_FILE), or None: no sharing."""
        return self.adapters.sharing_setup

    def today(self) -> date:
        """The council's date: the real UK date, or in training mode this clock's (a stored
        date outside the sane range is not believed)."""
        if not self.clock.training:
            return uk_today()
        clock = self.find(Clock, Clock.create_id())
        return clock.today if clock and clock.sane else self.clock.start or uk_today()

    def summarise(self, aggregates: list[Any]) -> dict[str, Any]:
        return audit.summary(aggregates)

    # The register ------------------------------------------------------------------------------

    def register_view(self) -> RegisterView:
        """The register of providers, contracts and returns, caught up with every commit."""
        return self.views.get(RegisterProjection)

    def providers(self) -> list[ProviderRecord]:
        """Every registered provider, in the order they were registered."""
        return self.register_view().providers()

    def provider(self, provider_id: str) -> ProviderRecord:
        """A provider as the lists show it (get_provider loads it to change it)."""
        found = self.register_view().provider(provider_id)
        if found is None:
            raise UnknownProvider(f"no provider is registered with id {provider_id}")
        return found

    def get_provider(self, provider_id: str) -> Provider:
        provider = self.find(Provider, Provider.create_id(provider_id))
        if provider is None:
            raise UnknownProvider(f"no provider is registered with id {provider_id}")
        return provider

    def get_contract(self, reference: str) -> Contract:
        contract = self.find(Contract, Contract.create_id(reference))
        if contract is None:
            raise UnknownContract(f"no contract has the reference {reference}")
        return contract

    def contract(self, reference: str) -> ContractRecord:
        """A contract as the lists show it (get_contract loads it to change it)."""
        found = self.register_view().contract(reference)
        if found is None:
            raise UnknownContract(f"no contract has the reference {reference}")
        return found

    def contracts(self, provider_id: str | None = None) -> list[ContractRecord]:
        """Every contract (or the provider's), in the order they were awarded."""
        return self.register_view().contracts(provider_id)

    def contract_for_regulator_service(self, service_id: str) -> ContractRecord | None:
        """The contract that holds the regulator's service now, if any does."""
        return self.register_view().contract_regulated_as(service_id)

    # What a contract owes ---------------------------------------------------------------------

    def submitted_for(self, contract_reference: str, key: str,
                      register: RegisterView | None = None) -> list[MonitoringReturn]:
        """Returns submitted for one contract, form and period, first submission first (from
        `register` if given, one already caught up, else the register caught up now)."""
        register = register or self.register_view()
        return [self.repository.get(uuid.UUID(i))
                for i in register.returns_of(contract_reference, key)]

    def owed(self, contract: Contract, until: date) -> list[ReturnDue]:
        """Every return the contract owes from the year before `until` to the year after."""
        if contract.level is None:
            return []
        first = max(financial_year_of(contract.start_date), financial_year_of(until) - 1)
        owed: list[ReturnDue] = []
        for year in range(first, financial_year_of(until) + 2):
            owed += returns_owed(contract.level, contract.start_date, contract.end_date, year,
                                 self.working_days.is_working_day, self.calendar.config)
            if contract.kpi_returns:
                owed += kpi_returns_owed(contract.start_date, contract.end_date, year,
                                         self.working_days.is_working_day, self.calendar.config)
        return sorted(owed, key=lambda due: (due.due_on, due.form))

    def next_owed(self, contract: Contract, form: str | None = None) -> ReturnDue | None:
        """The next return the contract owes that nobody has sent yet."""
        today = self.today()
        return next((due for due in self.owed(contract, today)
                     if due.due_on >= today and (form is None or due.form == form)
                     and not self.submitted_for(contract.reference, due.key)), None)

    # Plumbing ----------------------------------------------------------------------------------

    def _save_new(self, aggregate: Any, retry: Any) -> tuple[Any, bool]:
        try:
            self.save(aggregate)
        except IntegrityError:
            return retry()  # a concurrent request created it first: answer as a retry would
        return aggregate, True
