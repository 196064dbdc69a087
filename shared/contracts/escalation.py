"""Events published by escalation: interventions and serious steps with their approvals."""

from enum import StrEnum

from shared.contracts.envelope import IntegrationEvent, contract

STREAM = "ESCALATION"
SUBJECTS = "evt.escalation.>"
INTERVENTION_OPENED = "evt.escalation.*.*.InterventionOpened"
ESCALATION_PROPOSED = "evt.escalation.*.*.EscalationProposed"
ESCALATION_APPROVED = "evt.escalation.*.*.EscalationApproved"
ESCALATION_REJECTED = "evt.escalation.*.*.EscalationRejected"


class Level(StrEnum):
    """The rungs of the intervention ladder (003)."""

    ENCOURAGE = "encourage"
    ENABLE = "enable"
    ENFORCE = "enforce"


@contract
class InterventionOpened(IntegrationEvent):
    """An intervention was opened for a concern at a level of the ladder."""

    event_type = "InterventionOpened"
    source_service = "escalation"

    intervention_id: str
    concern_id: str
    level: Level
    reason: str


@contract
class EscalationProposed(IntegrationEvent):
    """A serious step was proposed; it waits for a second, authorised person."""

    event_type = "EscalationProposed"
    source_service = "escalation"

    escalation_id: str
    intervention_id: str
    step: str
    reason: str
    proposed_by: str


@contract
class EscalationApproved(IntegrationEvent):
    """A second, authorised person approved a proposed escalation."""

    event_type = "EscalationApproved"
    source_service = "escalation"

    escalation_id: str
    intervention_id: str
    step: str
    approved_by: str
    approver_role: str


@contract
class EscalationRejected(IntegrationEvent):
    """A second, authorised person rejected a proposed escalation, with a reason."""

    event_type = "EscalationRejected"
    source_service = "escalation"

    escalation_id: str
    intervention_id: str
    rejected_by: str
    reason: str
