"""The scoring model: ratings and answers to a score that explains itself (issue 4; §5; 002)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from services.intake.domain.section_ratings import section_ratings
from services.risk.application.answers import answers_of as read
from services.risk.domain.answers import NOTHING_SAID
from services.risk.domain.model import (
    DEFAULT_MODEL,
    FIRST_MODEL,
    KNOWN_MODELS,
    RULES,
    AspTrainingBelowThresholdCostsPoints,
    Deduction,
    IncidentsNotNotifiedCostPoints,
    SaferRecruitmentChecksMissingCostPoints,
    StaffingShortagesLimitingTheServiceCostPoints,
    SupervisionBelowThresholdCostsPoints,
    label,
    model_from_dict,
    score,
)
from shared.contracts.forms import FORMS, example, parse_form
from shared.contracts.intake import Rating
from shared.contracts.risk import Band

pytestmark = pytest.mark.unit

CMR = "cmr-level-1"
SAQ = "self-assessment"
LEVEL_2 = "return-level-2"


def ratings_of(form: str, answers: dict[str, Any]) -> dict[str, Rating]:
    """The section ratings intake would send, from answers that must still be a valid form."""
    return section_ratings(parse_form(form, FORMS[form].version, answers))


def scored(form: str, answers: dict[str, Any], model=DEFAULT_MODEL, sections=None):
    return score(model, ratings_of(form, answers) if sections is None else sections,
                 read(form, answers))


def costs(form: str, answers: dict[str, Any], model=DEFAULT_MODEL) -> list[str]:
    """The explanation lines of a return whose sections are all green: only answers cost."""
    explanation = scored(form, answers, model, sections={"overall": "green"}).explanation
    return [str(deduction) for deduction in explanation]


def cmr(**changes: dict[str, Any]) -> dict[str, Any]:
    """The all-good example CMR with some of its sections' answers changed."""
    answers = example(CMR)
    for section, values in changes.items():
        answers[section] = {**answers[section], **values}
    return answers


def saq(**changes: Any) -> dict[str, Any]:
    return {**example(SAQ), **changes}


def org_model(**deductions: Any):
    return model_from_dict({"version": "test-org-1", "deductions": deductions})


def total(explanation: tuple[Deduction, ...]) -> Decimal:
    return sum((d.points for d in explanation), Decimal(0))


# A return with nothing wrong ----------------------------------------------------------------


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_return_with_every_section_green_and_nothing_wrong_scores_100(form):
    result = scored(form, example(form))

    assert result.percentage == Decimal("100.00")
    assert result.band is Band.FULL
    assert result.explanation == ()
    assert result.explanation_lines() == ["nothing cost any points"]
    assert result.model_version == DEFAULT_MODEL.version == "sections-and-answers-2"


def test_each_section_keeps_its_rating_in_the_score():
    answers = cmr(finance={"rating": "amber"}, staffing={"rating": "red"})

    result = scored(CMR, answers)

    assert result.section_ratings["finance"] is Rating.AMBER
    assert result.section_ratings["staffing"] is Rating.RED
    assert result.section_ratings["outcomes"] is Rating.GREEN
    assert len(result.section_ratings) == 18


def test_a_red_section_of_a_cmr_costs_its_share_of_the_eighteen_sections():
    # 100 points lost over 18 equally weighted sections is 5.56 to the penny.
    result = scored(CMR, cmr(finance={"rating": "red"}))

    assert result.percentage == Decimal("94.44")
    assert result.explanation_lines() == ["Finance rated red: 5.56 points"]


# Bands with the model: 100%, 75-99%, 50-74%, below 50% (002; domain-rules.md §5) -------------


@pytest.mark.parametrize(("cost", "percentage", "band"), [
    ("0", "100.00", Band.FULL),
    ("0.01", "99.99", Band.NO_SIGNIFICANT_RISK),
    ("25", "75.00", Band.NO_SIGNIFICANT_RISK),
    ("25.01", "74.99", Band.MODERATE_RISK),
    ("50", "50.00", Band.MODERATE_RISK),
    ("50.01", "49.99", Band.SIGNIFICANT_RISK),
    ("50.5", "49.50", Band.SIGNIFICANT_RISK),
    ("100", "0.00", Band.SIGNIFICANT_RISK),
])
def test_a_score_lands_in_the_band_of_the_governance_report(cost, percentage, band):
    model = org_model(**{"asp-training-below-threshold": cost})
    answers = cmr(adult_support_and_protection={"training_compliance_percent": 72})

    result = scored(CMR, answers, model)

    assert result.percentage == Decimal(percentage)
    assert result.band is band


