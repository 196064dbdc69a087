"""A provider's timeline and briefing, read from escalation's own stored events (000)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.escalation.application.records import InterventionRecords
from services.escalation.application.serious_steps import proposals_waiting
from services.escalation.domain.breach_notice import BreachNotice
from services.escalation.domain.improvement_plan import Plan
from services.escalation.domain.intervention import Intervention
from services.escalation.domain.timeline import Standing, Timeline, briefing_text, timeline_of
from shared.uk import long_date


@dataclass(frozen=True)
class Briefing:
    provider_id: str
    as_of: date
    standings: list[Standing]
    timeline: Timeline
    text: str


class Briefings(InterventionRecords):
    """Timelines and briefings, producible at any point."""

    def timeline(self, provider_id: str) -> Timeline:
        """Starts when concerns became significant and persistent; current with every event."""
        return timeline_of(self.history(provider_id))

    def briefing(self, provider_id: str, as_of: date) -> Briefing:
        """For service managers, commissioners and heads of service."""
        standings = [self._standing(i) for i in self.interventions_for(provider_id)]
        timeline = self.timeline(provider_id)
        return Briefing(
            provider_id,
            as_of,
            standings,
            timeline,
            briefing_text(provider_id, as_of, standings, timeline),
        )

    def _standing(self, intervention: Intervention) -> Standing:
        plans = self.plans_of(intervention)
        notices = self.notices_of(intervention)
        return Standing(
            intervention_id=str(intervention.id),
            contract_reference=intervention.contract_reference,
            level=intervention.level,
            rating=intervention.rating.value,
            next_step=intervention.step,
            open=intervention.is_open,
            suspended_on=intervention.suspended_on,
            waiting_for_decision=sorted(e.step for e in proposals_waiting(self, intervention)),
            plans=[_plan_line(p) for p in plans],
            notices=[_notice_line(n) for n in notices],
            coming_up=sorted(_coming_up(plans, notices)),
        )


def _plan_line(plan: Plan) -> str:
    kind = "Directed improvement plan" if plan.directed else "Improvement plan"
    return (
        f"{kind} of {long_date(plan.requested_on)}: {plan.status.value}, targets due "
        f"{long_date(plan.targets_due)}"
    )


def _notice_line(notice: BreachNotice) -> str:
    return (
        f"Breach notice of {long_date(notice.issued_on)} ({notice.deficiency}): "
        f"{notice.status.value}, timescale to {long_date(notice.comply_by)}"
    )


def _coming_up(plans: list[Plan], notices: list[BreachNotice]) -> list[tuple[date, str]]:
    due: list[tuple[date, str]] = []
    for plan in (p for p in plans if p.in_progress):
        if plan.plan_due and plan.received_on is None:
            due.append((plan.plan_due, "improvement plan to reach the council"))
        if plan.reviewed_on is None:
            due.append((plan.review_due, "30-day review of the plan"))
        due.append((plan.targets_due, "plan targets met and a visit made"))
    due += [(n.comply_by, "breach notice to be met") for n in notices if n.outstanding]
    return due
