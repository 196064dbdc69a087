"""How intake rates a return's sections from its answers (domain-rules §4;
services/intake/domain/section_ratings.py): a LEVEL 1 return's ratings as its officer gave them,
and the rules for every other form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.intake.domain.section_ratings import (
    annualised,
    rate_balance,
    rate_compliance,
    rate_involvement,
    rate_issues,
    rate_outcomes,
    rate_policies,
    rate_shortfall,
    rate_spend,
    rate_staffing,
    rate_targets,
    rate_turnover,
    section_ratings,
    worst,
)
from shared.contracts.forms import FORMS, example, parse_form
from shared.contracts.forms.cmr_level_1 import MEETING_RECORD_SECTIONS, RETURN_SECTIONS
from shared.contracts.forms.common import Achievement, OutcomeReport, StaffingLevel
from shared.contracts.intake import Rating
from shared.contracts.risk import RiskLevel
from shared.vocabulary import UnknownForm
from tests.unit.test_forms import parsed

pytestmark = pytest.mark.unit

GREEN, AMBER, RED = Rating.GREEN, Rating.AMBER, Rating.RED


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_forms_example_rates_every_section_green(form):
    submitted = parse_form(form, 1, example(form))

    assert section_ratings(submitted)
    assert set(section_ratings(submitted).values()) == {GREEN}


def test_a_form_no_rules_rate_is_refused_by_name():
    class AnnualAccounts:
        form = "annual-accounts"

    with pytest.raises(UnknownForm, match="'annual-accounts'"):
        section_ratings(AnnualAccounts())


def test_a_kpi_return_may_carry_only_the_kpis_due():
    submitted = parse_form("kpi", 1, {
        "period_start": "2025-04-01", "period_end": "2026-03-31",
        "kpi4": {"people_wanting_employment": 8, "obtained_employment": 2,
                 "retained_employment": 1},
    })

    assert section_ratings(submitted) == {"kpi4_employment": GREEN}


# LEVEL 1 carries its own ratings ---------------------------------------------------------


def test_a_level_1_return_rates_its_five_sections_and_each_meeting_record_section():
    ratings = section_ratings(parsed("cmr-level-1"))

    assert list(ratings) == [*RETURN_SECTIONS, *MEETING_RECORD_SECTIONS]
    assert len(ratings) == 5 + 13
    assert list(MEETING_RECORD_SECTIONS.values()) == [
        "1", "2a", "2b", "2c", "3", "4", "5", "6a", "6b", "6c", "6d", "7", "8"]


def test_a_level_1_return_passes_on_the_ratings_it_was_given():
    submitted = parsed("cmr-level-1", staffing__rating="red", finance__rating="amber")

    ratings = section_ratings(submitted)

    assert (ratings["staffing"], ratings["finance"]) == (RED, AMBER)
    assert ratings["safety_and_quality"] == GREEN


# Rules for the other forms ---------------------------------------------------------------


def test_the_worst_rating_wins():
    assert worst(GREEN, AMBER, GREEN) is AMBER
    assert worst(AMBER, RED) is RED
    assert worst(GREEN) is GREEN


@pytest.mark.parametrize(("missing", "rating"), [(0, GREEN), (1, AMBER), (2, AMBER), (3, RED)])
def test_policies_all_present_green_one_or_two_missing_amber_more_red(missing, rating):
    assert rate_policies(missing) is rating


def test_a_level_2_return_missing_two_policies_rates_its_policies_amber():
    no = {"in_place": False, "reason": "Being written by our HR adviser."}
    submitted = parsed("return-level-2", operational_policies__living_wage=no,
                       operational_policies__volunteering=no)

    assert section_ratings(submitted)["operational_policies"] is AMBER


@pytest.mark.parametrize(("level", "rating"), [
    (StaffingLevel.NO_SHORTAGES, GREEN),
    (StaffingLevel.SHORTAGES_NOT_LIMITING_SERVICE, AMBER),
    (StaffingLevel.AGENCY_STAFF_USED, AMBER),
    (StaffingLevel.SHORTAGES_LIMITING_SERVICE, RED),
])
def test_staffing_shortages_that_limit_the_service_rate_red(level, rating):
    assert rate_staffing(level) is rating


def _outcomes(*achieved: Achievement) -> tuple[OutcomeReport, ...]:
    return tuple(OutcomeReport(outcome=f"outcome {i}", achieved=a) for i, a in enumerate(achieved))


def test_outcomes_all_achieved_green_mostly_missed_red_otherwise_amber():
    yes, partly, no = Achievement.ACHIEVED, Achievement.PARTLY_ACHIEVED, Achievement.NOT_ACHIEVED

    assert rate_outcomes(_outcomes(yes, yes)) is GREEN
    assert rate_outcomes(_outcomes(yes, partly)) is AMBER
    assert rate_outcomes(_outcomes(yes, no)) is AMBER
    assert rate_outcomes(_outcomes(yes, no, no)) is RED


@pytest.mark.parametrize(("met", "unmet", "rating"), [
    (3, 0, GREEN), (0, 0, GREEN), (2, 1, AMBER), (1, 1, AMBER), (1, 2, RED),
])
def test_performance_targets_unmet_rate_amber_and_red_when_most_are_unmet(met, unmet, rating):
    assert rate_targets(met, unmet) is rating


def test_a_level_2_return_with_most_targets_unmet_rates_delivery_red():
    submitted = parsed("return-level-2", delivery_against_contract__kpis_unmet=[
        "Open five days a week", "Outcome stars every quarter", "Twenty members attending"])

    assert section_ratings(submitted)["delivery_against_contract"] is RED


def test_issues_rate_by_the_most_serious_risk_reported():
    assert rate_issues([]) is GREEN
    assert rate_issues([RiskLevel.LOW]) is GREEN
    assert rate_issues([RiskLevel.LOW, RiskLevel.MEDIUM]) is AMBER
    assert rate_issues([RiskLevel.MEDIUM, RiskLevel.HIGH]) is RED


def test_no_feedback_gathered_from_people_using_the_service_rates_amber():
    assert rate_involvement(True) is GREEN
    assert rate_involvement(False) is AMBER


@pytest.mark.parametrize(("income", "expenditure", "rating"), [
    ("1000", "1000", GREEN), ("1000", "1100", AMBER), ("1000", "1100.01", RED), ("0", "1", RED),
])
def test_spending_over_income_is_amber_up_to_a_tenth_and_red_beyond(income, expenditure, rating):
    assert rate_balance(Decimal(income), Decimal(expenditure)) is rating


@pytest.mark.parametrize(("spent", "rating"), [
    ("10000", GREEN), ("7500", GREEN), ("7499.99", AMBER), ("10000.01", AMBER),
])
def test_a_level_3_grant_spent_between_three_quarters_and_all_of_it_is_green(spent, rating):
    assert rate_spend(Decimal(10000), Decimal(spent)) is rating


def test_a_level_3_return_with_outcomes_not_achieved_rates_outcomes_red():
    submitted = parsed("return-level-3", outcomes=[
        {"outcome": "People know where to get help", "achieved": "not_achieved"}])

    assert section_ratings(submitted) == {
        "outcomes": RED, "funding": GREEN, "operational_policies": GREEN}


@pytest.mark.parametrize(("actual", "rating"), [("95", GREEN), ("85", AMBER), ("84.99", RED)])
def test_a_kpi_short_of_its_target_is_amber_within_ten_points_and_red_beyond(actual, rating):
    assert rate_shortfall(Decimal(actual), Decimal(95)) is rating


def test_commissioned_hours_short_of_95_percent_rate_amber():
    submitted = parsed("kpi", kpi5__delivered_hours="5000.00")  # 91.58% of 5,460 hours

    assert section_ratings(submitted)["kpi5_commissioned_hours"] is AMBER


def test_staff_turnover_is_rated_on_its_annual_rate_against_30_percent():
    assert annualised(Decimal("7.5"), 91) == Decimal("30.08")
    assert rate_turnover(Decimal(30)) is GREEN
    assert rate_turnover(Decimal(40)) is AMBER
    assert rate_turnover(Decimal("40.01")) is RED


def test_a_quarter_losing_a_fifth_of_the_staff_rates_turnover_red():
    submitted = parsed("kpi", kpi6__leavers=12, kpi6__headcount_end=50)

    assert section_ratings(submitted)["kpi6_staff_turnover"] is RED


def test_only_the_kpis_in_the_return_are_rated():
    assert set(section_ratings(parsed("kpi"))) == {
        "kpi2_spot_checks", "kpi3_complaints_and_concerns", "kpi5_commissioned_hours",
        "kpi6_staff_turnover"}


# The light-touch self-assessment (002) --------------------------------------------------------


def test_a_self_assessment_with_everything_in_order_rates_every_section_green():
    assert set(section_ratings(parsed("self-assessment")).values()) == {GREEN}


def test_a_missed_compliance_indicator_rates_amber_never_red():
    submitted = parsed("self-assessment", incidents_this_period=30, asp_training_percent=10,
                       six_monthly_reviews_up_to_date=False)

    assert rate_compliance(True) is GREEN and rate_compliance(False) is AMBER
    assert section_ratings(submitted) == {
        "six_monthly_reviews": AMBER, "personal_outcomes": GREEN, "engagement_surveys": GREEN,
        "incidents": AMBER, "asp_training": AMBER, "supervisions": GREEN,
        "mandatory_training": GREEN,
    }
