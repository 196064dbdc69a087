"""A regulator's grades for one service as intake records them, from either regulator's scale,
with the poor-performance rule each scale names (domain/inspection.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.intake.domain.contract import Regulator
from services.intake.domain.inspection import (
    CareInspectorateGrades,
    CqcRating,
    GradeThreeOrBelowIsPoorPerformance,
    RequiresImprovementOrInadequateIsPoorPerformance,
)


@dataclass(frozen=True)
class Grades:
    """A regulator's grades for one service as intake records them."""

    regulator: Regulator
    service_id: str
    grades: dict[str, str]
    graded_on: date
    poor_performance: bool
    min_grade: int | None = None
    overall: str | None = None
    published_min_grade: int | None = None
    inherited_from: str | None = None


def care_inspectorate_grades(grades: CareInspectorateGrades) -> Grades:
    return Grades(
        Regulator.CARE_INSPECTORATE, grades.service_number,
        {kq: str(grade) for kq, grade in grades.key_question_grades.items()}, grades.graded_on,
        GradeThreeOrBelowIsPoorPerformance().is_broken(grades), min_grade=grades.min_grade,
        published_min_grade=grades.published_min_grade,
    )


def cqc_grades(rating: CqcRating) -> Grades:
    return Grades(
        Regulator.CQC, rating.location_id, dict(rating.key_questions), rating.published_on,
        RequiresImprovementOrInadequateIsPoorPerformance().is_broken(rating),
        overall=rating.overall, inherited_from=rating.inherited_from,
    )
