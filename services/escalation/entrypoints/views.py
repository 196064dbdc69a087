"""What escalation's HTTP routes answer with (the fields of each are the lists' own, from
projections.py), and the UK day a command defaults to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from services.escalation.application.projections import (
    escalation_shown,
    intervention_shown,
    notice_shown,
    plan_shown,
)
from services.escalation.domain.breach_notice import BreachNotice
from services.escalation.domain.casework import Casework
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
        return cls.model_validate(escalation_shown(e))


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
        return cls.model_validate(plan_shown(plan))


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
        return cls.model_validate(notice_shown(notice))


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
    # The casework commands the rules accept today (domain/casework.py), so a form offers only
    # what would be accepted: "improvement-plan", "breach-notice", "directed-plan",
    # "suspension", "chief-officer", "close".
    actions_now: list[str] = []

    @classmethod
    def of(
        cls, i: Intervention, plans: list[Plan], notices: list[BreachNotice],
        waiting: list[Escalation] | None = None,
    ) -> InterventionView:
        """The intervention with its plans, notices and the proposals waiting on it (without
        `waiting`, the serious steps it holds as pending)."""
        shown = intervention_shown(i, plans, notices)
        shown["actions_now"] = list(Casework(i, plans, notices).actions_now())
        if waiting is not None:
            shown["waiting_for_decision"] = [
                {"escalation_id": str(e.id), "step": e.step, "proposed_by": e.proposed_by}
                for e in waiting]
        return cls.model_validate(shown)


class ProviderPlans(BaseModel):
    """What a provider is asked to do, and nothing of the council's casework: its improvement
    plans (with the actions and dates) and the breach notices issued to it. The interventions
    themselves (reasons, steps, serious steps awaiting a senior's decision) stay with the
    council (domain-rules §1: providers see their own returns and plans)."""

    improvement_plans: list[PlanView]
    breach_notices: list[NoticeView]