def test_a_ratings_score_of_49_5_is_below_50_not_rounded_up_into_50_to_74():
    # 002 writes "below 49%"; 49.5 falls between its bands and counts as below 50%.
    model = model_from_dict({"version": "test-org-1", "weights": {"finance": 99, "outcomes": 101}})

    result = score(model, {"finance": "green", "outcomes": "red"}, NOTHING_SAID)

    assert result.percentage == Decimal("49.50")
    assert result.band is Band.SIGNIFICANT_RISK


def test_a_ratings_score_of_74_99_is_50_to_74():
    model = model_from_dict({"version": "test-org-1",
                             "weights": {"finance": "50.02", "outcomes": "49.98"}})

    result = score(model, {"finance": "amber", "outcomes": "green"}, NOTHING_SAID)

    assert result.percentage == Decimal("74.99")
    assert result.band is Band.MODERATE_RISK


# Each answer rule, firing and not -----------------------------------------------------------
# ASP training and supervisions: at least 80% of staff (004 App. 3 §5 and §6b).


@pytest.mark.parametrize(("form", "answers"), [
    (CMR, cmr(adult_support_and_protection={"training_compliance_percent": 72})),
    (SAQ, saq(asp_training_percent=72)),
])
def test_asp_training_below_80_percent_costs_5_points(form, answers):
    assert costs(form, answers) == ["ASP training 72% is below the 80% threshold: 5 points"]


@pytest.mark.parametrize("percent", [80, "80.0", 94, 100])
def test_asp_training_of_80_percent_or_more_costs_nothing(percent):
    answers = cmr(adult_support_and_protection={"training_compliance_percent": percent})

    assert AspTrainingBelowThresholdCostsPoints().applies(read(CMR, answers)) is None


def test_asp_training_just_short_of_80_percent_costs_points_and_says_the_figure():
    answers = saq(asp_training_percent="79.99")

    deduction = AspTrainingBelowThresholdCostsPoints().applies(read(SAQ, answers))

    assert str(deduction) == "ASP training 79.99% is below the 80% threshold: 5 points"
    assert deduction.rule == "asp-training-below-threshold"


@pytest.mark.parametrize(("form", "answers"), [
    (CMR, cmr(supervision_and_appraisal={"supervision_compliance_percent": 70})),
    (SAQ, saq(supervisions_up_to_date_percent="70.0")),
])
def test_supervisions_below_80_percent_cost_5_points(form, answers):
    assert costs(form, answers) == ["Supervision 70% is below the 80% threshold: 5 points"]


@pytest.mark.parametrize(("form", "answers"), [
    (CMR, cmr(supervision_and_appraisal={"supervision_compliance_percent": 80})),
    (SAQ, saq(supervisions_up_to_date_percent="87.5")),
])
def test_supervisions_at_80_percent_or_more_cost_nothing(form, answers):
    assert SupervisionBelowThresholdCostsPoints().applies(read(form, answers)) is None


# Staffing: shortages limiting the service are what matters (004 App. 3 §6a).


def _level_2_staffing(position: str) -> dict[str, Any]:
    answers = example(LEVEL_2)
    answers["service_update"] = {**answers["service_update"], "staffing": position}
    return answers


@pytest.mark.parametrize(("form", "answers"), [
    (CMR, cmr(staffing={"position": "shortages_limiting_service"})),
    (SAQ, saq(staffing="shortages_limiting_service")),
    (LEVEL_2, _level_2_staffing("shortages_limiting_service")),
])
def test_staffing_shortages_limiting_the_service_cost_10_points(form, answers):
    assert costs(form, answers) == ["Staffing shortages are limiting the service: 10 points"]


