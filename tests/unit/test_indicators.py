"""002's compliance and intelligence indicators, read from each return (domain-rules.md §5)."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.section_ratings import section_ratings
from services.risk.application.answers import answers_of
from services.risk.domain import indicators as module
from services.risk.domain.indicators import Indicators, indicators_for, shares_saying_yes
from shared.contracts.forms import FORMS, example, parse_form
from shared.contracts.forms.self_assessment import SECTIONS
from shared.vocabulary import COMPLIANCE, INTELLIGENCE
from shared.vocabulary import INDICATOR_LABELS as LABELS

pytestmark = pytest.mark.unit

CMR = "cmr-level-1"
SAQ = "self-assessment"


def cmr(**changes: dict[str, Any]) -> dict[str, Any]:
    """The all-good example CMR with some of its sections' answers changed."""
    answers = example(CMR)
    for section, values in changes.items():
        answers[section] = {**answers[section], **values}
    return answers


def saq(**changes: Any) -> dict[str, Any]:
    return {**example(SAQ), **changes}


def ratings(form: str, answers: dict[str, Any]) -> dict[str, str]:
    """The section ratings intake would send with the answers; none if they are not a form."""
    try:
        return section_ratings(parse_form(form, FORMS[form].version, answers))
    except (KeyError, ValidationError):
        return {}


def read(form: str, answers: dict[str, Any]) -> Indicators:
    return indicators_for(form, answers_of(form, answers), ratings(form, answers))


def flags(form: str, answers: dict[str, Any]) -> dict[str, bool | None]:
    found = read(form, answers)
    return {**found.compliance, **found.intelligence}


# The names and 002's words ------------------------------------------------------------------


def test_there_are_seven_compliance_and_five_intelligence_indicators_as_002_reports():
    assert len(COMPLIANCE) == 7
    assert len(INTELLIGENCE) == 5


def test_every_indicator_has_a_stable_snake_case_name_and_a_plain_english_label():
    assert set(LABELS) == {*COMPLIANCE, *INTELLIGENCE}
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in LABELS)


def test_labels_read_as_002_words_them_after_a_share_of_providers():
    # 002: "73.3% reported that Adult Support and Protection Training was up to date".
    assert LABELS["asp_training_up_to_date"] == (
        "reported that Adult Support and Protection Training was up to date")
    assert LABELS["personal_outcomes_not_all_met"] == (
        "have not met all personal outcomes for people they support")
    assert LABELS["affected_by_staffing_shortages"] == (
        "reported being affected by staffing shortages")


def test_the_self_assessment_rates_a_section_for_each_compliance_indicator():
    assert tuple(SECTIONS) == COMPLIANCE


def test_the_form_names_read_are_the_forms_own():
    assert {module.CMR_LEVEL_1, module.SELF_ASSESSMENT, module.LEVEL_2, module.LEVEL_3,
            module.KPI} == set(FORMS)


@pytest.mark.parametrize("form", [*sorted(FORMS), "a-form-we-never-made"])
def test_every_return_gives_every_indicator_even_when_the_form_does_not_say(form):
    found = read(form, example(form) if form in FORMS else {})

    assert tuple(found.compliance) == COMPLIANCE
    assert tuple(found.intelligence) == INTELLIGENCE


# The self-assessment questionnaire (002) ----------------------------------------------------


def test_a_self_assessment_with_nothing_of_concern_meets_every_indicator():
    found = read(SAQ, example(SAQ))

    assert found.compliance == {**dict.fromkeys(COMPLIANCE, True),
                                "incidents_up_on_previous_period": False}
    assert found.intelligence == dict.fromkeys(INTELLIGENCE, False)


@pytest.mark.parametrize(("changes", "indicator", "value"), [
    ({"six_monthly_reviews_up_to_date": False}, "six_monthly_reviews_up_to_date", False),
    ({"personal_outcomes_met_percent": 79}, "personal_outcomes_met", False),
    ({"personal_outcomes_met_percent": 80}, "personal_outcomes_met", True),
    ({"personal_outcomes_met_percent": "99.5"}, "personal_outcomes_not_all_met", True),
    ({"engagement_or_satisfaction_surveys_done": False}, "engagement_surveys_done", False),
    ({"incidents_this_period": 11, "incidents_previous_period": 11},
     "incidents_up_on_previous_period", False),
    ({"asp_training_percent": "79.9"}, "asp_training_up_to_date", False),
    ({"asp_training_percent": 80}, "asp_training_up_to_date", True),
    ({"supervisions_up_to_date_percent": "79.9"}, "supervisions_up_to_date", False),
    ({"supervisions_up_to_date_percent": 80}, "supervisions_up_to_date", True),
    ({"mandatory_training_up_to_date": False}, "mandatory_training_up_to_date", False),
    ({"mandatory_training_up_to_date": False}, "mandatory_training_not_up_to_date", True),
    ({"staffing": "shortages_not_limiting_service"}, "affected_by_staffing_shortages", True),
    ({"staffing": "agency_staff_used"}, "affected_by_staffing_shortages", True),
    ({"management_changes": True}, "management_changes", True),
    ({"capacity_or_vacancy_concerns": True}, "capacity_or_vacancy_concerns", True),
])
def test_a_self_assessment_answer_turns_its_indicator(changes, indicator, value):
    assert flags(SAQ, saq(**changes))[indicator] is value


