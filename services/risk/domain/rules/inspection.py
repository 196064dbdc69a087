"""Inspection findings: Care Inspectorate grade 3 or below, CQC requires improvement or inadequate.

000 lists "Care Inspectorate grades fall to 3 or below" among the poor-performance examples;
domain-rules.md §2 reads the CQC's "requires improvement" and "inadequate" onto the same idea.
The rules read `InspectionGradeRecorded` as plain values (`InspectionFindings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from services.risk.domain.rules.trigger import Trigger, label, listing, whole
from shared.uk import long_date
from shared.vocabulary import Severity

CARE_INSPECTORATE = "care-inspectorate"
CQC = "cqc"
GRADE_LABELS = {1: "unsatisfactory", 2: "weak", 3: "adequate", 4: "good", 5: "very good",
                6: "excellent"}
REQUIRES_IMPROVEMENT = "requires improvement"
INADEQUATE = "inadequate"


@dataclass(frozen=True)
class InspectionFindings:
    """A regulator's grades for one service, as `InspectionGradeRecorded` carries them."""

    event_id: str
    regulator: str  # "care-inspectorate" or "cqc"
    service_id: str  # the Care Inspectorate service number or the CQC location id
    graded_on: date
    grades: Mapping[str, str] = field(default_factory=dict, hash=False)  # key question: grade
    min_grade: int | None = None  # Care Inspectorate: the lowest grade the service holds
    overall: str | None = None  # CQC: the overall rating


def _lowest_grade(findings: InspectionFindings) -> int | None:
    if findings.min_grade is not None:
        return findings.min_grade
    numbers = [int(g) for g in findings.grades.values() if str(g).strip().isdigit()]
    return min(numbers, default=None)


@dataclass(frozen=True)
class GradeThreeOrBelowRaisesAConcern:
    """A Care Inspectorate grade of 3 (adequate) or below raises a concern (000; §2, §6).

    Defaults: `threshold` 3 (000); `serious_at_or_below` 2, so weak or unsatisfactory is a serious
    concern and adequate a moderate one; `safety_at_risk_at_or_below` 1, unsatisfactory.
    """

    threshold: int = 3
    serious_at_or_below: int = 2
    safety_at_risk_at_or_below: int = 1
    name: ClassVar[str] = "inspection-grade-3-or-below"
    reads: ClassVar[type] = InspectionFindings

    def __post_init__(self) -> None:
        for what in ("threshold", "serious_at_or_below", "safety_at_risk_at_or_below"):
            whole(getattr(self, what), what)

    def check(self, findings: InspectionFindings) -> Trigger | None:
        lowest = _lowest_grade(findings)
        if findings.regulator != CARE_INSPECTORATE or lowest is None or lowest > self.threshold:
            return None
        return Trigger(
            rule=self.name,
            category="inspection",
            severity=Severity.SERIOUS if lowest <= self.serious_at_or_below else Severity.MODERATE,
            summary=self._summary(findings, lowest),
            safety_at_risk=lowest <= self.safety_at_risk_at_or_below,
            evidence=(findings.event_id,),
        )

    def _summary(self, findings: InspectionFindings, lowest: int) -> str:
        low = sorted(
            f"{label(question)} {grade}" for question, grade in findings.grades.items()
            if str(grade).strip().isdigit() and int(grade) <= self.threshold
        )
        detail = f": {listing(low)}" if low else ""
        return (
            f"The Care Inspectorate's grades of {long_date(findings.graded_on)} for service "
            f"{findings.service_id} fall to {lowest} ({GRADE_LABELS.get(lowest, 'ungraded')}), "
            f"at or below grade {self.threshold}{detail}."
        )


@dataclass(frozen=True)
class RequiresImprovementOrInadequateRaisesAConcern:
    """A CQC rating of requires improvement or inadequate raises a concern (000 read onto the CQC
    scale, domain-rules.md §2).

    Any key question counts, not only the overall rating, as the Care Inspectorate's lowest grade
    does. Defaults: inadequate anywhere is serious, requires improvement moderate; people's safety
    is at risk when the overall rating or the "safe" key question is inadequate.
    """

    poor: frozenset[str] = frozenset({REQUIRES_IMPROVEMENT, INADEQUATE})
    serious: frozenset[str] = frozenset({INADEQUATE})
    name: ClassVar[str] = "cqc-requires-improvement-or-inadequate"
    reads: ClassVar[type] = InspectionFindings

    def check(self, findings: InspectionFindings) -> Trigger | None:
        if findings.regulator != CQC:
            return None
        poor = self._poor_ratings(findings)
        if not poor:
            return None
        serious = [name for name, rating in poor.items() if rating in self.serious]
        return Trigger(
            rule=self.name,
            category="inspection",
            severity=Severity.SERIOUS if serious else Severity.MODERATE,
            summary=_cqc_summary(findings, poor),
            safety_at_risk=bool({"overall", "safe"} & set(serious)),
            evidence=(findings.event_id,),
        )

    def _poor_ratings(self, findings: InspectionFindings) -> dict[str, str]:
        rated = {"overall": findings.overall or "", **findings.grades}
        ratings = {_question(name): label(str(rating)).lower() for name, rating in rated.items()}
        return {name: rating for name, rating in ratings.items() if rating in self.poor}


def _question(name: str) -> str:
    # CQC writes "well-led" with its hyphen; other machine names become words.
    words = label(name).lower()
    return "well-led" if words == "well led" else words


def _cqc_summary(findings: InspectionFindings, poor: dict[str, str]) -> str:
    parts = [f"{rating} {'overall' if name == 'overall' else 'for ' + name}"
             for name, rating in poor.items()]
    return (
        f"The CQC rated location {findings.service_id} {listing(parts)}, "
        f"published on {long_date(findings.graded_on)}."
    )


@dataclass(frozen=True)
class ServiceClosure:
    """The regulator shows a contracted service as no longer registered, as
    `RegulatedServiceClosed` carries it."""

    event_id: str
    regulator: str
    service_id: str
    contract_reference: str
    status: str  # the regulator's word: "Inactive", "Deregistered" ...
    closed_on: date | None = None


@dataclass(frozen=True)
class NoLongerRegisteredRaisesAConcern:
    """A contracted service the regulator no longer registers raises a concern of its own (issue
    21): the council is buying a service that may not legally operate. Serious by default; the
    contract manager hears of it as of any concern."""

    severity: Severity = Severity.SERIOUS
    name: ClassVar[str] = "regulator-no-longer-registered"
    reads: ClassVar[type] = ServiceClosure

    def check(self, closure: ServiceClosure) -> Trigger | None:
        regulator = "Care Inspectorate" if closure.regulator == CARE_INSPECTORATE else "CQC"
        since = f" since {long_date(closure.closed_on)}" if closure.closed_on else ""
        return Trigger(
            rule=self.name,
            category="inspection",
            severity=self.severity,
            summary=(f"The regulator shows this service as no longer registered: the {regulator} "
                     f"lists {closure.service_id} (contract {closure.contract_reference}) as "
                     f"{closure.status.lower()}{since}."),
            safety_at_risk=False,
            evidence=(closure.event_id,),
        )
