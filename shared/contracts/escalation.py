"""Events published by escalation: interventions and serious steps with their approvals."""

from datetime import date

from pydantic import BaseModel, ConfigDict

from shared.contracts.envelope import IntegrationEvent, contract
from shared.vocabulary import Level

STREAM = "ESCALATION"
SUBJECTS = "evt.escalation.>"
INTERVENTION_OPENED = "evt.escalation.*.*.InterventionOpened"
INTERVENTION_CONCERN_ADDED = "evt.escalation.*.*.InterventionConcernAdded"
ESCALATION_PROPOSED = "evt.escalation.*.*.EscalationProposed"
ESCALATION_APPROVED = "evt.escalation.*.*.EscalationApproved"
ESCALATION_REJECTED = "evt.escalation.*.*.EscalationRejected"
ESCALATION_WITHDRAWN = "evt.escalation.*.*.EscalationWithdrawn"
POLICY_OVERRIDDEN = "evt.escalation.*.*.PolicyOverridden"
INTERVENTION_STEP_TAKEN = "evt.escalation.*.*.InterventionStepTaken"
IMPROVEMENT_PLAN_REQUESTED = "evt.escalation.*.*.ImprovementPlanRequested"
DIRECTED_IMPROVEMENT_PLAN_ISSUED = "evt.escalation.*.*.DirectedImprovementPlanIssued"
IMPROVEMENT_PLAN_RECEIVED = "evt.escalation.*.*.ImprovementPlanReceived"
IMPROVEMENT_PLAN_REVIEWED = "evt.escalation.*.*.ImprovementPlanReviewed"
IMPROVEMENT_PLAN_ACHIEVED = "evt.escalation.*.*.ImprovementPlanAchieved"
IMPROVEMENT_PLAN_NOT_ACHIEVED = "evt.escalation.*.*.ImprovementPlanNotAchieved"
DEADLINE_MISSED = "evt.escalation.*.*.DeadlineMissed"
BREACH_NOTICE_ISSUED = "evt.escalation.*.*.BreachNoticeIssued"
BREACH_NOTICE_MET = "evt.escalation.*.*.BreachNoticeMet"
BREACH_NOTICE_FAILED = "evt.escalation.*.*.BreachNoticeFailed"
REGULATOR_NOTIFIED = "evt.escalation.*.*.RegulatorNotified"
ISSUE_ESCALATED = "evt.escalation.*.*.IssueEscalated"
PROVIDER_SUSPENDED = "evt.escalation.*.*.ProviderSuspended"
PROVIDER_DECOMMISSIONED = "evt.escalation.*.*.ProviderDecommissioned"
INTERVENTION_CLOSED = "evt.escalation.*.*.InterventionClosed"
MONITORING_REPORT_ISSUED = "evt.escalation.*.*.MonitoringReportIssued"
MONITORING_REPORT_REPLIED = "evt.escalation.*.*.MonitoringReportReplied"


@contract
class InterventionOpened(IntegrationEvent):
    """An intervention was opened for a concern at a level of the ladder."""

    event_type = "InterventionOpened"
    source_service = "escalation"

    intervention_id: str
    concern_id: str | None  # None when an officer opened it without a concern
    level: Level
    reason: str
    contract_reference: str | None = None
    step: str | None = None
    opened_by: str | None = None


@contract
class InterventionConcernAdded(IntegrationEvent):
    """A further concern joined an open intervention; the policy may have raised its level."""

    event_type = "InterventionConcernAdded"
    source_service = "escalation"

    intervention_id: str
    concern_id: str
    level: Level
    step: str


@contract
class InterventionConcernRecurred(IntegrationEvent):
    """A concern the intervention holds came up again (risk's `ConcernRecurred`): the concerns
    persist, and the policy may have raised the level."""

    event_type = "InterventionConcernRecurred"
    source_service = "escalation"

    intervention_id: str
    concern_id: str
    occurrences: int
    level: Level
    step: str


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


@contract
class EscalationWithdrawn(IntegrationEvent):
    """A proposal was taken back before anyone decided on it (the policy was overridden)."""

    event_type = "EscalationWithdrawn"
    source_service = "escalation"

    escalation_id: str
    intervention_id: str
    step: str
    withdrawn_by: str
    reason: str


@contract
class PolicyOverridden(IntegrationEvent):
    """An officer chose another level or step than the proportionality policy, saying why."""

    event_type = "PolicyOverridden"
    source_service = "escalation"

    intervention_id: str
    policy_level: Level
    policy_step: str
    level: Level
    step: str
    reason: str
    overridden_by: str


@contract
class InterventionStepTaken(IntegrationEvent):
    """A step of the ladder was taken; it amends the provider's performance rating."""

    event_type = "InterventionStepTaken"
    source_service = "escalation"

    intervention_id: str
    step: str
    level: Level
    performance_rating: str
    on: date
    taken_by: str
    reference: str | None = None


@contract
class ImprovementPlanRequested(IntegrationEvent):
    """The provider owes an improvement plan within 10 working days, with 30/60-day dates."""

    event_type = "ImprovementPlanRequested"
    source_service = "escalation"

    intervention_id: str
    plan_id: str
    requested_on: date
    plan_due: date
    review_due: date
    targets_due: date
    visit_due: date


