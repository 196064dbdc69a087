"""Improvement plans: requested, received with SMART actions, reviewed, judged; and directed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from services.escalation.application.records import InterventionRecords
from services.escalation.domain.breach_notice import NoticeStatus
from services.escalation.domain.improvement_plan import (
    Plan,
    direct_plan,
    request_plan,
)
from services.escalation.domain.intervention import Intervention
from services.escalation.domain.ladder import Step
from shared.domain import Refused
from shared.uk import long_date


class ImprovementPlans(InterventionRecords):
    """An officer's commands on the improvement plans of an intervention."""

    def request_plan(
        self, intervention_id: UUID, requested_on: date, requested_by: str, correlation_id: str
    ) -> Plan:
        """Asks for a plan due within 10 working days; one plan runs at a time."""
        intervention = self.intervention(intervention_id)
        self._check_no_plan_running(intervention)
        plan = request_plan(
            intervention.provider_id,
            str(intervention.id),
            len(intervention.plan_ids) + 1,
            requested_on,
            requested_by,
            self.calendar,
            correlation_id,
        )
        intervention.record_step(
            Step.IMPROVEMENT_PLAN,
            requested_on,
            requested_by,
            f"plan due by {long_date(plan.plan_due or requested_on)}",
            correlation_id,
            reference=str(plan.id),
        )
        self.save(intervention, plan)
        return plan

    def direct_plan(
        self,
        intervention_id: UUID,
        breach_notice_id: UUID,
        directed_on: date,
        directed_by: str,
        actions: Sequence[Mapping[str, Any]],
        correlation_id: str,
    ) -> Plan:
        """Directs the council's own plan, linked to a breach notice of this intervention."""
        intervention = self.intervention(intervention_id)
        notice = self.notice(intervention, breach_notice_id)
        if notice.status is NoticeStatus.MET:
            raise Refused(
                "a directed plan answers a breach notice still unmet; this one was met",
                field="breach_notice_id",
            )
        self._check_no_plan_running(intervention)
        plan = direct_plan(
            intervention.provider_id,
            str(intervention.id),
            len(intervention.plan_ids) + 1,
            str(notice.id),
            directed_on,
            directed_by,
            actions,
            self.calendar,
            correlation_id,
        )
        intervention.record_step(
            Step.DIRECTED_IMPROVEMENT_PLAN,
            directed_on,
            directed_by,
            f"targets met by {long_date(plan.targets_due)}",
            correlation_id,
            reference=str(plan.id),
        )
        self.save(intervention, plan)
        return plan

    def receive_plan(
        self,
        intervention_id: UUID,
        plan_id: UUID,
        received_on: date,
        actions: Sequence[Mapping[str, Any]],
        received_by: str,
        correlation_id: str,
    ) -> Plan:
        """Records the provider's plan; every action must be SMART."""
        plan = self.plan(self._open(intervention_id), plan_id)
        plan.receive(received_on, actions, received_by, correlation_id)
        self.save(plan)
        return plan

    def review_plan(
        self,
        intervention_id: UUID,
        plan_id: UUID,
        reviewed_on: date,
        on_track: bool,
        notes: str,
        reviewed_by: str,
        correlation_id: str,
    ) -> Plan:
        """The 30-day review with the provider."""
        plan = self.plan(self._open(intervention_id), plan_id)
        plan.review(reviewed_on, on_track, notes, reviewed_by, correlation_id)
        self.save(plan)
        return plan

    def conclude_plan(
        self,
        intervention_id: UUID,
        plan_id: UUID,
        achieved: bool,
        on: date,
        by: str,
        notes: str,
        correlation_id: str,
    ) -> Plan:
        """Whether the targets were met by 60 days; a plan not achieved is evidence (004 §15)."""
        plan = self.plan(self._open(intervention_id), plan_id)
        plan.conclude(achieved, on, by, notes, correlation_id)
        self.save(plan)
        return plan

    def _open(self, intervention_id: UUID) -> Intervention:
        intervention = self.intervention(intervention_id)
        intervention.check_not_closed()
        return intervention

    def _check_no_plan_running(self, intervention: Intervention) -> None:
        self.casework(intervention).check_no_plan_running()
