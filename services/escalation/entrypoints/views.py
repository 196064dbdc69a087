"""What escalation's HTTP routes answer with, and the UK day a command defaults to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from services.escalation.domain.breach_notice import OPTIONS_ON_FAILURE, BreachNotice
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.improvement_plan import Plan
from services.escalation.domain.intervention import Intervention
from shared.clock import uk_today  # noqa: F401 - the real UK date, for the tests that need it

UK = ZoneInfo("Europe/London")


class EscalationView(BaseModel):
    escalation_id: UUID
    provider_id: str
    intervention_id: str
    step: str
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: str
    decided_by: str | None

    @classmethod
    def of(cls, e: Escalation) -> EscalationView:
        return cls(
            escalation_id=e.id,
            proposed_at=e.created_on,
            provider_id=e.provider_id,
            intervention_id=e.intervention_id,
            step=e.step,
            reason=e.reason,
            proposed_by=e.proposed_by,
            status=e.status.value,
            decided_by=e.decided_by,
        )


class PlanView(BaseModel):
    plan_id: UUID
    intervention_id: str
    directed: bool
    status: str
    requested_on: date
    plan_due: date | None
    review_due: date
    targets_due: date
    visit_due: date
    received_on: date | None
    reviewed_on: date | None
    concluded_on: date | None
    actions: list[dict[str, Any]]
    breach_notice_id: str | None

    @classmethod
    def of(cls, plan: Plan) -> PlanView:
        return cls(
            plan_id=plan.id,
            intervention_id=plan.intervention_id,
            directed=plan.directed,
            status=plan.status.value,
            requested_on=plan.requested_on,
            plan_due=plan.plan_due,
            review_due=plan.review_due,
            targets_due=plan.targets_due,
            visit_due=plan.visit_due,
            received_on=plan.received_on,
            reviewed_on=plan.reviewed_on,
            concluded_on=plan.concluded_on,
            actions=[a.as_record() for a in plan.actions],
            breach_notice_id=getattr(plan, "breach_notice_id", None),
        )


class NoticeView(BaseModel):
    notice_id: UUID
    intervention_id: str
    deficiency: str
    action_required: str
    issued_on: date
    comply_by: date
    status: str
    options_now_open: list[str]
    regulator_notified: str | None

    @classmethod
    def of(cls, notice: BreachNotice) -> NoticeView:
        return cls(
            notice_id=notice.id,
            intervention_id=notice.intervention_id,
            deficiency=notice.deficiency,
            action_required=notice.action_required,
            issued_on=notice.issued_on,
            comply_by=notice.comply_by,
            status=notice.status.value,
            options_now_open=OPTIONS_ON_FAILURE if notice.status == "failed" else [],
            regulator_notified=notice.regulator_notified,
        )


class Pending(BaseModel):
    """A proposal on the intervention waiting for a second person's decision."""

    escalation_id: str
    step: str
    proposed_by: str | None = None


class InterventionView(BaseModel):
    intervention_id: UUID
    provider_id: str
    contract_reference: str | None
    status: str
    level: str
    performance_rating: str
    next_step: str
    reason: str
    opened_by: str | None
    concern_ids: list[str]
    engagement: str | None
    suspended_on: date | None
    waiting_for_decision: list[Pending]
    steps: list[dict[str, Any]]
    missed_deadlines: list[str]
    improvement_plans: list[PlanView]
    breach_notices: list[NoticeView]

    @classmethod
    def of(
        cls, i: Intervention, plans: list[Plan], notices: list[BreachNotice],
        waiting: list[Escalation] | None = None,
    ) -> InterventionView:
        """The intervention with its plans, notices and the proposals waiting on it (without
        `waiting`, the serious steps it holds as pending)."""
        return cls(
            intervention_id=i.id,
            provider_id=i.provider_id,
            contract_reference=i.contract_reference,
            status=i.status.value,
            level=i.level,
            performance_rating=i.rating.value,
            next_step=i.step,
            reason=i.reason,
            opened_by=i.opened_by,
            concern_ids=i.concern_ids,
            engagement=i.engagement,
            suspended_on=i.suspended_on,
            waiting_for_decision=(
                [Pending(escalation_id=k, step=v) for k, v in i.pending.items()]
                if waiting is None else
                [Pending(escalation_id=str(e.id), step=e.step, proposed_by=e.proposed_by)
                 for e in waiting]),
            steps=i.steps,
            missed_deadlines=i.noticed,
            improvement_plans=[PlanView.of(p) for p in plans],
            breach_notices=[NoticeView.of(n) for n in notices],
        )


class ProviderPlans(BaseModel):
    """What a provider is asked to do, and nothing of the council's casework: its improvement
    plans (with the actions and dates) and the breach notices issued to it. The interventions
    themselves (reasons, steps, serious steps awaiting a senior's decision) stay with the
    council (domain-rules §1: providers see their own returns and plans)."""

    improvement_plans: list[PlanView]
    breach_notices: list[NoticeView]

