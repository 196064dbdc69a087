"""intake's stored domain events as the integration events other services read (intelligence
received from another council among them)."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from services.intake.domain.contract import Contract
from services.intake.domain.intelligence import InspectionRecord, ReportedConcern, VisitFigures
from services.intake.domain.monitoring_return import MonitoringReturn
from services.intake.domain.provider import Provider
from services.intake.domain.regulator_standing import RegulatorStanding
from services.intake.domain.return_request import ReturnRequest
from services.intake.domain.shared_intelligence import ReceivedIntelligence
from shared.contracts import intake as contracts
from shared.contracts.envelope import IntegrationEvent
from shared.contracts.sharing import (
    Category,
    IntelligenceReceivedFromCouncil,
    ReceivedIntelligenceWithdrawn,
)


@singledispatch
def to_integration(domain_event: Any) -> IntegrationEvent | None:
    """Events not listed here stay private to intake."""
    return None


@to_integration.register
def _(e: Provider.Registered) -> IntegrationEvent:
    return contracts.ProviderRegistered(provider_id=e.provider_id, name=e.name)


@to_integration.register
def _(e: Contract.Awarded) -> IntegrationEvent:
    return contracts.ContractAwarded(
        provider_id=e.provider_id, contract_reference=e.reference, service_type=e.service_type,
        annual_value=e.annual_value, regulator=e.regulator, start_date=e.start_date,
        end_date=e.end_date, contract_manager=e.contract_manager,
    )


@to_integration.register
def _(e: Contract.LevelChanged) -> IntegrationEvent:
    return contracts.ContractLevelChanged(
        provider_id=e.provider_id, contract_reference=e.reference,
        previous_level=e.previous_level, level=e.level, reason=e.reason,
    )


@to_integration.register
def _(e: Contract.Ended) -> IntegrationEvent | None:
    reference = getattr(e, "reference", None)  # stored before it was named: stays private
    if reference is None:
        return None
    return contracts.ContractEnded(
        provider_id=e.provider_id, contract_reference=reference, ended_on=e.ended_on,
        reason=e.reason,
    )


@to_integration.register
def _(e: ReturnRequest.Requested) -> IntegrationEvent:
    return contracts.ReturnRequested(
        provider_id=e.provider_id, request_id=str(e.originator_id),
        contract_reference=e.contract_reference, form=e.form, period_start=e.period_start,
        period_end=e.period_end, issue_on=e.issue_on, due_on=e.due_on, kpis=e.kpis,
    )


@to_integration.register
def _(e: ReturnRequest.BecameOverdue) -> IntegrationEvent:
    return contracts.ReturnOverdue(
        provider_id=e.provider_id, request_id=str(e.originator_id),
        contract_reference=e.contract_reference, form=e.form, due_on=e.due_on,
        overdue_on=e.on,
    )


@to_integration.register
def _(e: MonitoringReturn.Submitted) -> IntegrationEvent:
    return contracts.ReturnSubmitted(
        provider_id=e.provider_id, return_id=str(e.originator_id),
        contract_reference=e.contract_reference, form=e.form, form_version=e.form_version,
        period_start=e.period_start, period_end=e.period_end, sections=e.sections,
        answers=e.answers, submitted_by=e.submitted_by, submitted_at=e.timestamp,
        late=e.due_on is not None and e.submitted_on > e.due_on, corrects=e.corrects,
        submitted_on=e.submitted_on, request_id=e.request_id,
    )


@to_integration.register
def _(e: InspectionRecord.Recorded) -> IntegrationEvent | None:
    if not getattr(e, "current", True):
        return None  # older than the grades held: history in intake, news to no one
    if getattr(e, "inherited_from", None):
        return None  # the predecessor's inspection carried over: not a new inspection
    published = getattr(e, "published_min_grade", None)
    return contracts.InspectionGradeRecorded(
        provider_id=e.provider_id, contract_reference=e.contract_reference,
        regulator=e.regulator, regulator_service_id=e.regulator_service_id, grades=e.grades,
        min_grade=e.min_grade, overall=e.overall, graded_on=e.graded_on,
        poor_performance=e.poor_performance,
        published_min_grade=published if published != e.min_grade else None,
    )


@to_integration.register
def _(e: RegulatorStanding.Closed) -> IntegrationEvent:
    return contracts.RegulatedServiceClosed(
        provider_id=e.provider_id, contract_reference=e.contract_reference,
        regulator=e.regulator, regulator_service_id=e.service_id, status=e.status,
        contract_manager=e.contract_manager, closed_on=e.closed_on,
    )


@to_integration.register
def _(e: ReportedConcern.Reported) -> IntegrationEvent:
    return contracts.ConcernReported(
        provider_id=e.provider_id, report_id=str(e.originator_id),
        contract_reference=e.contract_reference, source=contracts.ConcernSource(e.source),
        description=e.description, safety_at_risk=e.safety_at_risk, reported_by=e.reported_by,
    )


@to_integration.register
def _(e: VisitFigures.Recorded) -> IntegrationEvent:
    return contracts.VisitFiguresRecorded(
        provider_id=e.provider_id, contract_reference=e.contract_reference, month=e.month,
        planned=e.planned, delivered=e.delivered, missed=e.missed, late=e.late,
        short_notice_cancellations=e.short_notice_cancellations,
    )


@to_integration.register
def _(e: ReceivedIntelligence.Received) -> IntelligenceReceivedFromCouncil:
    details = e.details
    return IntelligenceReceivedFromCouncil(
        provider_id=e.provider_id, received_id=str(e.originator_id), council=e.council,
        council_name=e.council_name, agreement=e.agreement, category=Category(e.category),
        regulator=e.regulator, regulator_service_id=e.service_id,
        contract_reference=e.contract_reference,
        occurred_on=e.occurred_on, severity=details.get("severity"),
        grade=details.get("grade"), rating=details.get("rating"),
        due_on=details.get("due_on"), text=details.get("text"),
    )


@to_integration.register
def _(e: ReceivedIntelligence.Withdrawn) -> ReceivedIntelligenceWithdrawn:
    return ReceivedIntelligenceWithdrawn(
        provider_id=e.provider_id, received_id=str(e.originator_id), reason=e.reason,
        withdrawn_on=e.on,
    )
