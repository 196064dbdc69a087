"""The public contract of each stored domain event of escalation, or None if it stays private."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from services.escalation.domain.breach_notice import BreachNotice
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.improvement_plan import (
    DirectedImprovementPlan,
    ImprovementPlan,
    Plan,
)
from services.escalation.domain.intervention import Intervention
from services.escalation.domain.monitoring_report import MonitoringReport
from shared.contracts import escalation as contracts
from shared.contracts.envelope import IntegrationEvent

Level = contracts.Level


@singledispatch
def public(domain_event: Any) -> IntegrationEvent | None:
    return None


def _about(e: Any, **fields: Any) -> dict[str, Any]:
    # Every event of an intervention's parts names the provider and the intervention.
    intervention_id = getattr(e, "intervention_id", None) or str(e.originator_id)
    return {"provider_id": e.provider_id, "intervention_id": intervention_id, **fields}


@public.register
def _(e: Intervention.Opened) -> IntegrationEvent:
    return contracts.InterventionOpened(
        **_about(e),
        concern_id=e.concern_id,
        level=Level(e.level),
        reason=e.reason,
        contract_reference=e.contract_reference,
        step=e.step,
        opened_by=e.opened_by,
    )


@public.register
def _(e: Intervention.ConcernAdded) -> IntegrationEvent:
    return contracts.InterventionConcernAdded(
        **_about(e), concern_id=e.concern_id, level=Level(e.level), step=e.step,
    )


@public.register
def _(e: Intervention.ConcernRecurred) -> IntegrationEvent:
    return contracts.InterventionConcernRecurred(
        **_about(e), concern_id=e.concern_id, occurrences=e.occurrences, level=Level(e.level),
        step=e.step,
    )


@public.register
def _(e: Intervention.PolicyOverridden) -> IntegrationEvent:
    return contracts.PolicyOverridden(
        **_about(e),
        policy_level=Level(e.policy_level),
        policy_step=e.policy_step,
        level=Level(e.level),
        step=e.step,
        reason=e.reason,
        overridden_by=e.officer,
    )


@public.register
def _(e: Intervention.StepTaken) -> IntegrationEvent:
    return contracts.InterventionStepTaken(
        **_about(e),
        step=e.step,
        level=Level(e.level),
        performance_rating=e.rating,
        on=e.on,
        taken_by=e.by,
        reference=e.reference,
    )


@public.register
def _(e: Intervention.DeadlineMissed) -> IntegrationEvent:
    return contracts.DeadlineMissed(
        **_about(e),
        deadline=e.deadline,
        reference=e.reference,
        due_on=e.due_on,
        next_step=e.next_step,
        level=Level(e.level),
    )


@public.register
def _(e: Intervention.IssueEscalated) -> IntegrationEvent:
    return contracts.IssueEscalated(
        **_about(e),
        recipients=e.recipients,
        immediately=e.immediately,
        categories=e.categories,
        reason=e.reason,
        raised_by=e.raised_by,
    )


@public.register
def _(e: Intervention.Suspended) -> IntegrationEvent:
    return contracts.ProviderSuspended(
        **_about(e),
        escalation_id=e.escalation_id,
        approved_by=e.approved_by,
        on=e.on,
        contingency_plan=e.contingency_plan,
    )


@public.register
def _(e: Intervention.Decommissioned) -> IntegrationEvent:
    return contracts.ProviderDecommissioned(
        **_about(e),
        escalation_id=e.escalation_id,
        contract_reference=e.contract_reference,
        approved_by=e.approved_by,
        on=e.on,
        continuity_plan=e.continuity_plan,
    )


@public.register
def _(e: Intervention.Closed) -> IntegrationEvent:
    return contracts.InterventionClosed(
        **_about(e), reason=e.reason, closed_by=e.closed_by, on=e.on
    )


@public.register
def _(e: ImprovementPlan.Requested) -> IntegrationEvent:
    return contracts.ImprovementPlanRequested(
        **_about(e),
        plan_id=str(e.originator_id),
        requested_on=e.requested_on,
        plan_due=e.plan_due,
        review_due=e.review_due,
        targets_due=e.targets_due,
        visit_due=e.visit_due,
    )


@public.register
def _(e: DirectedImprovementPlan.Directed) -> IntegrationEvent:
    return contracts.DirectedImprovementPlanIssued(
        **_about(e),
        plan_id=str(e.originator_id),
        breach_notice_id=e.breach_notice_id,
        directed_on=e.directed_on,
        review_due=e.review_due,
        targets_due=e.targets_due,
        visit_due=e.visit_due,
    )


@public.register
def _(e: Plan.Received) -> IntegrationEvent:
    return contracts.ImprovementPlanReceived(
        **_about(e),
        plan_id=str(e.originator_id),
        received_on=e.received_on,
        actions=[contracts.PlanAction(**a) for a in e.actions],
    )


@public.register
def _(e: Plan.Reviewed) -> IntegrationEvent:
    return contracts.ImprovementPlanReviewed(
        **_about(e), plan_id=str(e.originator_id), reviewed_on=e.reviewed_on, on_track=e.on_track
    )


@public.register
def _(e: Plan.Achieved) -> IntegrationEvent:
    return contracts.ImprovementPlanAchieved(**_about(e), plan_id=str(e.originator_id), on=e.on)


@public.register
def _(e: Plan.NotAchieved) -> IntegrationEvent:
    return contracts.ImprovementPlanNotAchieved(
        **_about(e), plan_id=str(e.originator_id), on=e.on, reason=e.notes
    )


@public.register
def _(e: BreachNotice.Issued) -> IntegrationEvent:
    return contracts.BreachNoticeIssued(
        **_about(e),
        notice_id=str(e.originator_id),
        deficiency=e.deficiency,
        action_required=e.action_required,
        comply_by=e.comply_by,
        issued_on=e.issued_on,
    )


@public.register
def _(e: BreachNotice.Met) -> IntegrationEvent:
    return contracts.BreachNoticeMet(**_about(e), notice_id=str(e.originator_id), on=e.on)


@public.register
def _(e: BreachNotice.Failed) -> IntegrationEvent:
    return contracts.BreachNoticeFailed(
        **_about(e),
        notice_id=str(e.originator_id),
        comply_by=e.comply_by,
        options=e.options,
        regulator_to_be_notified=e.regulator_to_be_notified,
    )


@public.register
def _(e: BreachNotice.RegulatorNotified) -> IntegrationEvent:
    return contracts.RegulatorNotified(
        **_about(e), notice_id=str(e.originator_id), regulator=e.regulator, on=e.on
    )


@public.register
def _(e: Escalation.Proposed) -> IntegrationEvent:
    return contracts.EscalationProposed(
        provider_id=e.provider_id,
        escalation_id=str(e.originator_id),
        intervention_id=e.intervention_id,
        step=e.step,
        reason=e.reason,
        proposed_by=e.proposed_by,
    )


@public.register
def _(e: Escalation.Approved) -> IntegrationEvent:
    return contracts.EscalationApproved(
        provider_id=e.provider_id,
        escalation_id=str(e.originator_id),
        intervention_id=e.intervention_id,
        step=e.step,
        approved_by=e.approver,
        approver_role=e.role,
    )


@public.register
def _(e: Escalation.Rejected) -> IntegrationEvent:
    return contracts.EscalationRejected(
        provider_id=e.provider_id,
        escalation_id=str(e.originator_id),
        intervention_id=e.intervention_id,
        rejected_by=e.approver,
        reason=e.reason,
    )


@public.register
def _(e: Escalation.Withdrawn) -> IntegrationEvent:
    return contracts.EscalationWithdrawn(
        provider_id=e.provider_id,
        escalation_id=str(e.originator_id),
        intervention_id=e.intervention_id,
        step=e.step,
        withdrawn_by=e.by,
        reason=e.reason,
    )


@public.register
def _(e: MonitoringReport.Issued) -> IntegrationEvent:
    return contracts.MonitoringReportIssued(
        provider_id=e.provider_id, report_id=str(e.originator_id), kind=e.kind,
        activity_on=e.activity_on, issued_on=e.on, reply_by=e.reply_by, late=e.late)


@public.register
def _(e: MonitoringReport.Replied) -> IntegrationEvent:
    return contracts.MonitoringReportReplied(
        provider_id=e.provider_id, report_id=str(e.originator_id), replied_on=e.on,
        replied_by=e.by)
