"""Routes for the provider portal: the returns a provider owes, and its draft returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict

from services.intake.application import Intake
from services.intake.application.return_drafts import DraftAnswers, OwedReturn
from services.intake.domain.return_draft import ReturnDraft
from services.intake.entrypoints.registry import Reference
from shared.domain import InvalidInput
from shared.http import CorrelationId, ProviderId, application_of
from shared.security.actor import Actor

router = APIRouter(tags=["intake: returns owed and drafts"])
App = Annotated[Intake, Depends(application_of("intake"))]
Form = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,64}$", description="The form, e.g. cmr-level-1")]
# An ISO 8601 interval with "--" for "/", which a path cannot hold: 2026-04-01--2026-07-31.
Period = Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}--\d{4}-\d{2}-\d{2}$",
                             description="The return's period, e.g. 2026-04-01--2026-07-31")]


class DraftBody(BaseModel):
    """The answers typed so far (checked only when the return is submitted)."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any]


class DraftView(BaseModel):
    contract_reference: str
    form: str
    period_start: date
    period_end: date
    answers: dict[str, Any]
    saved_by: str
    saved_at: datetime

    @classmethod
    def of(cls, d: ReturnDraft) -> DraftView:
        return cls(contract_reference=d.contract_reference, form=d.form,
                   period_start=d.period_start, period_end=d.period_end, answers=d.answers,
                   saved_by=d.saved_by, saved_at=d.modified_on)


class OwedView(BaseModel):
    contract_reference: str
    service_type: str
    form: str
    period: str
    period_start: date
    period_end: date
    due_on: date
    status: str
    request_id: str | None
    draft_saved_at: datetime | None
    draft_saved_by: str | None

    @classmethod
    def of(cls, o: OwedReturn) -> OwedView:
        return cls(period=f"{o.period_start.isoformat()}--{o.period_end.isoformat()}",
                   **vars(o))


def _period(period: str) -> tuple[date, date]:
    start, _, end = period.partition("--")
    try:
        return date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as error:
        raise InvalidInput(f"the period {period} is not two real dates", field="period") \
            from error


@router.get("/providers/{provider_id}/returns-owed", response_model=list[OwedView])
def returns_owed(app: App, provider_id: ProviderId) -> list[OwedView]:
    """The returns the provider's contracts owe: asked for and not yet sent (overdue ones
    marked), and each contract's next return on the calendar, soonest due first."""
    return [OwedView.of(owed) for owed in app.returns_owed(provider_id)]


@router.put("/contracts/{reference}/drafts/{form}/{period}", response_model=DraftView)
def save_draft(app: App, reference: Reference, form: Form, period: Period, body: DraftBody,
               correlation: CorrelationId, actor: Actor) -> DraftView:
    """Keep a return's answers so far, to finish later. A draft is not a submission: it is not
    checked against the form, not scored, and submitting the return discards it."""
    start, end = _period(period)
    return DraftView.of(app.save_draft(
        DraftAnswers(reference, form, start, end, body.answers, actor.display), correlation))


@router.get("/contracts/{reference}/drafts/{form}/{period}", response_model=DraftView)
def get_draft(app: App, reference: Reference, form: Form, period: Period) -> DraftView:
    """The draft being written for the contract, form and period (404 if none)."""
    start, end = _period(period)
    return DraftView.of(app.get_draft(reference, form, start, end))
