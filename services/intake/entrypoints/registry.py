"""Routes for providers and contracts: register, award, vary, end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.intake.application import Award, Intake
from services.intake.application.listings import ContractRecord, ProviderRecord
from services.intake.domain.contract import Contract, Regulator
from shared.contracts.envelope import PROVIDER_ID_PATTERN
from shared.http import (
    CorrelationId,
    IsoDate,
    PageOf,
    ProviderId,
    ProviderIds,
    application_of,
    counted,
)
from shared.security.actor import Actor
from shared.uk import pounds
from shared.views.paging import Page
from shared.vocabulary import ServiceType

router = APIRouter(tags=["intake: providers and contracts"])
App = Annotated[Intake, Depends(application_of("intake"))]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Reference = Annotated[str, Path(pattern=r"^[A-Za-z0-9_/-]{1,64}$")]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1000000000"), decimal_places=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderRegistration(Strict):
    name: Name
    provider_id: str | None = Field(default=None, pattern=PROVIDER_ID_PATTERN)


class ContractSummary(BaseModel):
    reference: str
    service_type: str
    annual_value: Decimal
    annual_value_display: str
    regulator: str | None
    regulator_service_id: str | None
    start_date: date
    end_date: date | None
    contract_manager: str
    level: int | None
    assessed_risk: str
    kpi_returns: bool
    ended_on: date | None

    @classmethod
    def of(cls, c: Contract | ContractRecord) -> ContractSummary:
        return cls(
            reference=c.reference, service_type=c.service_type, annual_value=c.annual_value,
            annual_value_display=pounds(c.annual_value), regulator=c.regulator,
            regulator_service_id=c.regulator_service_id, start_date=c.start_date,
            end_date=c.end_date, contract_manager=c.contract_manager, level=c.level,
            assessed_risk=c.assessed_risk, kpi_returns=c.kpi_returns, ended_on=c.ended_on,
        )


class ProviderView(BaseModel):
    provider_id: str
    name: str
    suspended: bool
    contracts: list[ContractSummary]


class ContractAward(Strict):
    reference: Annotated[str, Field(pattern=r"^[A-Za-z0-9_/-]{1,64}$")]
    service_type: ServiceType
    annual_value: Money
    regulator: Regulator | None = None
    regulator_service_id: Annotated[str | None, Field(max_length=64)] = None
    start_date: IsoDate
    end_date: IsoDate | None = None
    contract_manager: Name
    kpi_returns: bool = False


class ValueVariation(Strict):
    annual_value: Money


class RegulationChange(Strict):
    regulator: Regulator | None
    regulator_service_id: Annotated[str | None, Field(max_length=64)] = None


class ManagerChange(Strict):
    contract_manager: Name


class Ending(Strict):
    ended_on: IsoDate
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


def _provider_view(app: Intake, provider_id: str) -> ProviderView:
    provider = app.provider(provider_id)
    return ProviderView(
        provider_id=provider.provider_id, name=provider.name,
        suspended=provider.suspended_by_escalation is not None,
        contracts=[ContractSummary.of(c) for c in app.contracts(provider_id)],
    )


@router.post("/providers", status_code=status.HTTP_201_CREATED, response_model=ProviderView)
def register_provider(
    app: App, body: ProviderRegistration, response: Response, correlation: CorrelationId,
    actor: Actor,
) -> ProviderView:
    """Register a care provider organisation (registering it again changes nothing)."""
    provider, created = app.register_provider(
        body.name, body.provider_id, actor.display, correlation
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _provider_view(app, provider.provider_id)


@router.get("/providers", response_model=list[ProviderView])
def list_providers(app: App, response: Response, paging: PageOf,
                   provider_id: ProviderIds = None,
                   without_contracts: Annotated[bool, Query(
                       description="Only the providers never awarded a contract (so unknown "
                                   "to risk: the dashboard's last, not scored)")] = False,
                   ) -> list[ProviderView]:
    """Every registered provider with its contracts (service type, monitoring level), by name;
    paged with `limit` and `offset` (X-Total-Count says how many providers there are), read
    from the register by its name index. With `provider_id`, only those providers."""
    if provider_id is not None:
        asked = app.register_view().providers_listed(provider_id)
        views = [_listed(*line) for line in sorted(asked, key=lambda line: line[0].name.casefold())]
        return counted(response, Page(views, len(views)))
    page = app.register_view().provider_page(paging, without_contracts)
    return counted(response, Page([_listed(*line) for line in page], page.total))


def _listed(provider: ProviderRecord, contracts: list[ContractRecord]) -> ProviderView:
    return ProviderView(provider_id=provider.provider_id, name=provider.name,
                        suspended=provider.suspended_by_escalation is not None,
                        contracts=[ContractSummary.of(c) for c in contracts])


@router.get("/providers/{provider_id}", response_model=ProviderView)
def get_provider(app: App, provider_id: ProviderId) -> ProviderView:
    """A provider with its contracts and whether it is suspended."""
    return _provider_view(app, provider_id)


@router.post(
    "/providers/{provider_id}/contracts",
    status_code=status.HTTP_201_CREATED,
    response_model=ContractSummary,
)
def award_contract(
    app: App, provider_id: ProviderId, body: ContractAward, response: Response,
    correlation: CorrelationId, actor: Actor,
) -> ContractSummary:
    """Award a contract; it is placed at its monitoring level at once. Refused if suspended."""
    award = Award(
        provider_id=provider_id, reference=body.reference, service_type=body.service_type.value,
        annual_value=body.annual_value,
        regulator=body.regulator.value if body.regulator else None,
        regulator_service_id=body.regulator_service_id, start_date=body.start_date,
        end_date=body.end_date, contract_manager=body.contract_manager,
        kpi_returns=body.kpi_returns,
    )
    contract, created = app.award_contract(award, actor.display, correlation)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ContractSummary.of(contract)


@router.get("/contracts/{reference}", response_model=ContractSummary)
def get_contract(app: App, reference: Reference) -> ContractSummary:
    return ContractSummary.of(app.contract(reference))


@router.post("/contracts/{reference}/value", response_model=ContractSummary)
def vary_value(
    app: App, reference: Reference, body: ValueVariation, correlation: CorrelationId,
    actor: Actor,
) -> ContractSummary:
    """Vary the annual value; the monitoring level is recomputed."""
    return ContractSummary.of(app.change_contract(
        reference, "vary_value", annual_value=body.annual_value, by=actor.display,
        correlation_id=correlation))


@router.post("/contracts/{reference}/regulation", response_model=ContractSummary)
def change_regulation(
    app: App, reference: Reference, body: RegulationChange, correlation: CorrelationId,
    actor: Actor,
) -> ContractSummary:
    """Record who regulates the service (or that nobody does); the level is recomputed."""
    return ContractSummary.of(app.change_contract(
        reference, "change_regulation",
        regulator=body.regulator.value if body.regulator else None,
        regulator_service_id=body.regulator_service_id, by=actor.display,
        correlation_id=correlation))


@router.post("/contracts/{reference}/contract-manager", response_model=ContractSummary)
def change_contract_manager(
    app: App, reference: Reference, body: ManagerChange, correlation: CorrelationId,
    actor: Actor,
) -> ContractSummary:
    """Nominate the contract's one contract manager."""
    return ContractSummary.of(app.change_contract(
        reference, "change_contract_manager", contract_manager=body.contract_manager,
        by=actor.display, correlation_id=correlation))


@router.post("/contracts/{reference}/end", response_model=ContractSummary)
def end_contract(
    app: App, reference: Reference, body: Ending, correlation: CorrelationId,
    actor: Actor,
) -> ContractSummary:
    """End a contract on a date, with the reason."""
    return ContractSummary.of(app.change_contract(
        reference, "end", ended_on=body.ended_on, reason=body.reason, by=actor.display,
        correlation_id=correlation))
