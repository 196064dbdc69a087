"""Events published by intake, the front door for everything the council learns."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.contracts.envelope import IntegrationEvent, contract
from shared.vocabulary import ConcernSource, Rating

STREAM = "INTAKE"
SUBJECTS = "evt.intake.>"
PROVIDER_REGISTERED = "evt.intake.*.*.ProviderRegistered"
CONTRACT_AWARDED = "evt.intake.*.*.ContractAwarded"
CONTRACT_LEVEL_CHANGED = "evt.intake.*.*.ContractLevelChanged"
RETURN_REQUESTED = "evt.intake.*.*.ReturnRequested"
RETURN_SUBMITTED = "evt.intake.*.*.ReturnSubmitted"
CONTRACT_ENDED = "evt.intake.*.*.ContractEnded"
RETURN_OVERDUE = "evt.intake.*.*.ReturnOverdue"
INSPECTION_GRADE_RECORDED = "evt.intake.*.*.InspectionGradeRecorded"
CONCERN_REPORTED = "evt.intake.*.*.ConcernReported"
VISIT_FIGURES_RECORDED = "evt.intake.*.*.VisitFiguresRecorded"
REGULATED_SERVICE_CLOSED = "evt.intake.*.*.RegulatedServiceClosed"


@contract
class ProviderRegistered(IntegrationEvent):
    """A care provider organisation was registered with the council."""

    event_type = "ProviderRegistered"
    source_service = "intake"

    name: str


@contract
class ContractAwarded(IntegrationEvent):
    """A contract for one service was awarded to a provider."""

    event_type = "ContractAwarded"
    source_service = "intake"

    contract_reference: str
    service_type: str
    annual_value: Decimal
    regulator: str | None
    start_date: date
    end_date: date | None
    contract_manager: str


@contract
class ContractLevelChanged(IntegrationEvent):
    """A contract's monitoring level (1 highest, 3 lowest) was set or changed, with the reason."""

    event_type = "ContractLevelChanged"
    source_service = "intake"

    contract_reference: str
    previous_level: int | None
    level: int
    reason: str


@contract
class ContractEnded(IntegrationEvent):
    """A contract was ended early (e.g. ownership passed to the council), with the reason."""

    event_type = "ContractEnded"
    source_service = "intake"

    contract_reference: str
    ended_on: date
    reason: str


@contract
class ReturnRequested(IntegrationEvent):
    """A return form was issued to a provider, with its period and due date."""

    event_type = "ReturnRequested"
    source_service = "intake"

    request_id: str
    contract_reference: str
    form: str
    period_start: date
    period_end: date
    issue_on: date
    due_on: date
    kpis: list[str] = []


@contract
class ReturnSubmitted(IntegrationEvent):
    """A provider submitted a monitoring return: its answers and per-section ratings.

    Version 2 adds `submitted_on` (the council's calendar date it was received) and
    `request_id` (the request it fulfilled, if any); version 1 messages still read, without.
    """

    event_type = "ReturnSubmitted"
    version = 2
    reads_versions = (1,)
    source_service = "intake"

    return_id: str
    contract_reference: str
    form: str
    form_version: int
    period_start: date
    period_end: date
    sections: dict[str, Rating]
    answers: dict[str, Any]
    submitted_by: str
    submitted_at: datetime
    late: bool = False
    corrects: str | None = None
    submitted_on: date | None = None
    request_id: str | None = None


@contract
class ReturnOverdue(IntegrationEvent):
    """A requested return was not received by its due date."""

    event_type = "ReturnOverdue"
    source_service = "intake"

    request_id: str
    contract_reference: str
    form: str
    due_on: date
    overdue_on: date


@contract
class InspectionGradeRecorded(IntegrationEvent):
    """A regulator's grades for a service were recorded (Care Inspectorate 1-6, or CQC)."""

    event_type = "InspectionGradeRecorded"
    source_service = "intake"

    contract_reference: str
    regulator: str
    regulator_service_id: str
    grades: dict[str, str]
    min_grade: int | None = None
    overall: str | None = None
    graded_on: date
    poor_performance: bool
    # The datastore's own MinGrade when it differs from the lowest grade (it left KQ_COVID19
    # out); min_grade is always the lowest of every key question. Optional: added in issue 21.
    published_min_grade: int | None = None


@contract
class ConcernReported(IntegrationEvent):
    """A person reported a concern about a provider; risk assesses it."""

    event_type = "ConcernReported"
    source_service = "intake"

    report_id: str
    contract_reference: str | None = None
    source: ConcernSource
    description: str
    safety_at_risk: bool
    reported_by: str


@contract
class VisitFiguresRecorded(IntegrationEvent):
    """A month of call-monitoring figures for a care-at-home contract."""

    event_type = "VisitFiguresRecorded"
    source_service = "intake"

    contract_reference: str
    month: date
    planned: int
    delivered: int
    missed: int
    late: int
    short_notice_cancellations: int


@contract
class RegulatedServiceClosed(IntegrationEvent):
    """The regulator shows a service one of our contracts buys as no longer registered
    (Care Inspectorate: Inactive or cancelled; CQC: Deregistered)."""

    event_type = "RegulatedServiceClosed"
    source_service = "intake"

    contract_reference: str
    regulator: str
    regulator_service_id: str
    status: str
    contract_manager: str
    closed_on: date | None = None
