"""escalation's HTTP routes: a provider's escalations, and approving or rejecting them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.application import Interventions
from services.escalation.domain.escalation import Escalation
from shared.http import CorrelationId, ProviderId, application_of, operations_router

router = APIRouter(tags=["escalation"])
router.include_router(operations_router("escalation"))
App = Annotated[Interventions, Depends(application_of("escalation"))]
Person = Annotated[str, Field(min_length=1, max_length=200)]


class Decision(BaseModel):
    """Who decides, in which role. (Sign-in replaces these fields with the token's identity.)"""

    model_config = ConfigDict(extra="forbid")

    approver: Person
    role: Annotated[str, Field(min_length=1, max_length=64)]


class Rejection(Decision):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class EscalationView(BaseModel):
    escalation_id: UUID
    provider_id: str
    intervention_id: str
    step: str
    reason: str
    proposed_by: str
    status: str
    decided_by: str | None

    @classmethod
    def of(cls, e: Escalation) -> EscalationView:
        return cls(
            escalation_id=e.id,
            provider_id=e.provider_id,
            intervention_id=e.intervention_id,
            step=e.step,
            reason=e.reason,
            proposed_by=e.proposed_by,
            status=e.status.value,
            decided_by=e.decided_by,
        )


@router.get("/providers/{provider_id}/escalations", response_model=list[EscalationView])
def provider_escalations(app: App, provider_id: ProviderId) -> list[EscalationView]:
    """Escalations about a provider, proposed and decided."""
    return [EscalationView.of(e) for e in app.escalations_for(provider_id)]


@router.get("/escalations/{escalation_id}", response_model=EscalationView)
def get_escalation(app: App, escalation_id: UUID) -> EscalationView:
    return EscalationView.of(app.escalation(escalation_id))


@router.post("/escalations/{escalation_id}/approve", response_model=EscalationView)
def approve(
    app: App, escalation_id: UUID, body: Decision, correlation: CorrelationId
) -> EscalationView:
    """A second, authorised person approves the proposed step."""
    return EscalationView.of(app.approve(escalation_id, body.approver, body.role, correlation))


@router.post("/escalations/{escalation_id}/reject", response_model=EscalationView)
def reject(
    app: App, escalation_id: UUID, body: Rejection, correlation: CorrelationId
) -> EscalationView:
    """A second, authorised person rejects the proposed step, giving the reason."""
    decided = app.reject(escalation_id, body.approver, body.role, body.reason, correlation)
    return EscalationView.of(decided)
