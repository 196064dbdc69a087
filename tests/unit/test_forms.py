"""Return forms: what a provider may send for each kind of return (how intake rates their sections
is tests/unit/test_section_ratings.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts.forms import (
    FORM_VERSIONS,
    FORMS,
    LEVEL_FORMS,
    CmrLevel1,
    KpiReturn,
    Level2Return,
    Level3Return,
    SelfAssessment,
    UnknownForm,
    example,
    form_for_level,
    parse_form,
)
from shared.contracts.forms.common import (
    POLICY_TITLES,
    OperationalPolicies,
    OperationalPolicy,
    StaffingLevel,
    uk_date,
)

pytestmark = pytest.mark.unit

DELETE = object()
ALL_FORMS = sorted(FORMS)


def edited(form: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The form's example with values at dotted paths replaced (or deleted with DELETE)."""
    data = example(form)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def parsed(form: str, **changes: Any) -> Any:
    return parse_form(form, 1, edited(form, {k.replace("__", "."): v for k, v in changes.items()}))


def refusals(form: str, changes: dict[str, Any]) -> dict[str, str]:
    """Each refused field's dotted path and its error type."""
    with pytest.raises(ValidationError) as refused:
        parse_form(form, 1, edited(form, changes))
    return {".".join(map(str, e["loc"])): e["type"] for e in refused.value.errors()}


def message_at(form: str, changes: dict[str, Any], path: str) -> str:
    with pytest.raises(ValidationError) as refused:
        parse_form(form, 1, edited(form, changes))
    return next(e["msg"] for e in refused.value.errors() if ".".join(map(str, e["loc"])) == path)


# The catalogue of forms ----------------------------------------------------------------------


def test_there_is_a_form_for_each_kind_of_return():
    assert set(FORMS) == {
        "cmr-level-1", "return-level-2", "return-level-3", "kpi", "self-assessment"}
    assert FORMS["cmr-level-1"] is CmrLevel1
    assert FORMS["return-level-2"] is Level2Return
    assert FORMS["return-level-3"] is Level3Return
    assert FORMS["kpi"] is KpiReturn
    assert FORMS["self-assessment"] is SelfAssessment
    assert {(name, 1): model for name, model in FORMS.items()} == FORM_VERSIONS


def test_each_monitoring_level_is_sent_its_own_return_form():
    assert [form_for_level(level) for level in (1, 2, 3)] == [
        "cmr-level-1", "return-level-2", "return-level-3"]
    assert LEVEL_FORMS == {"cmr-level-1": 1, "return-level-2": 2, "return-level-3": 3}
    assert "kpi" not in LEVEL_FORMS  # KPI returns and self-assessments go with any level
    # The names live in shared.vocabulary (plain data for intake's domain): each is its model's.
    assert {CmrLevel1.form: 1, Level2Return.form: 2, Level3Return.form: 3} == LEVEL_FORMS


def test_there_is_no_fourth_monitoring_level():
    with pytest.raises(UnknownForm, match="levels are 1, 2 and 3"):
        form_for_level(4)


@pytest.mark.parametrize(("form", "version"), [("cmr-level-9", 1), ("kpi", 2)])
def test_a_return_on_an_unknown_form_or_version_is_refused(form, version):
    with pytest.raises(UnknownForm, match="known: cmr-level-1 v1"):
        parse_form(form, version, {})


def test_an_unknown_form_is_a_value_error_and_has_no_example():
    assert issubclass(UnknownForm, ValueError)
    with pytest.raises(UnknownForm):
        example("annual-accounts")


@pytest.mark.parametrize("form", ALL_FORMS)
def test_each_forms_example_is_a_valid_return_with_nothing_of_concern(form):
    submitted = parse_form(form, 1, example(form))

    assert type(submitted) is FORMS[form]


@pytest.mark.parametrize("form", ALL_FORMS)
def test_a_return_survives_the_wire_as_json(form):
    submitted = parse_form(form, 1, example(form))

    assert FORMS[form].model_validate_json(submitted.model_dump_json()) == submitted


