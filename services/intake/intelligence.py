"""Bringing in what regulators and call-monitoring systems already hold (use cases of intake).

Providers' top complaint is being asked again for what the regulator already publishes, so
officers import the Care Inspectorate's datastore, sync CQC ratings and load visit data instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from services.intake.adapters.call_monitoring import parse_visits
from services.intake.adapters.care_inspectorate import RowError, parse_datastore
from services.intake.adapters.cqc import CqcClient, CqcLocationNotRated
from services.intake.domain.contract import Regulator
from services.intake.domain.inspection import (
    CareInspectorateGrades,
    CqcRating,
    GradeThreeOrBelowIsPoorPerformance,
    RequiresImprovementOrInadequateIsPoorPerformance,
)
from services.intake.domain.intelligence import InspectionRecord, VisitFigures
from services.intake.domain.visits import monthly_figures

if TYPE_CHECKING:
    from services.intake.application import Intake


@dataclass
class ImportSummary:
    """What an import did, row by row where something could not be used."""

    recorded: int = 0
    unchanged: int = 0
    unmatched: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _errors(errors: list[RowError]) -> list[dict[str, Any]]:
    return [{"row": e.row_number, "column": e.column, "message": e.message} for e in errors]


def _inspection_record(
    app: Intake, regulator: Regulator, service_id: str, grades: dict[str, str],
    graded_on: date, poor_performance: bool, by: str, correlation_id: str,
    min_grade: int | None = None, overall: str | None = None,
) -> InspectionRecord | None:
    """The grades of a service one of our contracts holds; None when no contract holds it."""
    contract = app.contract_for_regulator_service(service_id)
    if contract is None:
        return None
    return InspectionRecord(
        provider_id=contract.provider_id, contract_reference=contract.reference,
        regulator=regulator.value, regulator_service_id=service_id, grades=grades,
        min_grade=min_grade, overall=overall, graded_on=graded_on,
        poor_performance=poor_performance, recorded_by=by, correlation_id=correlation_id,
    )


def care_inspectorate_record(
    app: Intake, grades: CareInspectorateGrades, by: str, correlation_id: str
) -> InspectionRecord | None:
    return _inspection_record(
        app, Regulator.CARE_INSPECTORATE, grades.service_number,
        {kq: str(grade) for kq, grade in grades.key_question_grades.items()},
        grades.graded_on, GradeThreeOrBelowIsPoorPerformance().is_broken(grades), by,
        correlation_id, min_grade=grades.min_grade,
    )


def cqc_record(
    app: Intake, rating: CqcRating, by: str, correlation_id: str
) -> InspectionRecord | None:
    return _inspection_record(
        app, Regulator.CQC, rating.location_id, dict(rating.key_questions),
        rating.published_on,
        RequiresImprovementOrInadequateIsPoorPerformance().is_broken(rating), by,
        correlation_id, overall=rating.overall,
    )


def _record(
    app: Intake, summary: ImportSummary, record: InspectionRecord | None, service_id: str
) -> None:
    if record is None:
        summary.unmatched.append(service_id)
    elif app.record_inspection(record):
        summary.recorded += 1
    else:
        summary.unchanged += 1


def import_care_inspectorate(app: Intake, text: str, by: str, correlation_id: str) -> ImportSummary:
    """Records the grades of every service in the datastore file that one of our contracts holds."""
    result = parse_datastore(text)
    summary = ImportSummary(errors=_errors(result.errors))
    for service in result.records:
        if service.grades is not None:
            record = care_inspectorate_record(app, service.grades, by, correlation_id)
            _record(app, summary, record, service.service_number)
    return summary


def sync_cqc(
    app: Intake, client: CqcClient, since: datetime, until: datetime, by: str, correlation_id: str
) -> ImportSummary:
    """Asks CQC which locations changed and records the ratings of the ones we contract."""
    summary = ImportSummary()
    ours = app.register_view().regulated_services(Regulator.CQC.value)
    for location_id in client.changed_locations(since, until):
        if location_id not in ours:
            continue
        try:
            rating = client.rating(location_id)
        except CqcLocationNotRated as error:
            summary.errors.append({"row": None, "column": location_id, "message": str(error)})
            continue
        _record(app, summary, cqc_record(app, rating, by, correlation_id), location_id)
    return summary


def import_visits(app: Intake, text: str, correlation_id: str) -> ImportSummary:
    """Turns call-monitoring visits into monthly figures per contract."""
    result = parse_visits(text)
    summary = ImportSummary(errors=_errors(result.errors))
    months = monthly_figures(result.records)
    known = {c.reference: c for c in app.register_view().contracts_with(
        {month.contract_reference for month in months})}
    figures = []
    for month in months:
        contract = known.get(month.contract_reference)
        if contract is None:
            summary.unmatched.append(month.contract_reference)
            continue
        figures.append(
            VisitFigures(
                provider_id=contract.provider_id,
                contract_reference=contract.reference,
                month=month.month,
                planned=month.planned,
                delivered=month.delivered,
                missed=month.missed,
                late=month.late,
                short_notice_cancellations=month.short_notice_cancellations,
                correlation_id=correlation_id,
            )
        )
    summary.recorded = app.record_visit_figures(figures)
    summary.unchanged = len(figures) - summary.recorded
    return summary