@pytest.mark.parametrize("position", [
    "no_shortages", "shortages_not_limiting_service", "agency_staff_used",
])
def test_staffing_shortages_that_do_not_limit_the_service_cost_no_points(position):
    rule = StaffingShortagesLimitingTheServiceCostPoints()

    assert rule.applies(read(CMR, cmr(staffing={"position": position}))) is None
    assert rule.applies(read(SAQ, saq(staffing=position))) is None
    assert rule.applies(read(LEVEL_2, _level_2_staffing(position))) is None


# Safer recruitment: PVG, references, SSSC registration, hourly rate (004 App. 3 §6d).


@pytest.mark.parametrize(("check", "named"), [
    ("pvg_checks", "PVG checks"),
    ("references", "references"),
    ("sssc_registration", "SSSC registration"),
    ("hourly_rate_evidenced", "hourly rate"),
])
def test_a_safer_recruitment_check_missing_from_staff_files_costs_10_points(check, named):
    answers = cmr(safer_recruitment={check: False})

    assert costs(CMR, answers) == [
        f"Safer recruitment checks missing from staff files ({named}): 10 points"]


def test_several_missing_safer_recruitment_checks_cost_10_points_once_and_are_all_named():
    answers = cmr(safer_recruitment={"pvg_checks": False, "references": False,
                                     "sssc_registration": False})

    assert costs(CMR, answers) == [
        "Safer recruitment checks missing from staff files "
        "(PVG checks, references, SSSC registration): 10 points"]


def test_staff_files_with_every_safer_recruitment_check_cost_nothing():
    assert SaferRecruitmentChecksMissingCostPoints().applies(read(CMR, example(CMR))) is None


# Incidents: notifications to the Care Inspectorate (004 App. 3 §2c).


def _incidents(*notified: bool) -> dict[str, Any]:
    notes = [{"occurred_on": "2026-05-09", "summary": "Fall at home.",
              "notified_to_care_inspectorate": n} for n in notified]
    return cmr(incidents_and_accidents={"incidents": len(notes), "notable_incidents": notes})


def test_an_incident_not_notified_to_the_care_inspectorate_costs_5_points():
    assert costs(CMR, _incidents(True, False)) == [
        "1 incident not notified to the Care Inspectorate: 5 points"]


def test_several_incidents_not_notified_cost_5_points_once():
    assert costs(CMR, _incidents(False, False, True)) == [
        "2 incidents not notified to the Care Inspectorate: 5 points"]


@pytest.mark.parametrize("notified", [(), (True,), (True, True)])
def test_incidents_all_notified_cost_nothing(notified):
    assert IncidentsNotNotifiedCostPoints().applies(read(CMR, _incidents(*notified))) is None


# What a form does not ask costs nothing.


@pytest.mark.parametrize("rule", [cls() for cls in RULES.values()], ids=list(RULES))
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_rule_does_not_apply_to_a_return_with_nothing_wrong(rule, form):
    assert rule.applies(read(form, example(form))) is None
    assert rule.applies(NOTHING_SAID) is None


@pytest.mark.parametrize("answers", [
    {"adult_support_and_protection": {"training_compliance_percent": "n/a"}},
    {"adult_support_and_protection": {"training_compliance_percent": True}},
    {"adult_support_and_protection": {"training_compliance_percent": 720}},
    {"adult_support_and_protection": "72"},
    {"staffing": {"position": "very short"}},
    {"safer_recruitment": {"pvg_checks": "no"}},
    {"incidents_and_accidents": {"notable_incidents": "several"}},
])
def test_answers_that_are_not_the_form_say_nothing_and_cost_nothing(answers):
    # Intake validates every return; a body that is not the form (one from before the form
    # changed) is read as saying nothing rather than half read.
    assert read(CMR, answers) == NOTHING_SAID
    assert score(DEFAULT_MODEL, {"overall": Rating.GREEN}, read(CMR, answers)).percentage == \
        Decimal("100.00")


def test_a_form_risk_has_no_reader_for_says_nothing():
    assert read("a-form-we-never-made", example(SAQ)) == NOTHING_SAID


# The explanation adds up --------------------------------------------------------------------


