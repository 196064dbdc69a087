"""Routes proposing the serious steps a second, authorised person must decide on (§8)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from services.escalation.entrypoints.common import App, Command, Text
from services.escalation.entrypoints.views import EscalationView
from shared.http import CorrelationId
from shared.security.actor import Actor

router = APIRouter(tags=["escalation"])


class Suspension(Command):
    reason: Text
    contingency_plan: Text = ""


class Decommission(Command):
    reason: Text
    continuity_plan: Text = ""


class ChiefOfficer(Command):
    reason: Text


@router.post(
    "/interventions/{intervention_id}/suspension",
    status_code=status.HTTP_201_CREATED,
    response_model=EscalationView,
)
def propose_suspension(
    app: App,
    intervention_id: UUID,
    body: Suspension,
    correlation: CorrelationId,
    actor: Actor,
) -> EscalationView:
    """Proposes suspension (no new awards) with a contingency plan for the people served."""
    return EscalationView.of(
        app.propose_suspension(
            intervention_id, actor.display, body.reason, body.contingency_plan, correlation
        )
    )


@router.post(
    "/interventions/{intervention_id}/decommission",
    status_code=status.HTTP_201_CREATED,
    response_model=EscalationView,
)
def propose_decommission(
    app: App,
    intervention_id: UUID,
    body: Decommission,
    correlation: CorrelationId,
    actor: Actor,
) -> EscalationView:
    """Proposes decommission; 409 naming the missing evidence when the history lacks it."""
    return EscalationView.of(
        app.propose_decommission(
            intervention_id, actor.display, body.reason, body.continuity_plan, correlation
        )
    )


@router.post(
    "/interventions/{intervention_id}/chief-officer",
    status_code=status.HTTP_201_CREATED,
    response_model=EscalationView,
)
def propose_telling_the_chief_officer(
    app: App,
    intervention_id: UUID,
    body: ChiefOfficer,
    correlation: CorrelationId,
    actor: Actor,
) -> EscalationView:
    """Asks the Head of Strategic Planning, a General Manager or the CSWO to decide."""
    return EscalationView.of(
        app.propose_telling_the_chief_officer(
            intervention_id, actor.display, body.reason, correlation
        )
    )
