"""intake's HTTP routes: register providers, submit and read returns."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.intake.application import Intake, ReturnSubmission
from services.intake.domain.monitoring_return import MonitoringReturn
from shared.contracts.envelope import PROVIDER_ID_PATTERN
from shared.contracts.intake import Rating
from shared.http import CorrelationId, ProviderId, application_of, operations_router

router = APIRouter(tags=["intake"])
router.include_router(operations_router("intake"))
App = Annotated[Intake, Depends(application_of("intake"))]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class ProviderRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    provider_id: str | None = Field(default=None, pattern=PROVIDER_ID_PATTERN)
    registered_by: Name


class ProviderView(BaseModel):
    provider_id: str
    name: str


class Level1Sections(BaseModel):
    """Risk ratings of the five sections of a LEVEL 1 return (004 §10.1.1)."""

    model_config = ConfigDict(extra="forbid")

    leadership_and_management: Rating
    sustainability: Rating
    finance: Rating
    safety_and_quality: Rating
    outcomes: Rating


class ReturnForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start: date
    period_end: date
    sections: Level1Sections
    submitted_by: Name

    @model_validator(mode="after")
    def _period_runs_forwards(self) -> ReturnForm:
        if self.period_end < self.period_start:
            raise ValueError("period_end must be on or after period_start")
        return self


class ReturnView(BaseModel):
    return_id: UUID
    provider_id: str
    form: str
    form_version: int
    period_start: date
    period_end: date
    sections: dict[str, Rating]
    submitted_by: str
    submitted_at: str

    @classmethod
    def of(cls, r: MonitoringReturn) -> ReturnView:
        return cls(
            return_id=r.id,
            provider_id=r.provider_id,
            form=r.form,
            form_version=r.form_version,
            period_start=r.period_start,
            period_end=r.period_end,
            sections=r.sections,
            submitted_by=r.submitted_by,
            submitted_at=r.created_on.isoformat(),
        )


@router.post("/providers", status_code=status.HTTP_201_CREATED, response_model=ProviderView)
def register_provider(
    app: App, body: ProviderRegistration, response: Response, correlation: CorrelationId
) -> ProviderView:
    """Register a care provider organisation (registering it again changes nothing)."""
    provider, created = app.register_provider(
        body.name, body.provider_id, body.registered_by, correlation
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return ProviderView(provider_id=provider.provider_id, name=provider.name)


@router.get("/providers/{provider_id}", response_model=ProviderView)
def get_provider(app: App, provider_id: ProviderId) -> ProviderView:
    provider = app.get_provider(provider_id)
    return ProviderView(provider_id=provider.provider_id, name=provider.name)


@router.post(
    "/providers/{provider_id}/returns",
    status_code=status.HTTP_201_CREATED,
    response_model=ReturnView,
)
def submit_return(
    app: App,
    provider_id: ProviderId,
    body: ReturnForm,
    response: Response,
    correlation: CorrelationId,
    idempotency_key: Annotated[
        str | None, Header(min_length=1, max_length=200, description="Retry-safe submission key")
    ] = None,
) -> ReturnView:
    """Submit a LEVEL 1 contract monitoring return; a retry with the same key returns the first."""
    submission = ReturnSubmission(
        period_start=body.period_start,
        period_end=body.period_end,
        sections={name: rating.value for name, rating in body.sections.model_dump().items()},
        submitted_by=body.submitted_by,
    )
    monitoring_return, created = app.submit_return(
        provider_id, submission, idempotency_key, correlation
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return ReturnView.of(monitoring_return)


@router.get("/returns/{return_id}", response_model=ReturnView)
def get_return(app: App, return_id: UUID) -> ReturnView:
    return ReturnView.of(app.get_return(return_id))
