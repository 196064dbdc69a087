"""Interventions: concerns become proportionate action; serious steps need a second person."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from services.escalation.domain.escalation import Escalation
from services.escalation.domain.intervention import Intervention, proportionate_response
from shared.contracts import escalation as contracts
from shared.contracts import risk
from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import Processing, ServiceApplication

POLICY_PROPOSER = "assure:proportionality-policy"


class Interventions(ServiceApplication):
    """Opens interventions for concerns and records escalation decisions."""

    service = "escalation"

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Upstream events escalation does not act on are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: risk.ConcernRaised, processing: Processing) -> None:
        assert processing.envelope is not None
        intervention_id = Intervention.create_id(event.concern_id)
        if self.exists(intervention_id):
            return
        response = proportionate_response(event.severity, event.safety_at_risk)
        causation = dict(
            correlation_id=processing.envelope.correlationid, causation_id=processing.envelope.id
        )
        intervention = Intervention(
            provider_id=event.provider_id,
            concern_id=event.concern_id,
            level=response.level.value,
            step=response.step,
            reason=f"{response.reason}: {event.summary}",
            **causation,
        )
        escalation = Escalation(
            provider_id=event.provider_id,
            intervention_id=str(intervention.id),
            step=response.step,
            reason=intervention.reason,
            proposed_by=POLICY_PROPOSER,
            **causation,
        )
        processing.collect_events(intervention, escalation)

    def escalation(self, escalation_id: UUID) -> Escalation:
        return self.get(Escalation, escalation_id)

    def escalations_for(self, provider_id: str) -> list[Escalation]:
        found = [self.repository.get(i) for i in self.aggregates_under(f"provider:{provider_id}")]
        return [item for item in found if isinstance(item, Escalation)]

    def approve(
        self, escalation_id: UUID, approver: str, role: str, correlation_id: str
    ) -> Escalation:
        """Records a second, authorised person's approval."""
        escalation = self.escalation(escalation_id)
        escalation.approve(approver, role, correlation_id)
        self.save(escalation)
        return escalation

    def reject(
        self, escalation_id: UUID, approver: str, role: str, reason: str, correlation_id: str
    ) -> Escalation:
        """Records a second, authorised person's rejection with the reason."""
        escalation = self.escalation(escalation_id)
        escalation.reject(approver, role, reason, correlation_id)
        self.save(escalation)
        return escalation

    @singledispatchmethod
    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        return None

    @to_integration.register
    def _(self, domain_event: Intervention.Opened) -> IntegrationEvent:
        return contracts.InterventionOpened(
            provider_id=domain_event.provider_id,
            intervention_id=str(domain_event.originator_id),
            concern_id=domain_event.concern_id,
            level=contracts.Level(domain_event.level),
            reason=domain_event.reason,
        )

    @to_integration.register
    def _(self, domain_event: Escalation.Proposed) -> IntegrationEvent:
        return contracts.EscalationProposed(
            provider_id=domain_event.provider_id,
            escalation_id=str(domain_event.originator_id),
            intervention_id=domain_event.intervention_id,
            step=domain_event.step,
            reason=domain_event.reason,
            proposed_by=domain_event.proposed_by,
        )

    @to_integration.register
    def _(self, domain_event: Escalation.Approved) -> IntegrationEvent:
        return contracts.EscalationApproved(
            provider_id=domain_event.provider_id,
            escalation_id=str(domain_event.originator_id),
            intervention_id=domain_event.intervention_id,
            step=domain_event.step,
            approved_by=domain_event.approver,
            approver_role=domain_event.role,
        )

    @to_integration.register
    def _(self, domain_event: Escalation.Rejected) -> IntegrationEvent:
        return contracts.EscalationRejected(
            provider_id=domain_event.provider_id,
            escalation_id=str(domain_event.originator_id),
            intervention_id=domain_event.intervention_id,
            rejected_by=domain_event.approver,
            reason=domain_event.reason,
        )
