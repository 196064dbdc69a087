"""escalation's HTTP routes: interventions and their ladder, and deciding on escalations."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.domain.escalation import Status
from services.escalation.entrypoints import (
    briefing,
    interventions,
    monitoring_reports,
    plans,
    serious_steps,
)
from services.escalation.entrypoints.common import App
from services.escalation.entrypoints.views import EscalationView
from shared.http import CorrelationId, IsoDate, PageOf, ProviderId, counted, operations_router
from shared.security.actor import Actor

__all__ = ["EscalationView", "router"]

router = APIRouter(tags=["escalation"])
router.include_router(operations_router("escalation"))
for part in (interventions, plans, serious_steps, briefing, monitoring_reports):
    router.include_router(part.router)


class Decision(BaseModel):
    """When the decision was made; who decides, in which role, is the signed-in person."""

    model_config = ConfigDict(extra="forbid")

    on: IsoDate | None = None


class Approval(Decision):
    reason: Annotated[str, Field(max_length=2000)] = ""


class Rejection(Decision):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


@router.get("/providers/{provider_id}/escalations", response_model=list[EscalationView])
def provider_escalations(
    app: App, provider_id: ProviderId, response: Response, paging: PageOf
) -> list[dict[str, Any]]:
    """Escalations about a provider, proposed and decided, oldest first."""
    return counted(response, app.escalation_list(provider_id=provider_id, paging=paging))


@router.get("/escalations", response_model=list[EscalationView])
def all_escalations(
    app: App, response: Response, paging: PageOf, status: Status | None = None
) -> list[dict[str, Any]]:
    """Every provider's escalations, oldest first; `status=proposed` is the approvals queue.
    Paged with `limit` and `offset`; X-Total-Count says how many there are."""
    return counted(response, app.escalation_list(status, paging=paging))


@router.get("/escalations/{escalation_id}", response_model=EscalationView)
def get_escalation(app: App, escalation_id: UUID) -> EscalationView:
    return EscalationView.of(app.escalation(escalation_id))


@router.post("/escalations/{escalation_id}/approve", response_model=EscalationView)
def approve(
    app: App, escalation_id: UUID, body: Approval, correlation: CorrelationId, actor: Actor
) -> EscalationView:
    """A second, authorised person approves the proposed step, saying why if they wish."""
    decided = app.approve(
        escalation_id,
        actor.display,
        actor.role.value,
        correlation,
        body.on or app.clock(),
        body.reason,
    )
    return EscalationView.of(decided)


@router.post("/escalations/{escalation_id}/reject", response_model=EscalationView)
def reject(
    app: App, escalation_id: UUID, body: Rejection, correlation: CorrelationId, actor: Actor
) -> EscalationView:
    """A second, authorised person rejects the proposed step, giving the reason."""
    decided = app.reject(
        escalation_id,
        actor.display,
        actor.role.value,
        body.reason,
        correlation,
        body.on or app.clock(),
    )
    return EscalationView.of(decided)
