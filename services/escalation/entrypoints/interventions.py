"""Routes to open an intervention and walk its ladder: policy, engagement, steps, routes, close."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import Field

from services.escalation.application.steps import Opening
from services.escalation.domain.routes import Issue
from services.escalation.entrypoints.common import App, Command, Text, view
from services.escalation.entrypoints.views import (
    InterventionView,
    ProviderPlans,
)
from shared.http import CorrelationId, IsoDate, PageOf, ProviderId, ProviderIds, counted
from shared.security.actor import Actor

router = APIRouter(tags=["escalation"])
Summary = Annotated[str, Field(min_length=1, max_length=2000)]


class OpenIntervention(Command):
    """What the officer knows; the policy sets the level unless they choose, saying why."""

    summary: Summary
    contract_reference: str | None = None
    severity: Literal["moderate", "serious"] | None = None
    safety_at_risk: bool = False
    breach: bool = False
    engagement: str | None = None
    level: str | None = None
    step: str | None = None
    override_reason: Text = ""


class Override(Command):
    level: str
    step: str
    reason: Text


class EngagementNote(Command):
    engagement: str
    note: Text = ""
    on: IsoDate | None = None


class StepTaken(Command):
    step: str
    on: IsoDate | None = None
    notes: Text = ""
    issues_raised: list[Text] = []


class Escalate(Command):
    """The facts that decide the route of §8."""

    reason: Text
    on: IsoDate | None = None
    significant: bool = False
    recurring: bool = False
    persistent: bool = False
    safety: bool = False
    serious_practice: bool = False
    categories: list[str] = []
    cswo_appropriate: bool = False


class Close(Command):
    reason: Text
    on: IsoDate | None = None


@router.get("/providers/{provider_id}/interventions", response_model=list[InterventionView])
def provider_interventions(
    app: App, provider_id: ProviderId, response: Response, paging: PageOf
) -> list[dict[str, Any]]:
    """A provider's interventions, open and closed, oldest first."""
    return counted(response, app.intervention_list(provider_id=provider_id, paging=paging))


@router.get("/providers/{provider_id}/plans", response_model=ProviderPlans)
def provider_plans(app: App, provider_id: ProviderId) -> ProviderPlans:
    """The provider's improvement plans and breach notices, as its own users may see them."""
    interventions = app.intervention_list(provider_id=provider_id)
    return ProviderPlans(
        improvement_plans=[p for i in interventions for p in i["improvement_plans"]],
        breach_notices=[n for i in interventions for n in i["breach_notices"]],
    )


@router.get("/interventions", response_model=list[InterventionView])
def all_interventions(
    app: App, response: Response, paging: PageOf, open_only: bool = True,
    provider_id: ProviderIds = None,
) -> list[dict[str, Any]]:
    """Every provider's interventions (the open ones unless asked), oldest first, with their
    plans' and notices' deadlines: what the officers' dashboard counts down to. Paged with
    `limit` and `offset`; X-Total-Count says how many there are. With `provider_id` (repeated),
    only those providers' (a page of the dashboard's)."""
    asked = None if provider_id is None else tuple(dict.fromkeys(provider_id))
    return counted(response, app.intervention_list(open_only, paging=paging,
                                                   provider_ids=asked))


@router.post(
    "/providers/{provider_id}/interventions",
    status_code=status.HTTP_201_CREATED,
    response_model=InterventionView,
)
def open_intervention(
    app: App,
    provider_id: ProviderId,
    body: OpenIntervention,
    correlation: CorrelationId,
    actor: Actor,
) -> InterventionView:
    """Opens an intervention by the proportionality policy, or overriding it with a reason."""
    opening = Opening(provider_id=provider_id, opened_by=actor.display, **body.model_dump())
    return view(app, app.open(opening, correlation))


@router.get("/interventions/{intervention_id}", response_model=InterventionView)
def get_intervention(app: App, intervention_id: UUID) -> InterventionView:
    return view(app, app.intervention(intervention_id))


@router.post("/interventions/{intervention_id}/override", response_model=InterventionView)
def override(
    app: App, intervention_id: UUID, body: Override, correlation: CorrelationId, actor: Actor
) -> InterventionView:
    """An officer overrides the policy's level or step, recording why."""
    return view(
        app,
        app.override(
            intervention_id, body.level, body.step, body.reason, actor.display, correlation
        ),
    )


@router.post("/interventions/{intervention_id}/engagement", response_model=InterventionView)
def engagement(
    app: App,
    intervention_id: UUID,
    body: EngagementNote,
    correlation: CorrelationId,
    actor: Actor,
) -> InterventionView:
    """How the provider engages and responds: engaging, engaging but not responding, not."""
    return view(
        app,
        app.record_engagement(
            intervention_id,
            body.engagement,
            body.note,
            actor.display,
            body.on or app.clock(),
            correlation,
        ),
    )


@router.post("/interventions/{intervention_id}/steps", response_model=InterventionView)
def take_step(
    app: App, intervention_id: UUID, body: StepTaken, correlation: CorrelationId, actor: Actor
) -> InterventionView:
    """Feedback, information sharing, advice, training, reward, visits, meetings and the like."""
    return view(
        app,
        app.take_step(
            intervention_id,
            body.step,
            body.on or app.clock(),
            actor.display,
            body.notes,
            body.issues_raised,
            correlation,
        ),
    )


@router.post("/interventions/{intervention_id}/escalate", response_model=InterventionView)
def escalate(
    app: App, intervention_id: UUID, body: Escalate, correlation: CorrelationId, actor: Actor
) -> InterventionView:
    """Sends an issue up the routes of §8; the intervention records who was told."""
    issue = Issue(
        significant=body.significant,
        recurring=body.recurring,
        persistent=body.persistent,
        safety=body.safety,
        serious_practice=body.serious_practice,
        cswo_appropriate=body.cswo_appropriate,
    )
    return view(
        app,
        app.escalate_issue(
            intervention_id,
            issue,
            body.categories,
            body.reason,
            actor.display,
            body.on or app.clock(),
            correlation,
        ),
    )


@router.post("/interventions/{intervention_id}/close", response_model=InterventionView)
def close(
    app: App, intervention_id: UUID, body: Close, correlation: CorrelationId, actor: Actor
) -> InterventionView:
    """Closes an intervention with nothing left outstanding."""
    return view(
        app,
        app.close_intervention(
            intervention_id, body.reason, actor.display, body.on or app.clock(), correlation
        ),
    )
