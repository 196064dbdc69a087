"""Regulators' findings as the council reads them (domain-rules.md §2 and §6, seed 000).

000: poor performance includes "Care Inspectorate grades fall to 3 or below"; domain-rules.md §2
reads the CQC's "requires improvement" and "inadequate" onto the same idea.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain.inspection import (
    CareInspectorateGrade,
    CareInspectorateGrades,
    CqcRating,
    CqcRatingScale,
    GradeThreeOrBelowIsPoorPerformance,
    RequiresImprovementOrInadequateIsPoorPerformance,
)
from shared.domain import InvalidInput

pytestmark = pytest.mark.unit

GRADED_ON = date(2025, 3, 14)


def graded(**grades: int) -> CareInspectorateGrades:
    return CareInspectorateGrades.from_key_questions("CS2003000101", grades, GRADED_ON)


def rated(overall: str = "Good", **key_questions: str) -> CqcRating:
    return CqcRating("1-101", overall, key_questions, date(2025, 2, 1))


# The Care Inspectorate's six-point scale (domain-rules.md §2).


def test_the_care_inspectorate_scale_runs_from_unsatisfactory_to_excellent():
    assert [(g.value, g.label) for g in CareInspectorateGrade] == [
        (1, "unsatisfactory"), (2, "weak"), (3, "adequate"), (4, "good"), (5, "very good"),
        (6, "excellent"),
    ]


def test_the_minimum_grade_is_the_lowest_key_question_grade():
    grades = graded(support_wellbeing=5, leadership=3, staff_team=4)

    assert grades.min_grade == 3
    assert grades.graded_on == GRADED_ON


@pytest.mark.parametrize("grade", [0, 7, -1, 3.5, "4", True])
def test_a_grade_outside_1_to_6_is_refused_naming_the_key_question(grade):
    with pytest.raises(InvalidInput) as refused:
        CareInspectorateGrades("CS1", {"leadership": grade}, 1, GRADED_ON)

    assert refused.value.field == "key_question_grades"
    assert "leadership" in refused.value.message


@pytest.mark.parametrize("min_grade", [0, 7])
def test_a_minimum_grade_outside_1_to_6_is_refused(min_grade):
    with pytest.raises(InvalidInput) as refused:
        CareInspectorateGrades("CS1", {}, min_grade, GRADED_ON)

    assert refused.value.field == "min_grade"


def test_a_minimum_grade_above_a_key_question_grade_is_refused():
    # MinGrade is the lowest grade the service holds, so it can never sit above one of them.
    with pytest.raises(InvalidInput) as refused:
        CareInspectorateGrades("CS1", {"leadership": 3}, 4, GRADED_ON)

    assert refused.value.field == "min_grade"


def test_a_minimum_grade_may_come_from_a_question_not_listed():
    # Older datastore files hold quality-theme grades beside the key questions (MinGrade covers
    # both), so a minimum below every listed key question is allowed.
    grades = CareInspectorateGrades("CS1", {"leadership": 4}, 2, GRADED_ON)

    assert grades.min_grade == 2


def test_grades_need_a_service_number_and_a_date():
    with pytest.raises(InvalidInput) as no_number:
        CareInspectorateGrades(" ", {"leadership": 4}, 4, GRADED_ON)
    with pytest.raises(InvalidInput) as no_date:
        CareInspectorateGrades("CS1", {"leadership": 4}, 4, "14/03/2025")  # type: ignore[arg-type]

    assert no_number.value.field == "service_number"
    assert no_date.value.field == "graded_on"


def test_grades_do_not_change_when_the_callers_dictionary_does():
    source = {"leadership": 4}
    grades = CareInspectorateGrades.from_key_questions("CS1", source, GRADED_ON)

    source["leadership"] = 1

    assert grades.key_question_grades == {"leadership": 4}


# GradeThreeOrBelowIsPoorPerformance (000: "inspection grade 3 or below").


def test_a_grade_of_3_or_below_is_poor_performance():
    rule = GradeThreeOrBelowIsPoorPerformance()

    assert rule.is_broken(graded(support_wellbeing=5, leadership=3))
    assert rule.is_broken(graded(staff_team=1))


def test_grades_of_4_and_above_are_not_poor_performance():
    assert not GradeThreeOrBelowIsPoorPerformance().is_broken(graded(leadership=4, setting=6))


def test_a_grade_of_3_anywhere_counts_even_when_the_rest_are_excellent():
    grades = graded(support_wellbeing=6, care_and_support_planning=6, setting=6, staff_team=6,
                    leadership=3)

    assert GradeThreeOrBelowIsPoorPerformance().is_broken(grades)


def test_a_council_may_set_its_own_grade_threshold():
    # domain-rules.md preamble: documented values are defaults, configurable per organisation.
    strict = GradeThreeOrBelowIsPoorPerformance(threshold=4)

    assert strict.is_broken(graded(leadership=4))
    assert not strict.is_broken(graded(leadership=5))


def test_the_grade_rule_says_which_key_questions_are_low():
    grades = graded(support_wellbeing=5, leadership=2, staff_team=3)

    summary = GradeThreeOrBelowIsPoorPerformance().summary(grades)

    assert summary == (
        "Care Inspectorate grade 2 (weak) for CS2003000101: leadership 2, staff team 3"
    )


# CQC ratings (domain-rules.md §2: support both scales).


def test_cqc_ratings_are_read_as_cqc_writes_them():
    rating = rated("Requires improvement", Safe="Inadequate", **{"Well-led": "Good"})

    assert rating.overall == CqcRatingScale.REQUIRES_IMPROVEMENT
    assert rating.key_questions == {"safe": "inadequate", "well-led": "good"}


@pytest.mark.parametrize("overall", ["Excellent", "", None, "Not rated"])
def test_an_unknown_cqc_rating_is_refused(overall):
    with pytest.raises(InvalidInput) as refused:
        rated(overall)

    assert refused.value.field == "overall"


def test_an_unknown_key_question_rating_or_name_is_refused():
    with pytest.raises(InvalidInput) as bad_rating:
        rated(safe="Very good")
    with pytest.raises(InvalidInput) as bad_name:
        rated(kind="Good")

    assert bad_rating.value.field == "key_questions"
    assert bad_name.value.field == "key_questions"


def test_a_cqc_rating_needs_a_location_and_a_publication_date():
    with pytest.raises(InvalidInput) as no_location:
        CqcRating("", "Good", {}, date(2025, 2, 1))
    with pytest.raises(InvalidInput) as no_date:
        CqcRating("1-101", "Good", {}, None)  # type: ignore[arg-type]

    assert no_location.value.field == "location_id"
    assert no_date.value.field == "published_on"


# RequiresImprovementOrInadequateIsPoorPerformance: the CQC side of "grade 3 or below".


@pytest.mark.parametrize("overall", ["Requires improvement", "Inadequate"])
def test_requires_improvement_or_inadequate_overall_is_poor_performance(overall):
    assert RequiresImprovementOrInadequateIsPoorPerformance().is_broken(rated(overall))


def test_a_key_question_rated_inadequate_is_poor_performance_even_when_overall_is_good():
    # As with the Care Inspectorate's minimum grade, one low key question is enough.
    rating = rated("Good", Safe="Inadequate", Caring="Good")

    rule = RequiresImprovementOrInadequateIsPoorPerformance()

    assert rule.is_broken(rating)
    assert rule.summary(rating) == "CQC rating for 1-101: safe inadequate"


def test_good_and_outstanding_ratings_are_not_poor_performance():
    rating = rated("Outstanding", Safe="Good", Effective="Outstanding", Caring="Good",
                   Responsive="Good", **{"Well-led": "Outstanding"})

    assert not RequiresImprovementOrInadequateIsPoorPerformance().is_broken(rating)