def test_a_self_assessment_under_pressure_shows_in_both_sets_of_indicators():
    found = read(SAQ, saq(
        incidents_this_period=14, asp_training_percent=79, supervisions_up_to_date_percent=60,
        mandatory_training_up_to_date=False, staffing="shortages_not_limiting_service",
        management_changes=True, capacity_or_vacancy_concerns=True,
        personal_outcomes_met_percent=85))

    assert found.compliance == {
        "six_monthly_reviews_up_to_date": True, "personal_outcomes_met": True,
        "engagement_surveys_done": True, "incidents_up_on_previous_period": True,
        "asp_training_up_to_date": False, "supervisions_up_to_date": False,
        "mandatory_training_up_to_date": False,
    }
    assert found.intelligence == dict.fromkeys(INTELLIGENCE, True)


def test_more_incidents_than_the_period_before_are_an_increase():
    assert flags(SAQ, saq(incidents_this_period=12, incidents_previous_period=11))[
        "incidents_up_on_previous_period"] is True


def test_outcomes_80_percent_met_are_met_but_not_all_met():
    # 002's figures overlap (30% met, 78.3% not all met): 80-99% is both.
    found = flags(SAQ, saq(personal_outcomes_met_percent=90))

    assert found["personal_outcomes_met"] is True
    assert found["personal_outcomes_not_all_met"] is True


def test_a_self_assessment_missing_a_rating_or_an_answer_says_nothing_about_it():
    sections = ratings(SAQ, saq())
    del sections["asp_training"], sections["incidents"]
    answers = replace(answers_of(SAQ, saq()), management_changes=None)

    found = indicators_for(SAQ, answers, sections)

    assert found.compliance["asp_training_up_to_date"] is None
    assert found.compliance["incidents_up_on_previous_period"] is None
    assert found.compliance["supervisions_up_to_date"] is True
    assert found.intelligence["management_changes"] is None


# The LEVEL 1 contract monitoring return (004 App. 3) ----------------------------------------


def test_a_cmr_with_nothing_of_concern_meets_every_indicator_it_asks_about():
    found = read(CMR, example(CMR))

    assert found.compliance == {**dict.fromkeys(COMPLIANCE, True),
                                "incidents_up_on_previous_period": None}
    assert found.intelligence == {**dict.fromkeys(INTELLIGENCE, False),
                                  "personal_outcomes_not_all_met": None}


def test_a_cmr_does_not_say_whether_incidents_rose_as_it_counts_this_period_only():
    answers = cmr(incidents_and_accidents={"incidents": 40})

    assert flags(CMR, answers)["incidents_up_on_previous_period"] is None


@pytest.mark.parametrize(("changes", "indicator", "value"), [
    ({"reviews": {"six_monthly_reviews_up_to_date": False}},
     "six_monthly_reviews_up_to_date", False),
    ({"satisfaction_surveys": {"surveys_done": False}}, "engagement_surveys_done", False),
    ({"adult_support_and_protection": {"training_compliance_percent": 72}},
     "asp_training_up_to_date", False),
    ({"adult_support_and_protection": {"training_compliance_percent": 80}},
     "asp_training_up_to_date", True),
    ({"supervision_and_appraisal": {"supervision_compliance_percent": "79.5"}},
     "supervisions_up_to_date", False),
    ({"supervision_and_appraisal": {"supervision_compliance_percent": 80}},
     "supervisions_up_to_date", True),
    ({"mandatory_training": {"up_to_date": False}}, "mandatory_training_up_to_date", False),
    ({"mandatory_training": {"up_to_date": False}}, "mandatory_training_not_up_to_date", True),
    ({"staffing": {"position": "shortages_not_limiting_service"}},
     "affected_by_staffing_shortages", True),
    ({"staffing": {"position": "shortages_limiting_service"}},
     "affected_by_staffing_shortages", True),
    ({"staffing": {"position": "agency_staff_used"}}, "affected_by_staffing_shortages", True),
    ({"leadership_and_management": {"management_changes": True}}, "management_changes", True),
    ({"sustainability": {"capacity_concerns": True}}, "capacity_or_vacancy_concerns", True),
])
def test_a_cmr_answer_turns_its_indicator(changes, indicator, value):
    assert flags(CMR, cmr(**changes))[indicator] is value


