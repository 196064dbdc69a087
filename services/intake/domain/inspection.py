"""What the regulators found: Care Inspectorate grades (Scotland) and CQC ratings (England).

Both scales feed the same poor-performance trigger, "inspection grade 3 or below" (000,
domain-rules.md §2 and §6): a grade of 3 (adequate) or lower on the Care Inspectorate's six-point
scale, or "requires improvement" or "inadequate" from the CQC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum

from shared.domain import InvalidInput


class CareInspectorateGrade(IntEnum):
    """The Care Inspectorate's six-point scale; each key question gets one grade."""

    UNSATISFACTORY = 1
    WEAK = 2
    ADEQUATE = 3
    GOOD = 4
    VERY_GOOD = 5
    EXCELLENT = 6

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()


class CqcRatingScale(StrEnum):
    """The CQC's four-point scale, best first."""

    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires improvement"
    INADEQUATE = "inadequate"


CQC_KEY_QUESTIONS = ("safe", "effective", "caring", "responsive", "well-led")
CQC_POOR_RATINGS = frozenset({CqcRatingScale.REQUIRES_IMPROVEMENT, CqcRatingScale.INADEQUATE})


def _check_grade(grade: object, field_name: str, what: str) -> int:
    # bool is an int in Python; a True grade is a bug upstream, not a grade of 1.
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 6:
        raise InvalidInput(f"{what} must be a whole grade from 1 to 6, not {grade!r}", field_name)
    return grade


def _check_identifier(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field_name} must not be blank", field_name)
    return value.strip()


def _check_date(value: object, field_name: str) -> date:
    if not isinstance(value, date):
        raise InvalidInput(f"{field_name} must be a date, not {value!r}", field_name)
    return value


@dataclass(frozen=True)
class CareInspectorateGrades:
    """A service's latest Care Inspectorate grades, by key question, as published on a date.

    A key question that was not graded at the last inspection is simply absent. `min_grade` is
    the lowest grade the service holds: never above a listed grade, and below all of them when
    it comes from a key question not listed. `published_min_grade` is the datastore's own
    MinGrade, kept for comparison: real files leave some key questions out of it (KQ_COVID19 in
    2020-22), so it can be above the lowest grade.
    """

    service_number: str
    key_question_grades: dict[str, int] = field(hash=False)
    min_grade: int
    graded_on: date
    published_min_grade: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "service_number", _check_identifier(self.service_number, "service_number")
        )
        grades = {
            _check_identifier(name, "key_question_grades"): _check_grade(
                grade, "key_question_grades", f"the grade for {name}"
            )
            for name, grade in dict(self.key_question_grades).items()
        }
        object.__setattr__(self, "key_question_grades", grades)
        _check_grade(self.min_grade, "min_grade", "the minimum grade")
        if grades and self.min_grade > min(grades.values()):
            raise InvalidInput(
                f"the minimum grade {self.min_grade} is above the key question grade "
                f"{min(grades.values())}",
                "min_grade",
            )
        _check_date(self.graded_on, "graded_on")
        if self.published_min_grade is not None:
            _check_grade(self.published_min_grade, "min_grade", "the datastore's MinGrade")

    @classmethod
    def from_key_questions(
        cls, service_number: str, key_question_grades: dict[str, int], graded_on: date
    ) -> CareInspectorateGrades:
        """Grades whose minimum is the lowest key question grade."""
        if not key_question_grades:
            raise InvalidInput("at least one key question must be graded", "key_question_grades")
        return cls(
            service_number, key_question_grades, min(key_question_grades.values()), graded_on
        )

    def at_or_below(self, threshold: int) -> dict[str, int]:
        """The key questions graded at or below the threshold."""
        return {name: g for name, g in self.key_question_grades.items() if g <= threshold}


def normalise_cqc_rating(value: object, field_name: str) -> CqcRatingScale:
    """A CQC rating as the API or a person writes it ("Requires improvement") on our scale."""
    text = " ".join(str(value).replace("_", " ").split()).lower() if value is not None else ""
    try:
        return CqcRatingScale(text)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a CQC rating (outstanding, good, requires improvement, inadequate)",
            field_name,
        ) from None


def normalise_cqc_key_question(name: object) -> str:
    """A key question's name ("Well-led", "well_led") as one of CQC_KEY_QUESTIONS."""
    text = "-".join(str(name).replace("_", " ").replace("-", " ").split()).lower()
    if text not in CQC_KEY_QUESTIONS:
        raise InvalidInput(
            f"{name!r} is not a CQC key question ({', '.join(CQC_KEY_QUESTIONS)})",
            "key_questions",
        )
    return text


@dataclass(frozen=True)
class CqcRating:
    """A location's current CQC ratings: overall and by key question, as published on a date."""

    location_id: str
    overall: str
    key_questions: dict[str, str] = field(hash=False)
    published_on: date
    # The location CQC rated when the rating was inherited on re-registration (a change of
    # owner or address since 1 April 2019): the rating's `organisationId`, else None.
    inherited_from: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "location_id", _check_identifier(self.location_id, "location_id"))
        object.__setattr__(self, "overall", normalise_cqc_rating(self.overall, "overall"))
        ratings = {
            normalise_cqc_key_question(name): normalise_cqc_rating(rating, "key_questions")
            for name, rating in dict(self.key_questions).items()
        }
        object.__setattr__(self, "key_questions", ratings)
        _check_date(self.published_on, "published_on")

    def poor_ratings(self) -> dict[str, str]:
        """Overall and key questions rated requires improvement or inadequate."""
        rated = {"overall": self.overall, **self.key_questions}
        return {name: rating for name, rating in rated.items() if rating in CQC_POOR_RATINGS}


@dataclass(frozen=True)
class GradeThreeOrBelowIsPoorPerformance:
    """A Care Inspectorate grade of 3 or below opens a poor-performance process (000).

    The threshold is per organisation; 3 is the documented default (domain-rules.md §2).
    """

    threshold: int = 3
    name = "inspection-grade-3-or-below"
    source = '000: "inspection grade 3 or below"'

    def is_broken(self, grades: CareInspectorateGrades) -> bool:
        return grades.min_grade <= self.threshold

    def summary(self, grades: CareInspectorateGrades) -> str:
        """The officer's one-line reading of why the rule is broken."""
        low = grades.at_or_below(self.threshold)
        detail = ", ".join(f"{_label(name)} {grade}" for name, grade in sorted(low.items()))
        return (
            f"Care Inspectorate grade {grades.min_grade} "
            f"({CareInspectorateGrade(grades.min_grade).label}) for {grades.service_number}"
            + (f": {detail}" if detail else "")
        )


@dataclass(frozen=True)
class RequiresImprovementOrInadequateIsPoorPerformance:
    """The CQC counterpart of grade 3 or below: requires improvement or inadequate (000, §2).

    Like the Care Inspectorate's minimum grade, any key question rated that low counts, not only
    the overall rating.
    """

    name = "cqc-requires-improvement-or-inadequate"
    source = '000: "inspection grade 3 or below", read onto the CQC scale (domain-rules.md §2)'

    def is_broken(self, rating: CqcRating) -> bool:
        return bool(rating.poor_ratings())

    def summary(self, rating: CqcRating) -> str:
        """The officer's one-line reading of why the rule is broken."""
        poor = rating.poor_ratings()
        detail = ", ".join(f"{_label(name)} {value}" for name, value in poor.items())
        return f"CQC rating for {rating.location_id}: {detail}"


def _label(name: str) -> str:
    return name.replace("_", " ")
