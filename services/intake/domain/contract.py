"""A contract for one service, its nominated contract manager and its monitoring level (§2-3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.intake.domain.monitoring_level import AssessedRisk, level_for
from shared.domain import InvalidInput, Refused, stable_id


class Regulator(StrEnum):
    CARE_INSPECTORATE = "care-inspectorate"
    CQC = "cqc"


class ContractEnded(Refused):
    """The contract has ended; it can no longer be changed."""


def check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise InvalidInput("the contract must end on or after its start", field="end_date")


def check_value(annual_value: Decimal) -> None:
    if annual_value < 0:
        raise InvalidInput("the annual value cannot be negative", field="annual_value")


class Contract(Aggregate):
    """What the council buys from a provider for one service, and how closely it watches it."""

    @staticmethod
    def create_id(reference: str, **_: object) -> UUID:
        return stable_id("contract", reference)

    @event("Awarded")
    def __init__(
        self,
        provider_id: str,
        reference: str,
        service_type: str,
        annual_value: Decimal,
        regulator: str | None,
        regulator_service_id: str | None,
        start_date: date,
        end_date: date | None,
        contract_manager: str,
        kpi_returns: bool,
        awarded_on: date,
        awarded_by: str,
        correlation_id: str,
    ) -> None:
        self.provider_id = provider_id
        self.awarded_on = awarded_on
        self.kpi_returns = kpi_returns
        self.reference = reference
        self.service_type = service_type
        self.annual_value = annual_value
        self.regulator = regulator
        self.regulator_service_id = regulator_service_id
        self.start_date = start_date
        self.end_date = end_date
        self.contract_manager = contract_manager
        self.assessed_risk = AssessedRisk.LOW.value
        self.level: int | None = None
        self.ended_on: date | None = None

    def recompute_level(self, why: str, correlation_id: str) -> None:
        """Places the contract at the highest level any criterion gives; records a change."""
        decision = level_for(self.annual_value, AssessedRisk(self.assessed_risk), self.regulator)
        if decision.level != self.level:
            self._level_changed(
                provider_id=self.provider_id,
                reference=self.reference,
                previous_level=self.level,
                level=decision.level,
                reason=f"{why}: " + "; ".join(decision.reasons),
                correlation_id=correlation_id,
            )

    @event("LevelChanged")
    def _level_changed(
        self,
        provider_id: str,
        reference: str,
        previous_level: int | None,
        level: int,
        reason: str,
        correlation_id: str,
    ) -> None:
        self.level = level

    def vary_value(self, annual_value: Decimal, by: str, correlation_id: str) -> None:
        self.check_live()
        check_value(annual_value)
        if annual_value == self.annual_value:
            return
        self._value_varied(
            provider_id=self.provider_id, previous_value=self.annual_value,
            annual_value=annual_value, by=by, correlation_id=correlation_id,
        )
        self.recompute_level("annual value varied", correlation_id)

    @event("ValueVaried")
    def _value_varied(
        self, provider_id: str, previous_value: Decimal, annual_value: Decimal, by: str,
        correlation_id: str,
    ) -> None:
        self.annual_value = annual_value

    def change_regulation(
        self, regulator: str | None, regulator_service_id: str | None, by: str,
        correlation_id: str,
    ) -> None:
        self.check_live()
        self._regulation_changed(
            provider_id=self.provider_id, regulator=regulator,
            regulator_service_id=regulator_service_id, by=by, correlation_id=correlation_id,
        )
        self.recompute_level("regulation changed", correlation_id)

    @event("RegulationChanged")
    def _regulation_changed(
        self, provider_id: str, regulator: str | None, regulator_service_id: str | None, by: str,
        correlation_id: str,
    ) -> None:
        self.regulator = regulator
        self.regulator_service_id = regulator_service_id

    def assess_risk(self, assessed_risk: str, source: str, correlation_id: str) -> None:
        """Takes the risk service's assessed risk into the level (a change of it only)."""
        if self.ended_on or assessed_risk == self.assessed_risk:
            return
        self._risk_assessed(
            provider_id=self.provider_id, assessed_risk=assessed_risk, source=source,
            correlation_id=correlation_id,
        )
        self.recompute_level(f"assessed risk now {assessed_risk}", correlation_id)

    @event("RiskAssessed")
    def _risk_assessed(
        self, provider_id: str, assessed_risk: str, source: str, correlation_id: str
    ) -> None:
        self.assessed_risk = assessed_risk

    def change_contract_manager(self, contract_manager: str, by: str, correlation_id: str) -> None:
        """Nominates the one contract manager; the previous nomination ends with it."""
        self.check_live()
        if contract_manager == self.contract_manager:
            return
        self._manager_changed(
            provider_id=self.provider_id, previous_manager=self.contract_manager,
            contract_manager=contract_manager, by=by, correlation_id=correlation_id,
        )

    @event("ContractManagerChanged")
    def _manager_changed(
        self, provider_id: str, previous_manager: str, contract_manager: str, by: str,
        correlation_id: str,
    ) -> None:
        self.contract_manager = contract_manager

    def end(self, ended_on: date, reason: str, by: str, correlation_id: str) -> None:
        self.check_live()
        if ended_on < self.start_date:
            raise InvalidInput("a contract cannot end before it starts", field="ended_on")
        self._ended(
            provider_id=self.provider_id, ended_on=ended_on, reason=reason, by=by,
            correlation_id=correlation_id, reference=self.reference,
        )

    @event("Ended")
    def _ended(
        self, provider_id: str, ended_on: date, reason: str, by: str, correlation_id: str,
        reference: str | None = None,  # named since the governance report's view reads it
    ) -> None:
        self.ended_on = ended_on
        self.end_date = ended_on

    def check_live(self) -> None:
        if self.ended_on is not None:
            raise ContractEnded(
                f"contract {self.reference} ended on {self.ended_on:%-d %B %Y}", field="reference"
            )

    def check_may_be_asked_for_a_return(self, today: date) -> None:
        """Only a live contract is asked for a return: not one ended, nor one past its end."""
        self.check_live()
        if self.end_date is not None and self.end_date < today:
            raise ContractEnded(
                f"contract {self.reference} ended on {self.end_date:%-d %B %Y}", field="reference"
            )

    def owes(self, due_on: date) -> bool:
        """Returns fall due from the day the contract is recorded here; earlier ones are history."""
        return due_on >= self.awarded_on

    def is_live_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)