@pytest.mark.parametrize("rating", ["amber", "red"])
def test_a_cmr_whose_outcomes_are_not_rated_green_has_outcomes_not_all_met(rating):
    # The CMR records outcomes as evidence text under a rated section: the rating is the answer.
    found = flags(CMR, cmr(outcomes={"rating": rating}))

    assert found["personal_outcomes_met"] is False
    assert found["personal_outcomes_not_all_met"] is True


def test_a_cmr_with_green_outcomes_does_not_say_every_outcome_was_met():
    found = flags(CMR, example(CMR))

    assert found["personal_outcomes_met"] is True
    assert found["personal_outcomes_not_all_met"] is None


@pytest.mark.parametrize("answers", [
    {},
    {"adult_support_and_protection": "94"},
    {"adult_support_and_protection": {"training_compliance_percent": "lots"}},
    {"adult_support_and_protection": {"training_compliance_percent": 150}},
    {"reviews": {"six_monthly_reviews_up_to_date": "yes"}},
    {"staffing": {"position": "fine"}},
    {"outcomes": {"rating": "gold"}},
])
def test_a_cmr_answer_missing_or_of_the_wrong_shape_says_nothing(answers):
    assert set(flags(CMR, answers).values()) == {None}


# The other forms, partly --------------------------------------------------------------------


def test_a_level_2_return_gives_feedback_staffing_and_outcomes():
    answers = example("return-level-2")
    answers["delivery_against_contract"]["outcomes"][1]["achieved"] = "partly_achieved"
    answers["involvement_and_feedback"]["feedback_gathered"] = False
    answers["service_update"]["staffing"] = "shortages_limiting_service"

    found = flags("return-level-2", answers)

    assert found["personal_outcomes_met"] is False  # one of two achieved is below 80%
    assert found["personal_outcomes_not_all_met"] is True
    assert found["engagement_surveys_done"] is False
    assert found["affected_by_staffing_shortages"] is True
    assert found["asp_training_up_to_date"] is None


def test_a_level_2_return_with_every_outcome_achieved_has_them_all_met():
    found = flags("return-level-2", example("return-level-2"))

    assert found["personal_outcomes_met"] is True
    assert found["personal_outcomes_not_all_met"] is False


def test_a_level_3_return_reporting_feedback_has_gathered_it_and_without_it_does_not_say():
    answers = example("return-level-3")

    assert flags("return-level-3", answers)["engagement_surveys_done"] is True
    del answers["feedback"]
    assert flags("return-level-3", answers)["engagement_surveys_done"] is None


def test_a_level_3_return_with_an_outcome_not_achieved_has_outcomes_not_all_met():
    answers = example("return-level-3")
    answers["outcomes"][0]["achieved"] = "not_achieved"

    found = flags("return-level-3", answers)

    assert found["personal_outcomes_not_all_met"] is True
    assert found["personal_outcomes_met"] is False


@pytest.mark.parametrize(("achieved", "met", "not_all_met"), [
    (10, True, False), (9, True, True), (8, True, True), (7, False, True),
])
def test_a_kpi_return_with_kpi1_gives_outcomes_met_at_80_percent(achieved, met, not_all_met):
    answers = {**example("kpi"), "kpi1": {
        "people_supported": 10, "outcomes_set": 10, "outcomes_achieved": achieved}}

    found = flags("kpi", answers)

    assert (found["personal_outcomes_met"], found["personal_outcomes_not_all_met"]) == (
        met, not_all_met)


def test_a_kpi_return_without_kpi1_says_nothing():
    assert set(flags("kpi", example("kpi")).values()) == {None}


def test_a_form_we_never_made_says_nothing():
    assert set(flags("a-form-we-never-made", example(SAQ)).values()) == {None}


# Adding them up for the governance report (002) ---------------------------------------------


def test_the_share_saying_yes_counts_only_the_returns_that_say():
    returns = [
        read(SAQ, saq(asp_training_percent=72, incidents_this_period=20)),
        read(SAQ, saq()),
        read(SAQ, saq()),
        read(CMR, cmr(staffing={"position": "agency_staff_used"})),
    ]

    shares = shares_saying_yes(returns)

    assert shares["asp_training_up_to_date"] == Decimal("75.0")
    assert shares["incidents_up_on_previous_period"] == Decimal("33.3")  # the CMR does not say
    assert shares["affected_by_staffing_shortages"] == Decimal("25.0")
    assert shares["personal_outcomes_not_all_met"] == Decimal("0.0")


def test_an_indicator_no_return_speaks_to_has_no_share():
    shares = shares_saying_yes([read("kpi", example("kpi"))])

    assert shares["management_changes"] is None
    assert set(shares) == set(LABELS)


def test_no_returns_give_no_shares():
    assert set(shares_saying_yes([]).values()) == {None}


def test_indicators_are_plain_values():
    found = read(SAQ, example(SAQ))

    assert found == Indicators(dict(found.compliance), dict(found.intelligence))
