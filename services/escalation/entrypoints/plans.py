"""Routes for improvement plans (requested and directed) and breach notices."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from services.escalation.entrypoints.common import App, Command, Person, Text
from services.escalation.entrypoints.views import NoticeView, PlanView
from shared.http import CorrelationId, IsoDate
from shared.security.actor import Actor

router = APIRouter(tags=["escalation"])


class SmartAction(Command):
    """Specific (action), measurable (measure), owned (owner) and timebound (due)."""

    action: Text = ""
    owner: Text = ""
    measure: Text = ""
    due: IsoDate | None = None


class PlanRequest(Command):
    requested_on: IsoDate | None = None


class PlanReceipt(Command):
    received_on: IsoDate | None = None
    actions: list[SmartAction]


class PlanReview(Command):
    on_track: bool
    notes: Text = ""
    reviewed_on: IsoDate | None = None


class PlanOutcome(Command):
    achieved: bool
    notes: Text = ""
    on: IsoDate | None = None


class Direction(Command):
    breach_notice_id: UUID
    directed_on: IsoDate | None = None
    actions: list[SmartAction]


class NoticeTerms(Command):
    """The performance deficiency, the action required to put it right, and the timescale."""

    deficiency: Text
    action_required: Text
    comply_by: IsoDate
    issued_on: IsoDate | None = None


class NoticeMet(Command):
    on: IsoDate | None = None


class RegulatorTold(Command):
    regulator: Person
    on: IsoDate | None = None


PLANS = "/interventions/{intervention_id}/improvement-plans"
NOTICES = "/interventions/{intervention_id}/breach-notices"


@router.post(PLANS, status_code=status.HTTP_201_CREATED, response_model=PlanView)
def request_plan(
    app: App, intervention_id: UUID, body: PlanRequest, correlation: CorrelationId, actor: Actor
) -> PlanView:
    """Asks the provider for a plan, due within 10 working days."""
    return PlanView.of(
        app.request_plan(
            intervention_id, body.requested_on or app.clock(), actor.display, correlation
        )
    )


@router.post(PLANS + "/{plan_id}/received", response_model=PlanView)
def receive_plan(
    app: App,
    intervention_id: UUID,
    plan_id: UUID,
    body: PlanReceipt,
    correlation: CorrelationId,
    actor: Actor,
) -> PlanView:
    """Records the provider's plan with its SMART actions."""
    actions = [a.model_dump() for a in body.actions]
    return PlanView.of(
        app.receive_plan(
            intervention_id,
            plan_id,
            body.received_on or app.clock(),
            actions,
            actor.display,
            correlation,
        )
    )


@router.post(PLANS + "/{plan_id}/review", response_model=PlanView)
def review_plan(
    app: App,
    intervention_id: UUID,
    plan_id: UUID,
    body: PlanReview,
    correlation: CorrelationId,
    actor: Actor,
) -> PlanView:
    """The 30-day review: are the targets on track?"""
    return PlanView.of(
        app.review_plan(
            intervention_id,
            plan_id,
            body.reviewed_on or app.clock(),
            body.on_track,
            body.notes,
            actor.display,
            correlation,
        )
    )


@router.post(PLANS + "/{plan_id}/outcome", response_model=PlanView)
def conclude_plan(
    app: App,
    intervention_id: UUID,
    plan_id: UUID,
    body: PlanOutcome,
    correlation: CorrelationId,
    actor: Actor,
) -> PlanView:
    """Whether the plan's targets were met by 60 days."""
    return PlanView.of(
        app.conclude_plan(
            intervention_id,
            plan_id,
            body.achieved,
            body.on or app.clock(),
            actor.display,
            body.notes,
            correlation,
        )
    )


@router.post(
    "/interventions/{intervention_id}/directed-plans",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanView,
)
def direct_plan(
    app: App, intervention_id: UUID, body: Direction, correlation: CorrelationId, actor: Actor
) -> PlanView:
    """Directs the council's own plan against a breach notice: a further 60 days."""
    actions = [a.model_dump() for a in body.actions]
    return PlanView.of(
        app.direct_plan(
            intervention_id,
            body.breach_notice_id,
            body.directed_on or app.clock(),
            actor.display,
            actions,
            correlation,
        )
    )


@router.post(NOTICES, status_code=status.HTTP_201_CREATED, response_model=NoticeView)
def issue_notice(
    app: App, intervention_id: UUID, body: NoticeTerms, correlation: CorrelationId, actor: Actor
) -> NoticeView:
    """Issues a breach notice with its deficiency, action required and timescale."""
    return NoticeView.of(
        app.issue_notice(
            intervention_id,
            body.deficiency,
            body.action_required,
            body.comply_by,
            body.issued_on or app.clock(),
            actor.display,
            correlation,
        )
    )


@router.post(NOTICES + "/{notice_id}/met", response_model=NoticeView)
def notice_met(
    app: App,
    intervention_id: UUID,
    notice_id: UUID,
    body: NoticeMet,
    correlation: CorrelationId,
    actor: Actor,
) -> NoticeView:
    """The provider met the notice within its timescale."""
    return NoticeView.of(
        app.notice_met(
            intervention_id, notice_id, body.on or app.clock(), actor.display, correlation
        )
    )


@router.post(NOTICES + "/{notice_id}/regulator-notified", response_model=NoticeView)
def regulator_notified(
    app: App,
    intervention_id: UUID,
    notice_id: UUID,
    body: RegulatorTold,
    correlation: CorrelationId,
    actor: Actor,
) -> NoticeView:
    """Records that the regulator was told of the failed notice."""
    return NoticeView.of(
        app.regulator_notified(
            intervention_id,
            notice_id,
            body.regulator,
            body.on or app.clock(),
            actor.display,
            correlation,
        )
    )
