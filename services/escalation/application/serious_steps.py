"""Serious steps: proposed by one person, decided by another with the authority (§8)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.escalation.application.records import InterventionRecords
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.intervention import Intervention
from services.escalation.domain.ladder import Step


def proposals_waiting(records: InterventionRecords,
                      intervention: Intervention) -> list[Escalation]:
    """Every proposal on the intervention that waits for a decision, oldest first: the
    policy's (its step, for a person to confirm) as well as an officer's serious steps, as the
    approvals queue lists them. Proposals are numbered from 0 to `intervention.proposals`."""
    found = (records.find(Escalation, Escalation.create_id(str(intervention.id), sequence))
             for sequence in range(intervention.proposals + 1))
    return [escalation for escalation in found if escalation is not None and escalation.pending]


class SeriousSteps(InterventionRecords):
    """Suspension, decommission and telling the Chief Officer, and every decision on a proposal."""

    def propose_suspension(
        self,
        intervention_id: UUID,
        proposed_by: str,
        reason: str,
        contingency_plan: str,
        correlation_id: str,
    ) -> Escalation:
        """Proposes suspension after a failed breach notice, with a contingency plan."""
        intervention = self.intervention(intervention_id)
        escalation = self._proposal(
            intervention, Step.SUSPENSION, proposed_by, reason, correlation_id
        )
        failed = self.casework(intervention).failed_notices
        intervention.propose_suspension(
            str(escalation.id), proposed_by, reason, contingency_plan, failed, correlation_id
        )
        self.save(intervention, escalation)
        return escalation

    def propose_decommission(
        self,
        intervention_id: UUID,
        proposed_by: str,
        reason: str,
        continuity_plan: str,
        correlation_id: str,
    ) -> Escalation:
        """Refused, listing what is missing, unless the provider's history holds the evidence."""
        intervention = self.intervention(intervention_id)
        escalation = self._proposal(
            intervention, Step.DECOMMISSION, proposed_by, reason, correlation_id
        )
        intervention.propose_decommission(
            str(escalation.id),
            proposed_by,
            reason,
            continuity_plan,
            self.provider_record(intervention.provider_id),
            correlation_id,
        )
        self.save(intervention, escalation)
        return escalation

    def propose_telling_the_chief_officer(
        self, intervention_id: UUID, proposed_by: str, reason: str, correlation_id: str
    ) -> Escalation:
        """The Head of Strategic Planning, a General Manager or the CSWO decide (004 §15)."""
        intervention = self.intervention(intervention_id)
        escalation = self._proposal(
            intervention, Step.TELL_THE_CHIEF_OFFICER, proposed_by, reason, correlation_id
        )
        intervention.propose_telling_the_chief_officer(
            str(escalation.id), proposed_by, reason, correlation_id
        )
        self.save(intervention, escalation)
        return escalation

    def _proposal(
        self,
        intervention: Intervention,
        step: Step,
        proposed_by: str,
        reason: str,
        correlation_id: str,
    ) -> Escalation:
        return Escalation(
            provider_id=intervention.provider_id,
            intervention_id=str(intervention.id),
            step=step.value,
            reason=reason,
            proposed_by=proposed_by,
            correlation_id=correlation_id,
            causation_id=correlation_id,
            sequence=intervention.proposals + 1,
        )

    def approve(
        self,
        escalation_id: UUID,
        approver: str,
        role: str,
        correlation_id: str,
        on: date | None = None,
        reason: str = "",
    ) -> Escalation:
        """Records a second, authorised person's approval; a suspension or decommission starts."""
        escalation = self.escalation(escalation_id)
        escalation.approve(approver, role, correlation_id, reason)
        self._save_decision(escalation, True, approver, on, correlation_id)
        return escalation

    def reject(
        self,
        escalation_id: UUID,
        approver: str,
        role: str,
        reason: str,
        correlation_id: str,
        on: date | None = None,
    ) -> Escalation:
        """Records a second, authorised person's rejection with the reason."""
        escalation = self.escalation(escalation_id)
        escalation.reject(approver, role, reason, correlation_id)
        self._save_decision(escalation, False, approver, on, correlation_id)
        return escalation

    def _save_decision(
        self, escalation: Escalation, approved: bool, by: str, on: date | None, correlation_id: str
    ) -> None:
        intervention = self._intervention_waiting_on(escalation)
        if intervention is None:
            self.save(escalation)
            return
        intervention.apply_decision(str(escalation.id), approved, by, on or self.clock(),
                                    correlation_id)
        self.save(escalation, intervention)

    def _intervention_waiting_on(self, escalation: Escalation) -> Intervention | None:
        try:
            intervention_id = UUID(escalation.intervention_id)
        except ValueError:
            return None
        intervention = self.find(Intervention, intervention_id)
        if intervention is None or str(escalation.id) not in intervention.pending:
            return None
        return intervention