def test_the_explanation_of_a_poor_return_says_what_cost_how_many_points():
    answers = cmr(
        outcomes={"rating": "amber"},
        adult_support_and_protection={"rating": "red", "training_compliance_percent": 72},
        staffing={"rating": "red", "position": "shortages_limiting_service"},
    )

    result = scored(CMR, answers)

    assert result.explanation_lines() == [
        "Outcomes rated amber: 2.78 points",
        "Adult support and protection rated red: 5.56 points",
        "Staffing rated red: 5.55 points",
        "ASP training 72% is below the 80% threshold: 5 points",
        "Staffing shortages are limiting the service: 10 points",
    ]
    assert result.percentage == Decimal("71.11")
    assert total(result.explanation) == 100 - result.percentage


def test_rounding_is_shared_out_so_the_lines_add_up_to_the_score():
    # Two ambers of three: 66.666...% rounds to 66.67; the two 16.666... lines share 33.33.
    result = score(DEFAULT_MODEL, {"a": "amber", "b": "amber", "c": "green"}, NOTHING_SAID)

    assert result.percentage == Decimal("66.67")
    assert [d.points for d in result.explanation] == [Decimal("16.67"), Decimal("16.66")]


def test_every_mix_of_ratings_explains_exactly_the_points_lost():
    for count in range(1, 8):
        for mix in itertools.product(("green", "amber", "red"), repeat=count):
            sections = {f"section_{i}": rating for i, rating in enumerate(mix)}
            result = score(DEFAULT_MODEL, sections, NOTHING_SAID)

            assert total(result.explanation) == 100 - result.percentage, sections


def test_without_answer_costs_the_model_scores_as_the_first_model_did():
    # Continuity with "rag-sections-1": the mean of green 100, amber 50, red 0.
    for mix in itertools.product(("green", "amber", "red"), repeat=6):
        sections = dict(zip(("a", "b", "c", "d", "e", "f"), mix, strict=True))

        assert score(DEFAULT_MODEL, sections, NOTHING_SAID).percentage == \
            score(FIRST_MODEL, sections, NOTHING_SAID).percentage


def test_a_score_never_falls_below_0_and_the_line_that_reaches_0_says_so():
    answers = cmr(
        safety_and_quality={"rating": "red"},
        adult_support_and_protection={"training_compliance_percent": 50},
        supervision_and_appraisal={"supervision_compliance_percent": 50},
        staffing={"position": "shortages_limiting_service"},
        safer_recruitment={"pvg_checks": False},
    )
    sections = {"safety_and_quality": "red", "staffing": "amber"}  # 25%

    result = scored(CMR, answers, sections=sections)

    assert result.percentage == Decimal("0.00")
    assert result.band is Band.SIGNIFICANT_RISK
    assert total(result.explanation) == 100
    assert result.explanation_lines()[-1] == (
        "Safer recruitment checks missing from staff files (PVG checks) "
        "(10 points; only 5 counted as a score cannot fall below 0%): 5 points")


# Limiting ratings: a red on safety or protection caps the band, whatever the arithmetic ----


def test_a_red_on_safety_and_quality_caps_the_score_in_the_50_to_74_band():
    # Oakwood's return (issue 18): red on safety and quality and on staffing, amber finance. The
    # arithmetic gives 86.11%, beside providers with nothing wrong; safety limits it to 74%.
    answers = cmr(safety_and_quality={"rating": "red"}, staffing={"rating": "red"},
                  finance={"rating": "amber"})

    result = scored(CMR, answers)

    assert result.percentage == Decimal("74.00")
    assert result.band is Band.MODERATE_RISK
    assert result.explanation_lines() == [
        "Finance rated amber: 2.78 points",
        "Safety and quality rated red: 5.56 points",
        "Staffing rated red: 5.55 points",
        "Safety and quality rated red, which limits the score to 74% (the 50-74% band): "
        "12.11 points",
    ]
    assert result.explanation[-1].rule == "limiting-rating"
    assert total(result.explanation) == 100 - result.percentage


def test_a_red_on_adult_support_and_protection_limits_the_score_too():
    result = scored(CMR, cmr(adult_support_and_protection={"rating": "red"}))

    assert (result.percentage, result.band) == (Decimal("74.00"), Band.MODERATE_RISK)
    assert "Adult support and protection rated red, which limits" in result.explanation_lines()[-1]


