"""Breach notices: issued with their terms, met in time or failed, and the regulator told."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.escalation.application.records import InterventionRecords
from services.escalation.domain.breach_notice import BreachNotice, issue_notice
from services.escalation.domain.ladder import Step


class BreachNotices(InterventionRecords):
    """An officer's commands on the breach notices of an intervention."""

    def issue_notice(
        self,
        intervention_id: UUID,
        deficiency: str,
        action_required: str,
        comply_by: date,
        issued_on: date,
        issued_by: str,
        correlation_id: str,
    ) -> BreachNotice:
        """Issues a notice; one is outstanding at a time, and the ladder goes to Enforce."""
        intervention = self.intervention(intervention_id)
        self.casework(intervention).check_no_notice_outstanding()
        notice = issue_notice(
            intervention.provider_id,
            str(intervention.id),
            len(intervention.notice_ids) + 1,
            deficiency,
            action_required,
            comply_by,
            issued_on,
            issued_by,
            self.calendar,
            correlation_id,
        )
        intervention.record_step(
            Step.BREACH_NOTICE,
            issued_on,
            issued_by,
            deficiency,
            correlation_id,
            reference=str(notice.id),
        )
        self.save(intervention, notice)
        return notice

    def notice_met(
        self, intervention_id: UUID, notice_id: UUID, on: date, by: str, correlation_id: str
    ) -> BreachNotice:
        """The provider put the deficiency right in time."""
        notice = self.notice(self.intervention(intervention_id), notice_id)
        notice.meet(on, by, correlation_id)
        self.save(notice)
        return notice

    def regulator_notified(
        self,
        intervention_id: UUID,
        notice_id: UUID,
        regulator: str,
        on: date,
        by: str,
        correlation_id: str,
    ) -> BreachNotice:
        """Records that the Care Inspectorate or CQC was told of the failed notice."""
        notice = self.notice(self.intervention(intervention_id), notice_id)
        notice.record_regulator_notified(regulator, on, by, correlation_id)
        self.save(notice)
        return notice