@contract
class DirectedImprovementPlanIssued(IntegrationEvent):
    """The council directed a plan of its own, linked to a breach notice, for 60 more days."""

    event_type = "DirectedImprovementPlanIssued"
    source_service = "escalation"

    intervention_id: str
    plan_id: str
    breach_notice_id: str
    directed_on: date
    review_due: date
    targets_due: date
    visit_due: date


class PlanAction(BaseModel):
    """One SMART action: what, who owns it, how it is measured, and by when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: str
    owner: str
    measure: str
    due: date


@contract
class ImprovementPlanReceived(IntegrationEvent):
    """The provider's improvement plan reached the council, with its SMART actions."""

    event_type = "ImprovementPlanReceived"
    source_service = "escalation"

    intervention_id: str
    plan_id: str
    received_on: date
    actions: list[PlanAction]


@contract
class ImprovementPlanReviewed(IntegrationEvent):
    """The 30-day review of an improvement plan was held."""

    event_type = "ImprovementPlanReviewed"
    source_service = "escalation"

    intervention_id: str
    plan_id: str
    reviewed_on: date
    on_track: bool


@contract
class ImprovementPlanAchieved(IntegrationEvent):
    """An improvement plan's targets were met in time."""

    event_type = "ImprovementPlanAchieved"
    source_service = "escalation"

    intervention_id: str
    plan_id: str
    on: date


@contract
class ImprovementPlanNotAchieved(IntegrationEvent):
    """An improvement plan was not achieved: evidence towards termination (004 §15)."""

    event_type = "ImprovementPlanNotAchieved"
    source_service = "escalation"

    intervention_id: str
    plan_id: str
    on: date
    reason: str


@contract
class DeadlineMissed(IntegrationEvent):
    """A deadline of the ladder passed unmet; it names the next step."""

    event_type = "DeadlineMissed"
    source_service = "escalation"

    intervention_id: str
    deadline: str
    reference: str
    due_on: date
    next_step: str
    level: Level


@contract
class BreachNoticeIssued(IntegrationEvent):
    """A breach notice: the performance deficiency, the action required and the timescale."""

    event_type = "BreachNoticeIssued"
    source_service = "escalation"

    intervention_id: str
    notice_id: str
    deficiency: str
    action_required: str
    comply_by: date
    issued_on: date


@contract
class BreachNoticeMet(IntegrationEvent):
    """The provider met a breach notice within its timescale."""

    event_type = "BreachNoticeMet"
    source_service = "escalation"

    intervention_id: str
    notice_id: str
    on: date


@contract
class BreachNoticeFailed(IntegrationEvent):
    """A breach notice was not met: suspension or decommission, and the regulator is told."""

    event_type = "BreachNoticeFailed"
    source_service = "escalation"

    intervention_id: str
    notice_id: str
    comply_by: date
    options: list[str]
    regulator_to_be_notified: bool


@contract
class RegulatorNotified(IntegrationEvent):
    """The regulator (Care Inspectorate or CQC) was told of a failed breach notice."""

    event_type = "RegulatorNotified"
    source_service = "escalation"

    intervention_id: str
    notice_id: str
    regulator: str
    on: date


@contract
class IssueEscalated(IntegrationEvent):
    """An issue went up the routes of §8; some recipients must be told immediately."""

    event_type = "IssueEscalated"
    source_service = "escalation"

    intervention_id: str
    recipients: list[str]
    immediately: list[str]
    categories: list[str]
    reason: str
    raised_by: str


@contract
class ProviderSuspended(IntegrationEvent):
    """An approved suspension took effect: no new awards; a contingency plan for people served."""

    event_type = "ProviderSuspended"
    source_service = "escalation"

    intervention_id: str
    escalation_id: str
    approved_by: str
    on: date
    contingency_plan: str


@contract
class ProviderDecommissioned(IntegrationEvent):
    """An approved decommission: the termination process starts, with continuity of service."""

    event_type = "ProviderDecommissioned"
    source_service = "escalation"

    intervention_id: str
    escalation_id: str
    contract_reference: str | None
    approved_by: str
    on: date
    continuity_plan: str


@contract
class InterventionClosed(IntegrationEvent):
    """An intervention closed with nothing outstanding, giving the reason."""

    event_type = "InterventionClosed"
    source_service = "escalation"

    intervention_id: str
    reason: str
    closed_by: str
    on: date


@contract
class MonitoringReportIssued(IntegrationEvent):
    """A monitoring activity's written record sent to the provider (§9), who may reply until
    the end of `reply_by`; `late` when it went out more than 4 weeks after the activity."""

    event_type = "MonitoringReportIssued"
    source_service = "escalation"

    report_id: str
    kind: str
    activity_on: date
    issued_on: date
    reply_by: date
    late: bool = False


@contract
class MonitoringReportReplied(IntegrationEvent):
    """The provider replied to a monitoring report within its window (the reply itself stays
    in Assure, for the officer to read beside the report)."""

    event_type = "MonitoringReportReplied"
    source_service = "escalation"

    report_id: str
    replied_on: date
    replied_by: str