@pytest.mark.parametrize("form", ALL_FORMS)
def test_each_form_describes_itself_as_a_json_schema_for_the_template(form):
    schema = FORMS[form].model_json_schema()

    assert {"period_start", "period_end"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


def test_each_example_is_a_fresh_copy_to_edit():
    mine = example("cmr-level-1")
    mine["staffing"]["rating"] = "red"

    assert example("cmr-level-1")["staffing"]["rating"] == "green"


def test_a_submitted_return_cannot_be_altered():
    submitted = parse_form("kpi", 1, example("kpi"))

    with pytest.raises(ValidationError):
        submitted.period_end = date(2027, 1, 1)


# What is refused, and where ------------------------------------------------------------------


@pytest.mark.parametrize(("form", "path"), [
    ("cmr-level-1", "adult_support_and_protection.training_compliance_percent"),
    ("cmr-level-1", "supervision_and_appraisal.supervision_compliance_percent"),
    ("cmr-level-1", "reviews.reviews_up_to_date_percent"),
    ("self-assessment", "asp_training_percent"),
    ("self-assessment", "personal_outcomes_met_percent"),
])
def test_a_percentage_over_100_is_refused_naming_the_field(form, path):
    assert refusals(form, {path: 101}) == {path: "less_than_equal"}


def test_a_fractional_percentage_is_accepted():
    submitted = parsed("self-assessment", supervisions_up_to_date_percent="79.95")

    assert submitted.supervisions_up_to_date_percent == Decimal("79.95")


@pytest.mark.parametrize(("form", "path"), [
    ("cmr-level-1", "incidents_and_accidents.incidents"),
    ("cmr-level-1", "incidents_and_accidents.missed_visits"),
    ("kpi", "kpi6.leavers"),
    ("self-assessment", "incidents_this_period"),
    ("return-level-2", "day_centre_attendance.registered"),
])
def test_a_negative_count_is_refused_naming_the_field(form, path):
    assert path in refusals(form, {path: -1})


@pytest.mark.parametrize(("form", "path"), [
    ("return-level-2", "finance.income"),
    ("return-level-3", "funding.spent"),
    ("cmr-level-1", "finance.expenditure"),
])
def test_a_negative_sum_of_money_is_refused_naming_the_field(form, path):
    assert refusals(form, {path: "-250.00"}) == {path: "greater_than_equal"}


def test_money_is_counted_to_the_penny_not_beyond():
    path = "finance.income"
    assert refusals("return-level-2", {path: "100.005"}) == {path: "decimal_max_places"}


def test_an_incident_dated_outside_the_period_is_refused_naming_it():
    path = "incidents_and_accidents.notable_incidents.0.occurred_on"

    assert refusals("cmr-level-1", {path: "2026-08-03"}) == {path: "date_outside_period"}
    assert message_at("cmr-level-1", {path: "2026-08-03"}, path) == (
        "3 August 2026 lies outside the period 1 April 2026 to 31 July 2026")


def test_a_monitoring_meeting_dated_before_the_period_is_refused():
    path = "introduction_and_matters_arising.meeting_date"

    assert refusals("cmr-level-1", {path: "2026-03-31"}) == {path: "date_outside_period"}


def test_dates_on_the_first_and_last_days_of_the_period_are_inside_it():
    submitted = parsed(
        "cmr-level-1",
        introduction_and_matters_arising__meeting_date="2026-07-31",
        incidents_and_accidents__notable_incidents__0__occurred_on="2026-04-01",
    )

    assert submitted.introduction_and_matters_arising.meeting_date == date(2026, 7, 31)


def test_a_date_outside_the_period_is_named_beside_every_other_bad_answer():
    occurred_on = "incidents_and_accidents.notable_incidents.0.occurred_on"
    changes = {
        occurred_on: "2026-08-03",
        "introduction_and_matters_arising.meeting_date": "2026-03-31",
        "adult_support_and_protection.training_compliance_percent": 101,
        "staffing.rating": "purple",
    }

    assert refusals("cmr-level-1", changes) == {
        occurred_on: "date_outside_period",
        "introduction_and_matters_arising.meeting_date": "date_outside_period",
        "adult_support_and_protection.training_compliance_percent": "less_than_equal",
        "staffing.rating": "enum",
    }
    assert message_at("cmr-level-1", changes, occurred_on) == (
        "3 August 2026 lies outside the period 1 April 2026 to 31 July 2026")
    assert message_at(
        "cmr-level-1", changes, "adult_support_and_protection.training_compliance_percent",
    ) == "Input should be less than or equal to 100"


def test_a_date_that_is_no_date_is_named_once_and_only_as_no_date():
    occurred_on = "incidents_and_accidents.notable_incidents.0.occurred_on"

    assert refusals("cmr-level-1", {
        occurred_on: "3rd of August",
        "adult_support_and_protection.training_compliance_percent": 101,
    }) == {
        occurred_on: "date_from_datetime_parsing",
        "adult_support_and_protection.training_compliance_percent": "less_than_equal",
    }


def test_a_backwards_period_is_named_beside_the_other_bad_answers():
    assert refusals("cmr-level-1", {
        "period_end": "2026-03-31",
        "adult_support_and_protection.training_compliance_percent": 101,
    }) == {
        "period_end": "period_backwards",
        "adult_support_and_protection.training_compliance_percent": "less_than_equal",
    }


def test_dates_are_not_held_to_a_period_that_is_itself_refused():
    assert refusals("cmr-level-1", {
        "period_start": "the spring",
        "incidents_and_accidents.notable_incidents.0.occurred_on": "2026-08-03",
    }) == {"period_start": "date_from_datetime_parsing"}


@pytest.mark.parametrize("form", ALL_FORMS)
def test_a_period_that_ends_before_it_starts_is_refused_at_its_end(form):
    data = edited(form, {"period_end": "2020-01-31"})

    with pytest.raises(ValidationError) as refused:
        parse_form(form, 1, data)

    [error] = refused.value.errors()
    assert (error["loc"], error["type"]) == (("period_end",), "period_backwards")


@pytest.mark.parametrize(("form", "section"), [
    ("cmr-level-1", "safety_and_quality"),
    ("cmr-level-1", "safer_recruitment"),
    ("return-level-2", "operational_policies"),
    ("return-level-2", "contract_issues"),
    ("return-level-3", "signature"),
    ("return-level-3", "funding"),
    ("self-assessment", "staffing"),
    ("kpi", "period_start"),
])
def test_a_return_missing_a_section_is_refused_naming_the_section(form, section):
    assert refusals(form, {section: DELETE}) == {section: "missing"}


def test_a_rated_section_without_its_rating_is_refused():
    path = "staffing.rating"
    assert refusals("cmr-level-1", {path: DELETE}) == {path: "missing"}
    assert refusals("cmr-level-1", {path: "purple"}) == {path: "enum"}


@pytest.mark.parametrize(("form", "path"), [
    ("cmr-level-1", "provider_notes"),
    ("cmr-level-1", "staffing.bank_staff"),
    ("return-level-2", "operational_policies.smoking"),
    ("kpi", "kpi5.overtime_hours"),
])
def test_a_field_the_form_does_not_have_is_refused(form, path):
    assert refusals(form, {path: "anything"}) == {path: "extra_forbidden"}


def test_an_answer_longer_than_the_form_allows_is_refused():
    path = "leadership_and_management.summary"
    assert refusals("cmr-level-1", {path: "x" * 5001}) == {path: "string_too_long"}


def test_a_required_answer_left_blank_is_refused():
    path = "outcomes.evidence"
    assert refusals("cmr-level-1", {path: ""}) == {path: "string_too_short"}


def test_more_incidents_described_than_counted_is_refused():
    path = "incidents_and_accidents.incidents"
    assert refusals("cmr-level-1", {path: 0}) == {
        "incidents_and_accidents.notable_incidents": "more_than_counted"}


def test_more_complaints_upheld_than_received_is_refused():
    path = "comments_compliments_complaints.complaints_upheld"
    assert refusals("cmr-level-1", {path: 2}) == {path: "more_than_received"}


def test_a_care_inspectorate_grade_runs_from_1_to_6():
    path = "care_inspectorate_findings.latest_grade"
    assert refusals("cmr-level-1", {path: 7}) == {path: "less_than_equal"}
    assert refusals("cmr-level-1", {path: 0}) == {path: "greater_than_equal"}


# Annex 1: the operational-policies checklist --------------------------------------------------


def test_the_checklist_asks_about_each_of_the_26_annex_1_policies():
    assert len(OperationalPolicy) == 26
    assert list(OperationalPolicies.model_fields) == [p.value for p in OperationalPolicy]
    assert set(POLICY_TITLES) == set(OperationalPolicy)
    assert POLICY_TITLES[OperationalPolicy.LIVING_WAGE] == "Living wage policy"


@pytest.mark.parametrize("form", ["return-level-2", "return-level-3"])
def test_a_policy_answered_no_without_a_reason_is_refused_naming_the_policy(form):
    path = "operational_policies.living_wage"
    reason = f"{path}.reason"

    assert refusals(form, {path: {"in_place": False}}) == {reason: "reason_required"}
    assert refusals(form, {path: {"in_place": False, "reason": "  "}}) == {
        reason: "reason_required"}
    assert "Living wage policy" in message_at(form, {path: {"in_place": False}}, reason)


def test_every_policy_answered_no_without_a_reason_is_named():
    changes = {f"operational_policies.{p}": {"in_place": False} for p in ("training", "finance")}

    assert set(refusals("return-level-2", changes)) == {
        "operational_policies.finance.reason", "operational_policies.training.reason"}


def test_a_policy_answered_no_with_its_reason_is_accepted():
    submitted = parsed("return-level-3", operational_policies__volunteering={
        "in_place": False, "reason": "We have no volunteers."})

    assert submitted.operational_policies.missing() == [OperationalPolicy.VOLUNTEERING]


def test_a_policy_left_unanswered_is_refused_naming_it():
    path = "operational_policies.data_protection"
    assert refusals("return-level-2", {path: DELETE}) == {path: "missing"}


# Day centres' attendance (004 App. 4) ---------------------------------------------------------

ATTENDANCE = "day_centre_attendance"


def test_a_level_2_return_from_a_service_that_is_not_a_day_centre_needs_no_attendance():
    submitted = parsed("return-level-2", day_centre_attendance=DELETE)

    assert submitted.day_centre_attendance is None


def test_lowest_daily_attendance_above_the_highest_is_refused():
    path = f"{ATTENDANCE}.lowest_daily_attendance"

    assert refusals("return-level-2", {path: 25}) == {path: "figures_inconsistent"}


@pytest.mark.parametrize("average", ["10.9", "24.1"])
def test_average_attendance_outside_the_lowest_and_highest_is_refused(average):
    path = f"{ATTENDANCE}.average_daily_attendance"

    assert refusals("return-level-2", {path: average}) == {path: "figures_inconsistent"}


def test_more_people_in_the_age_bands_than_are_registered_is_refused():
    path = f"{ATTENDANCE}.age_bands.aged_85_and_over"

    assert refusals("return-level-2", {path: 13}) == {f"{ATTENDANCE}.age_bands":
                                                      "figures_inconsistent"}
    assert "46 registered" in message_at(
        "return-level-2", {path: 13}, f"{ATTENDANCE}.age_bands")


def test_more_attending_on_one_day_than_are_registered_is_refused():
    path = f"{ATTENDANCE}.highest_daily_attendance"

    assert refusals("return-level-2", {path: 47}) == {path: "figures_inconsistent"}


def test_a_day_centre_is_open_at_least_one_day():
    path = f"{ATTENDANCE}.days_open"

    assert refusals("return-level-2", {path: []}) == {path: "too_short"}
    assert refusals("return-level-2", {path: ["funday"]}) == {f"{path}.0": "enum"}


# LEVEL 3 signature ----------------------------------------------------------------------------


def test_a_level_3_return_signed_after_the_period_is_accepted():
    submitted = parsed("return-level-3", signature__signed_on="2026-04-30")

    assert submitted.signature.signed_on == date(2026, 4, 30)


def test_a_level_3_return_signed_before_its_period_began_is_refused():
    path = "signature.signed_on"

    assert refusals("return-level-3", {path: "2025-03-31"}) == {path: "date_before_period"}


def test_a_level_3_return_signed_too_early_is_named_beside_its_other_bad_answers():
    changes = {
        "signature.signed_on": "2025-03-31",
        "funding.amount": "-1",
        "operational_policies.finance": {"in_place": False},
    }

    assert refusals("return-level-3", changes) == {
        "signature.signed_on": "date_before_period",
        "funding.amount": "greater_than_equal",
        "operational_policies.finance.reason": "reason_required",
    }
    assert message_at("return-level-3", changes, "signature.signed_on") == (
        "31 March 2025 is before the period 1 April 2025 to 31 March 2026")
    assert message_at("return-level-3", changes, "operational_policies.finance.reason") == (
        "give the reason there is no Finance: internal financial procedures, money laundering, "
        "investments and reserves")


# KPI figures ----------------------------------------------------------------------------------


def test_a_kpi_return_carries_at_least_one_kpi():
    data = {"period_start": "2026-04-01", "period_end": "2026-06-30"}

    with pytest.raises(ValidationError, match="at least one of kpi1 to kpi6"):
        parse_form("kpi", 1, data)


def test_more_outcomes_achieved_than_were_set_is_refused():
    data = {"period_start": "2026-04-01", "period_end": "2026-09-30",
            "kpi1": {"people_supported": 10, "outcomes_set": 20, "outcomes_achieved": 21}}

    with pytest.raises(ValidationError) as refused:
        parse_form("kpi", 1, data)

    assert refused.value.errors()[0]["loc"] == ("kpi1", "outcomes_achieved")


def test_more_leavers_than_staff_is_refused():
    assert refusals("kpi", {"kpi6.leavers": 63}) == {"kpi6.leavers": "more_than_possible"}


def test_more_complaints_in_timescale_than_resolved_is_refused():
    path = "kpi3.resolved_within_timescale"
    assert refusals("kpi", {path: 4}) == {path: "more_than_possible"}


def test_staff_turnover_is_leavers_over_the_average_headcount():
    turnover = parsed("kpi").kpi6

    assert turnover.turnover_percent == Decimal("5.13")  # 3 leavers / 58.5 average


def test_commissioned_hours_delivered_is_a_percentage_of_those_commissioned():
    assert parsed("kpi").kpi5.delivered_percent == Decimal("98.87")


# LEVEL 1 answers ----------------------------------------------------------------------------


def test_the_staffing_position_is_one_of_the_four_on_the_record():
    submitted = parsed("cmr-level-1", staffing__position="shortages_limiting_service")

    assert submitted.staffing.position is StaffingLevel.SHORTAGES_LIMITING_SERVICE
    assert refusals("cmr-level-1", {"staffing.position": "short"}) == {
        "staffing.position": "enum"}


def test_safer_recruitment_records_each_check_on_the_staff_files():
    recruitment = parsed("cmr-level-1", safer_recruitment__pvg_checks=False).safer_recruitment

    assert (recruitment.pvg_checks, recruitment.references, recruitment.sssc_registration,
            recruitment.hourly_rate_evidenced) == (False, True, True, True)


def test_dates_are_written_the_way_the_council_writes_them():
    assert uk_date(date(2025, 4, 15)) == "15 April 2025"
