"""Bringing in what regulators and call-monitoring systems already hold, and the concerns
people report.

Providers' top complaint is being asked again for what the regulator already publishes, so
officers import the Care Inspectorate's datastore, sync CQC ratings and load visit data instead.

Grades count only when newer than the ones held for the service ("newest wins"): older ones are
kept as history and tell no one. A service the regulator shows as no longer registered is a
closure, told once to the contract's manager through risk; its old grades raise nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from eventsourcing.persistence import IntegrityError

from services.intake.adapters.call_monitoring import parse_visits
from services.intake.adapters.care_inspectorate import (
    DatastoreService,
    RowError,
    read_datastore,
)
from services.intake.adapters.cqc import CqcClient, CqcLocation, CqcLocationNotRated
from services.intake.adapters.import_report import ImportReport
from services.intake.application.facts_shared import SharingFacts
from services.intake.application.listings import ContractRecord
from services.intake.domain.contract import Contract, Regulator
from services.intake.domain.grades import Grades, care_inspectorate_grades, cqc_grades
from services.intake.domain.intelligence import InspectionRecord, ReportedConcern, VisitFigures
from services.intake.domain.regulator_standing import RegulatorStanding
from services.intake.domain.visits import monthly_figures
from shared.domain import Refused

FIRST_ERRORS = 20  # shown in the answer; the report to download lists every one


@dataclass
class ImportSummary:
    """What an import did, in counts; every unmatched id and unreadable row is in the report."""

    rows: int = 0
    recorded: int = 0
    unchanged: int = 0
    older: int = 0
    closed: int = 0
    # Locations CQC shows with no rating ("Inspected but not rated", "No published rating", no
    # currentRatings): said plainly, neither a concern nor an error.
    not_rated: int = 0
    unmatched: int = 0
    errors: int = 0
    first_errors: list[dict[str, Any]] = field(default_factory=list)
    report: str | None = None

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def error(self, report: ImportReport, row: int | None, column: str | None,
              message: str) -> None:
        self.errors += 1
        report.error(row, column, message)
        if len(self.first_errors) < FIRST_ERRORS:
            self.first_errors.append({"row": row, "column": column, "message": message})

    def not_ours(self, report: ImportReport, service_id: str) -> None:
        self.unmatched += 1
        report.unmatched(service_id)


class RegulatorImports(SharingFacts):
    """Records regulators' grades and closures, visit figures and reported concerns (the newest
    grades are shared with the councils an agreement shares them with)."""

    def report_concern(self, report: ReportedConcern) -> ReportedConcern:
        """Records a concern a person reported; the same report again changes nothing."""
        if not self.exists(report.id):
            self.provider(report.provider_id)
            self.save(report)
        return self.repository.get(report.id)

    def record_visit_figures(self, figures: list[VisitFigures]) -> int:
        new = [f for f in figures if not self.exists(f.id)]
        if new:
            self.save(*new)
        return len(new)

    def import_report(self, sha256: str) -> bytes:
        """A stored import report's CSV; FileNotFoundError when there is none by that name."""
        return self.adapters.import_reports.get(sha256)

    def _published(self, report: ImportReport) -> str | None:
        return report.publish(self.adapters.import_reports)

    # Grades and closures ---------------------------------------------------------------------

    def _standing_of(self, regulator: Regulator, service_id: str) -> RegulatorStanding:
        found = self.find(RegulatorStanding,
                          RegulatorStanding.create_id(regulator.value, service_id))
        return found or RegulatorStanding(regulator=regulator.value, service_id=service_id)

    def record_grades(self, contract: Contract | ContractRecord, grades: Grades, by: str,
                      correlation_id: str, registered_as: str | None = None) -> str:
        """Records the grades for the contract's service: "recorded" (newest: risk reads them),
        "older" (kept as history, told to no one) or "unchanged" (recorded before)."""
        for _ in range(2):
            record_id = InspectionRecord.create_id(grades.regulator.value, grades.service_id,
                                                   grades.graded_on)
            if self.exists(record_id):
                return "unchanged"
            standing = self._standing_of(grades.regulator, grades.service_id)
            if registered_as and standing.closed and standing.is_newer(grades.graded_on):
                standing.reopen(registered_as)
            current = standing.is_newer(grades.graded_on) and not standing.closed
            record = _record(contract, grades, current, by, correlation_id)
            if current:
                standing.hold_grades(grades.graded_on)
            # The newest grades go to the councils an agreement shares grades with (issue 20).
            shared = self.grades_to_share(
                contract.provider_id, contract.reference, grades.regulator.value,
                grades.service_id, grades.graded_on, grades.min_grade, grades.overall,
                correlation_id) if current else []
            try:
                self.save(record, standing, *shared)
            except IntegrityError:
                continue  # another import recorded this service meanwhile: read it again
            return "recorded" if current else "older"
        return "unchanged"

    def close_service(self, contract: Contract | ContractRecord, regulator: Regulator,
                      service_id: str, status: str, correlation_id: str,
                      closed_on: date | None = None, as_of: date | None = None) -> bool:
        """Records that the regulator shows the contract's service as no longer registered; False
        when that was recorded before or the contract has ended (no one buys it any more)."""
        if contract.end_date is not None and contract.end_date < self.today():
            return False
        standing = self._standing_of(regulator, service_id)
        # A later file repeating the closure changes only the date held (saved, told to no one).
        closed = standing.close(status, contract.provider_id, contract.reference,
                                contract.contract_manager, correlation_id, closed_on, as_of)
        try:
            self.save(standing)
        except IntegrityError:
            return False  # another import recorded the closure first
        return closed

    # The Care Inspectorate's datastore -------------------------------------------------------

    def import_care_inspectorate(
        self, binary: IO[bytes], by: str, correlation_id: str,
        progress: Callable[[int], None] | None = None,
    ) -> ImportSummary:
        """Records the grades and closures of every service in the datastore file that one of
        our contracts holds, reading the file a row at a time."""
        summary, report = ImportSummary(), ImportReport()
        for item in read_datastore(binary):
            summary.rows += 1
            if isinstance(item, RowError):
                if item.row_number == 1:
                    summary.rows -= 1  # the header: no row was read
                summary.error(report, item.row_number, item.column, item.message)
            else:
                self._datastore_service(summary, report, item, by, correlation_id)
            if progress is not None:
                progress(summary.rows)
        summary.report = self._published(report)
        return summary

    def _datastore_service(self, summary: ImportSummary, report: ImportReport,
                           service: DatastoreService, by: str, correlation_id: str) -> None:
        contract = self.contract_for_regulator_service(service.service_number)
        if contract is None:
            summary.not_ours(report, service.service_number)
        elif service.closed:
            as_of = service.grades.graded_on if service.grades else None
            if self.close_service(contract, Regulator.CARE_INSPECTORATE, service.service_number,
                                  service.status, correlation_id, as_of=as_of):
                summary.count("closed")
        elif service.grades is not None:
            grades = care_inspectorate_grades(service.grades)
            summary.count(self.record_grades(contract, grades, by, correlation_id,
                                             registered_as=service.status))

    # CQC -------------------------------------------------------------------------------------

    def sync_cqc(self, since: datetime, until: datetime, by: str,
                 correlation_id: str) -> ImportSummary:
        """Asks CQC which locations changed and records the ratings and closures of ours."""
        if self.adapters.cqc is None:
            raise Refused("no CQC API key is configured (ASSURE_CQC_API_KEY)", field="since")
        with self.adapters.cqc() as client:
            return self.sync_cqc_with(client, since, until, by, correlation_id)

    def sync_cqc_with(self, client: CqcClient, since: datetime, until: datetime, by: str,
                      correlation_id: str) -> ImportSummary:
        summary, report = ImportSummary(), ImportReport()
        for location_id in client.changed_locations(since, until):
            summary.rows += 1
            contract = self.contract_for_regulator_service(location_id)
            if contract is None or contract.regulator != Regulator.CQC:
                summary.not_ours(report, location_id)
                continue
            self._cqc_location(summary, report, client.location(location_id), contract, by,
                               correlation_id)
        summary.report = self._published(report)
        return summary

    def _cqc_location(self, summary: ImportSummary, report: ImportReport,
                      location: CqcLocation, contract: ContractRecord, by: str,
                      correlation_id: str) -> None:
        if location.deregistered:
            if self.close_service(contract, Regulator.CQC, location.location_id,
                                  location.registration_status, correlation_id,
                                  location.deregistered_on, as_of=location.deregistered_on):
                summary.count("closed")
            return
        try:
            rating = location.rating()
        except CqcLocationNotRated:
            # Not rated is what CQC says of a new or unratable service: nothing to raise or fix.
            summary.count("not_rated")
            return
        summary.count(self.record_grades(contract, cqc_grades(rating), by, correlation_id,
                                         registered_as=location.registration_status))

    # Call monitoring -------------------------------------------------------------------------

    def import_visits(self, text: str, correlation_id: str) -> ImportSummary:
        """Turns call-monitoring visits into monthly figures per contract."""
        result = parse_visits(text)
        summary, report = ImportSummary(), ImportReport()
        for error in result.errors:
            summary.error(report, error.row_number, error.column, error.message)
        known = {c.reference: c for c in self.register_view().contracts_with(
            {visit.contract_reference for visit in result.records})}
        figures = list(_visit_figures(result.records, known, summary, report, correlation_id))
        summary.recorded = self.record_visit_figures(figures)
        summary.unchanged = len(figures) - summary.recorded
        summary.report = self._published(report)
        return summary


def _record(contract: Contract | ContractRecord, grades: Grades, current: bool, by: str,
            correlation_id: str) -> InspectionRecord:
    return InspectionRecord(
        provider_id=contract.provider_id, contract_reference=contract.reference,
        regulator=grades.regulator.value, regulator_service_id=grades.service_id,
        grades=grades.grades, min_grade=grades.min_grade, overall=grades.overall,
        graded_on=grades.graded_on, poor_performance=grades.poor_performance, recorded_by=by,
        correlation_id=correlation_id, published_min_grade=grades.published_min_grade,
        current=current, inherited_from=grades.inherited_from,
    )


def _visit_figures(visits: list[Any], known: dict[str, ContractRecord], summary: ImportSummary,
                   report: ImportReport, correlation_id: str) -> Iterator[VisitFigures]:
    for month in monthly_figures(visits):
        contract = known.get(month.contract_reference)
        if contract is None:
            summary.not_ours(report, month.contract_reference)
            continue
        yield VisitFigures(
            provider_id=contract.provider_id, contract_reference=contract.reference,
            month=month.month, planned=month.planned, delivered=month.delivered,
            missed=month.missed, late=month.late,
            short_notice_cancellations=month.short_notice_cancellations,
            correlation_id=correlation_id,
        )