def test_both_limiting_sections_red_are_named_in_one_line():
    result = score(DEFAULT_MODEL, {"safety_and_quality": "red",
                                   "adult_support_and_protection": "red",
                                   **{f"s{i}": "green" for i in range(10)}}, NOTHING_SAID)

    assert result.percentage == Decimal("74.00")
    assert result.explanation_lines()[-1].startswith(
        "Safety and quality and adult support and protection rated red, which limits the "
        "score to 74%")


@pytest.mark.parametrize("sections", [
    {"safety_and_quality": "amber", "finance": "green"},  # amber does not limit
    {"finance": "red", "outcomes": "green", "staffing": "green", "reviews": "green"},
])
def test_only_a_red_on_a_limiting_section_limits_the_score(sections):
    result = score(DEFAULT_MODEL, sections, NOTHING_SAID)

    assert result.percentage > 74
    assert all(d.rule != "limiting-rating" for d in result.explanation)


def test_a_score_already_under_the_limit_keeps_its_arithmetic():
    result = score(DEFAULT_MODEL, {"safety_and_quality": "red", "finance": "green"}, NOTHING_SAID)

    assert result.percentage == Decimal("50.00")
    assert result.explanation_lines() == ["Safety and quality rated red: 50 points"]


def test_the_first_two_models_are_kept_as_they_were_so_their_scores_still_read():
    answers = cmr(safety_and_quality={"rating": "red"})

    assert scored(CMR, answers, KNOWN_MODELS["sections-and-answers-1"]).percentage == \
        Decimal("94.44")
    assert scored(CMR, answers, FIRST_MODEL).percentage == Decimal("94.44")


def test_a_council_marks_its_own_limiting_sections_and_limits():
    model = model_from_dict({"version": "council-limits-1", "limiting_sections": {
        "staffing": 49, "adult_support_and_protection": False}})

    assert model.limits == {"safety_and_quality": Decimal(74), "staffing": Decimal(49)}
    staffing = scored(CMR, cmr(staffing={"rating": "red"}), model)
    assert (staffing.percentage, staffing.band) == (Decimal("49.00"), Band.SIGNIFICANT_RISK)
    assert staffing.explanation_lines()[-1] == (
        "Staffing rated red, which limits the score to 49% (the below 50% band): 45.44 points")
    assert scored(CMR, cmr(adult_support_and_protection={"rating": "red"}),
                  model).percentage == Decimal("94.44")


def test_of_two_red_limiting_sections_the_lower_limit_holds():
    model = model_from_dict({"version": "council-limits-2",
                             "limiting_sections": {"adult_support_and_protection": 60}})
    result = score(model, {"safety_and_quality": "red",
                           "adult_support_and_protection": "red",
                           **{f"s{i}": "green" for i in range(10)}}, NOTHING_SAID)

    assert result.percentage == Decimal("60.00")
    assert result.explanation_lines()[-1].startswith(
        "Adult support and protection rated red, which limits the score to 60%")


def test_a_council_model_names_the_model_it_is_built_on():
    # A council model written before limiting ratings keeps its meaning by naming its base.
    earlier = model_from_dict({"version": "council-2025-1", "points": {"amber": 40},
                               "based_on": "sections-and-answers-1"})

    assert earlier.limits == {}
    assert model_from_dict({"version": "council-2026-1"}).limits == DEFAULT_MODEL.limits


# Per-organisation models --------------------------------------------------------------------


def test_an_organisation_that_weighs_outcomes_double_scores_a_red_there_lower():
    model = model_from_dict({"version": "dumfries-2026-1", "weights": {"outcomes": 2}})
    answers = cmr(outcomes={"rating": "red"})

    default, theirs = scored(CMR, answers), scored(CMR, answers, model)

    assert default.percentage == Decimal("94.44")
    assert theirs.percentage == Decimal("89.47")  # 200 of 1900 lost
    assert theirs.model_version == "dumfries-2026-1"
    assert theirs.explanation_lines() == ["Outcomes rated red: 10.53 points"]


def test_an_organisation_can_give_amber_more_points():
    model = model_from_dict({"version": "org-amber-60", "points": {"amber": 60}})

    result = score(model, {"finance": "amber", "outcomes": "green"}, NOTHING_SAID)

    assert result.percentage == Decimal("80.00")
    assert result.explanation_lines() == ["Finance rated amber: 20 points"]


