"""Routes for improvement plans (requested and directed) and breach notices."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from services.escalation.entrypoints.common import App, Command, Person, Text
from services.escalation.entrypoints.views import NoticeView, PlanView
from shared.http import CorrelationId, IsoDate

router = APIRouter(tags=["escalation"])


class SmartAction(Command):
    """Specific (action), measurable (measure), owned (owner) and timebound (due)."""

    action: Text = ""
    owner: Text = ""
    measure: Text = ""
    due: IsoDate | None = None


class PlanRequest(Command):
    requested_by: Person
    requested_on: IsoDate | None = None


class PlanReceipt(Command):
    received_by: Person
    received_on: IsoDate | None = None
    actions: list[SmartAction]


class PlanReview(Command):
    reviewed_by: Person
    on_track: bool
    notes: Text = ""
    reviewed_on: IsoDate | None = None


class PlanOutcome(Command):
    achieved: bool
    by: Person
    notes: Text = ""
    on: IsoDate | None = None


class Direction(Command):
    breach_notice_id: UUID
    directed_by: Person
    directed_on: IsoDate | None = None
    actions: list[SmartAction]


class NoticeTerms(Command):
    """The performance deficiency, the action required to put it right, and the timescale."""

    deficiency: Text
    action_required: Text
    comply_by: IsoDate
    issued_by: Person
    issued_on: IsoDate | None = None


class NoticeMet(Command):
    by: Person
    on: IsoDate | None = None


class RegulatorTold(Command):
    regulator: Person
    by: Person
    on: IsoDate | None = None


PLANS = "/interventions/{intervention_id}/improvement-plans"
NOTICES = "/interventions/{intervention_id}/breach-notices"


@router.post(PLANS, status_code=status.HTTP_201_CREATED, response_model=PlanView)
def request_plan(
    app: App, intervention_id: UUID, body: PlanRequest, correlation: CorrelationId
) -> PlanView:
    """Asks the provider for a plan, due within 10 working days."""
    return PlanView.of(
        app.request_plan(
            intervention_id, body.requested_on or app.clock(), body.requested_by, correlation
        )
    )


@router.post(PLANS + "/{plan_id}/received", response_model=PlanView)
def receive_plan(
    app: App, intervention_id: UUID, plan_id: UUID, body: PlanReceipt, correlation: CorrelationId
) -> PlanView:
    """Records the provider's plan with its SMART actions."""
    actions = [a.model_dump() for a in body.actions]
    return PlanView.of(
        app.receive_plan(
            intervention_id,
            plan_id,
            body.received_on or app.clock(),
            actions,
            body.received_by,
            correlation,
        )
    )


@router.post(PLANS + "/{plan_id}/review", response_model=PlanView)
def review_plan(
    app: App, intervention_id: UUID, plan_id: UUID, body: PlanReview, correlation: CorrelationId
) -> PlanView:
    """The 30-day review: are the targets on track?"""
    return PlanView.of(
        app.review_plan(
            intervention_id,
            plan_id,
            body.reviewed_on or app.clock(),
            body.on_track,
            body.notes,
            body.reviewed_by,
            correlation,
        )
    )


@router.post(PLANS + "/{plan_id}/outcome", response_model=PlanView)
def conclude_plan(
    app: App, intervention_id: UUID, plan_id: UUID, body: PlanOutcome, correlation: CorrelationId
) -> PlanView:
    """Whether the plan's targets were met by 60 days."""
    return PlanView.of(
        app.conclude_plan(
            intervention_id,
            plan_id,
            body.achieved,
            body.on or app.clock(),
            body.by,
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
    app: App, intervention_id: UUID, body: Direction, correlation: CorrelationId
) -> PlanView:
    """Directs the council's own plan against a breach notice: a further 60 days."""
    actions = [a.model_dump() for a in body.actions]
    return PlanView.of(
        app.direct_plan(
            intervention_id,
            body.breach_notice_id,
            body.directed_on or app.clock(),
            body.directed_by,
            actions,
            correlation,
        )
    )


@router.post(NOTICES, status_code=status.HTTP_201_CREATED, response_model=NoticeView)
def issue_notice(
    app: App, intervention_id: UUID, body: NoticeTerms, correlation: CorrelationId
) -> NoticeView:
    """Issues a breach notice with its deficiency, action required and timescale."""
    return NoticeView.of(
        app.issue_notice(
            intervention_id,
            body.deficiency,
            body.action_required,
            body.comply_by,
            body.issued_on or app.clock(),
            body.issued_by,
            correlation,
        )
    )


@router.post(NOTICES + "/{notice_id}/met", response_model=NoticeView)
def notice_met(
    app: App, intervention_id: UUID, notice_id: UUID, body: NoticeMet, correlation: CorrelationId
) -> NoticeView:
    """The provider met the notice within its timescale."""
    return NoticeView.of(
        app.notice_met(intervention_id, notice_id, body.on or app.clock(), body.by, correlation)
    )


@router.post(NOTICES + "/{notice_id}/regulator-notified", response_model=NoticeView)
def regulator_notified(
    app: App,
    intervention_id: UUID,
    notice_id: UUID,
    body: RegulatorTold,
    correlation: CorrelationId,
) -> NoticeView:
    """Records that the regulator was told of the failed notice."""
    return NoticeView.of(
        app.regulator_notified(
            intervention_id, notice_id, body.regulator, body.on or app.clock(), body.by, correlation
        )
    )
