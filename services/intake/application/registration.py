"""Registering providers and awarding contracts, and the named changes to a contract."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.intake.application.records import IntakeRecords
from services.intake.domain.contract import Contract, check_dates, check_value
from services.intake.domain.provider import Provider
from shared.domain import InvalidInput


@dataclass(frozen=True)
class Award:
    """What an officer records when a contract is awarded."""

    provider_id: str
    reference: str
    service_type: str
    annual_value: Decimal
    regulator: str | None
    regulator_service_id: str | None
    start_date: date
    end_date: date | None
    contract_manager: str
    kpi_returns: bool = False


class Registration(IntakeRecords):
    """An officer's commands on the register of providers and contracts."""

    def register_provider(
        self, name: str, provider_id: str | None, registered_by: str, correlation_id: str
    ) -> tuple[Provider, bool]:
        """Registers a provider; registering the same one again returns it unchanged."""
        provider_id = provider_id or uuid.uuid4().hex
        existing = self.find(Provider, Provider.create_id(provider_id))
        if existing:
            existing.check_same_registration(name)
            return existing, False
        provider = Provider(
            provider_id=provider_id, name=name, registered_by=registered_by,
            correlation_id=correlation_id,
        )
        return self._save_new(provider, lambda: self.register_provider(
            name, provider_id, registered_by, correlation_id))

    def award_contract(self, award: Award, by: str, correlation_id: str) -> tuple[Contract, bool]:
        """Awards a contract and places it at its monitoring level; suspended providers get none."""
        existing = self.find(Contract, Contract.create_id(award.reference))
        if existing:
            if existing.provider_id != award.provider_id:
                raise InvalidInput(
                    f"contract {award.reference} belongs to another provider", "reference")
            return existing, False
        self.get_provider(award.provider_id).check_may_be_awarded()
        check_dates(award.start_date, award.end_date)
        check_value(award.annual_value)
        contract = Contract(
            provider_id=award.provider_id, reference=award.reference,
            service_type=award.service_type, annual_value=award.annual_value,
            regulator=award.regulator, regulator_service_id=award.regulator_service_id,
            start_date=award.start_date, end_date=award.end_date,
            contract_manager=award.contract_manager, kpi_returns=award.kpi_returns,
            awarded_on=self.today(), awarded_by=by, correlation_id=correlation_id,
        )
        contract.recompute_level("contract awarded", correlation_id)
        return self._save_new(contract, lambda: self.award_contract(award, by, correlation_id))

    def change_contract(self, reference: str, change: str, **kwargs: Any) -> Contract:
        """Applies one named change (vary_value, change_regulation, …) to a contract."""
        contract = self.get_contract(reference)
        getattr(contract, change)(**kwargs)
        self.save(contract)
        return contract
