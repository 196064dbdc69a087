"""What the council learns about a provider besides returns: grades, concerns, visit figures."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import InvalidInput, stable_id


class InspectionRecord(Aggregate):
    """A regulator's grades for a service on a date; recording the same ones again is a no-op.

    `current` is False for grades older than the ones already held for the service (an older
    monthly file imported after a newer one): they are kept as history and tell no one.
    `inherited_from` names the predecessor location a CQC rating was inherited from: the
    predecessor's inspection, kept with its date, and not a new inspection of this one.
    """

    @staticmethod
    def create_id(regulator: str, regulator_service_id: str, graded_on: date, **_: object) -> UUID:
        return stable_id("inspection", regulator, regulator_service_id, graded_on.isoformat())

    @event("Recorded")
    def __init__(
        self,
        provider_id: str,
        contract_reference: str,
        regulator: str,
        regulator_service_id: str,
        grades: dict[str, str],
        min_grade: int | None,
        overall: str | None,
        graded_on: date,
        poor_performance: bool,
        recorded_by: str,
        correlation_id: str,
        published_min_grade: int | None = None,
        current: bool = True,
        inherited_from: str | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.grades = grades
        self.poor_performance = poor_performance
        self.current = current
        self.inherited_from = inherited_from


class ReportedConcern(Aggregate):
    """A concern a person reported: operational staff, a complaint, whistleblowing, ASP …"""

    @staticmethod
    def create_id(report_key: str, **_: object) -> UUID:
        return stable_id("reported-concern", report_key)

    @event("Reported")
    def __init__(
        self,
        report_key: str,
        provider_id: str,
        contract_reference: str | None,
        source: str,
        description: str,
        safety_at_risk: bool,
        reported_by: str,
        correlation_id: str,
        recorded_by: str | None = None,
    ) -> None:
        if not description.strip():
            raise InvalidInput("describe the concern", field="description")
        self.report_key = report_key
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.source = source
        self.description = description
        self.safety_at_risk = safety_at_risk


class VisitFigures(Aggregate):
    """One month of call-monitoring figures for a contract; a re-import replaces nothing."""

    @staticmethod
    def create_id(contract_reference: str, month: date, **_: object) -> UUID:
        return stable_id("visit-figures", contract_reference, month.isoformat())

    @event("Recorded")
    def __init__(
        self,
        provider_id: str,
        contract_reference: str,
        month: date,
        planned: int,
        delivered: int,
        missed: int,
        late: int,
        short_notice_cancellations: int,
        correlation_id: str,
    ) -> None:
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.month = month
        self.planned = planned
        self.delivered = delivered
        self.missed = missed
        self.late = late
        self.short_notice_cancellations = short_notice_cancellations