def test_an_organisation_can_raise_the_asp_training_threshold_and_its_cost():
    model = org_model(**{"asp-training-below-threshold": {"points": 8, "threshold": 90}})
    answers = cmr(adult_support_and_protection={"training_compliance_percent": 85})

    assert costs(CMR, answers) == []
    assert costs(CMR, answers, model) == [
        "ASP training 85% is below the 90% threshold: 8 points"]


def test_an_organisation_can_switch_a_rule_off_with_0_points():
    model = org_model(**{"incidents-not-notified": 0})

    assert costs(CMR, _incidents(False), model) == []
    assert costs(CMR, _incidents(False)) != []


def test_an_organisation_that_changes_nothing_has_the_default_model():
    assert model_from_dict({"version": DEFAULT_MODEL.version}) == DEFAULT_MODEL


def test_a_changed_model_must_carry_a_version_of_its_own():
    # Every score names the model that made it; two models under one version could not be told
    # apart when scores are compared or re-scored.
    with pytest.raises(ValueError, match="version other than"):
        model_from_dict({"version": DEFAULT_MODEL.version, "points": {"amber": 60}})
    with pytest.raises(ValueError, match="needs a version"):
        model_from_dict({"points": {"amber": 60}})


@pytest.mark.parametrize(("overrides", "message"), [
    ({"threshold": 90}, "unknown scoring model 'threshold'"),
    ({"points": {"purple": 10}}, "unknown rating 'purple'"),
    ({"deductions": {"late-return": 5}}, "unknown deduction rule 'late-return'"),
    ({"deductions": {"incidents-not-notified": {"threshold": 2}}},
     "unknown setting of incidents-not-notified 'threshold'"),
    ({"points": {"amber": -5}}, "points for amber must be a number from 0 to 100"),
    ({"points": {"amber": 150}}, "points for amber must be a number from 0 to 100"),
    ({"points": {"amber": "fifty"}}, "points for amber must be a number"),
    ({"points": {"amber": True}}, "points for amber must be a number"),
    ({"points": {"amber": "50.125"}}, "more than two decimal places"),
    ({"points": {"amber": 100, "green": 90}}, "green must earn at least as many points"),
    ({"weights": {"finance": -1}}, "weight of finance must be a number from 0"),
    ({"weights": ["finance"]}, "weights must be a mapping"),
    ({"deductions": {"incidents-not-notified": 101}}, "points of incidents-not-notified"),
    ({"limiting_sections": ["staffing"]}, "limiting_sections must be a mapping"),
    ({"limiting_sections": {"staffing": 120}}, "limit of staffing must be a number from 0 to"),
    ({"limiting_sections": {"staffing": "half"}}, "limit of staffing must be a number"),
    ({"limiting_sections": {"staffing": True}}, "limit of staffing must be a number"),
    ({"based_on": "never-heard-of-it"}, "based_on names no known model"),
])
def test_an_organisation_model_that_makes_no_sense_is_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        model_from_dict({"version": "test-org-1", **overrides})


# Returns that cannot be scored --------------------------------------------------------------


def test_a_return_without_rated_sections_cannot_be_scored():
    with pytest.raises(ValueError, match="at least one rated section"):
        score(DEFAULT_MODEL, {}, NOTHING_SAID)


def test_a_section_rated_outside_red_amber_green_is_refused_by_name():
    with pytest.raises(ValueError, match="section 'finance' is rated 'purple'"):
        score(DEFAULT_MODEL, {"finance": "purple"}, NOTHING_SAID)


def test_a_return_whose_every_section_weighs_nothing_cannot_be_scored():
    model = model_from_dict({"version": "test-org-1", "weights": {"finance": 0}})

    with pytest.raises(ValueError, match="weighs 0"):
        score(model, {"finance": "red"}, NOTHING_SAID)


# Wording ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "written"), [
    ("safety_and_quality", "Safety and quality"),
    ("asp_training", "ASP training"),
    ("kpi1_service_user_outcomes", "KPI1 service user outcomes"),
    ("finance", "Finance"),
])
def test_a_section_is_named_as_an_officer_writes_it(section, written):
    assert label(section) == written


def test_one_point_is_a_point():
    assert str(Deduction("Finance rated amber", Decimal("1.00"))) == "Finance rated amber: 1 point"
