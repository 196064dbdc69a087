"""The return calendar: which returns a contract owes and when (domain-rules.md §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.intake.domain.calendar import (
    DEFAULT_CALENDAR,
    CalendarConfig,
    Frequency,
    ReturnDue,
    Round,
    add_months,
    financial_year_of,
    kpi_returns_owed,
    next_working_day,
    returns_owed,
)
from shared.working_days import Nation, WorkingDays

pytestmark = pytest.mark.unit

ENGLAND = WorkingDays(Nation.ENGLAND_AND_WALES).is_working_day
SCOTLAND = WorkingDays(Nation.SCOTLAND).is_working_day
LONG_STANDING = date(2019, 4, 1)
QUARTERLY_KPIS = ("KPI2", "KPI3", "KPI5", "KPI6")


def cmr(start, end, issue, due, nominal=None) -> ReturnDue:
    return ReturnDue("cmr-level-1", start, end, issue, due, nominal or due)


def level_2(start, end, issue, due) -> ReturnDue:
    return ReturnDue("return-level-2", start, end, issue, due, due)


def kpi(start, end, issue, due, *kpis: str) -> ReturnDue:
    return ReturnDue("kpi", start, end, issue, due, due, kpis)


# --- the financial year ---------------------------------------------------------------------


def test_the_financial_year_runs_from_1_april_and_is_named_by_the_year_it_starts():
    assert financial_year_of(date(2026, 4, 1)) == 2026
    assert financial_year_of(date(2026, 12, 31)) == 2026
    assert financial_year_of(date(2027, 1, 18)) == 2026
    assert financial_year_of(date(2027, 3, 31)) == 2026
    assert financial_year_of(date(2026, 3, 31)) == 2025


def test_a_month_before_1_april_is_1_march_and_a_month_after_31_january_is_the_end_of_february():
    assert add_months(date(2027, 4, 1), -1) == date(2027, 3, 1)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)


# --- LEVEL 1: three CMRs a year -------------------------------------------------------------


def test_a_level_1_contract_owes_three_cmrs_for_the_periods_of_financial_year_2026():
    # 004 App. 4: forms out 1 April, 1 August, 1 December, due the 15th of that month. The
    # round issued 1 April 2027 covers December to March, so it belongs to FY 2026.
    # 15 August 2026 is a Saturday, so that CMR is due on Monday 17 August.
    assert returns_owed(1, LONG_STANDING, None, 2026, ENGLAND) == [
        cmr(date(2026, 4, 1), date(2026, 7, 31), date(2026, 8, 1), date(2026, 8, 17),
            nominal=date(2026, 8, 15)),
        cmr(date(2026, 8, 1), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 15)),
        cmr(date(2026, 12, 1), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15)),
    ]


def test_a_cmr_due_on_a_saturday_is_due_the_next_monday_and_both_dates_are_kept():
    first = returns_owed(1, LONG_STANDING, None, 2026, SCOTLAND)[0]
    assert first.nominal_due_on == date(2026, 8, 15)
    assert first.due_on == date(2026, 8, 17)
    assert first.key == "cmr-level-1:2026-04-01:2026-07-31"


def test_a_deadline_rolled_off_a_weekend_onto_a_local_holiday_moves_on_again():
    council = WorkingDays(Nation.SCOTLAND, local_holidays=[date(2026, 8, 17)])
    first = returns_owed(1, LONG_STANDING, None, 2026, council.is_working_day)[0]
    assert first.due_on == date(2026, 8, 18)


def test_a_deadline_on_good_friday_moves_past_the_nations_easter_holidays():
    # 15 April 2033 is Good Friday: Scotland works on Easter Monday, England and Wales do not.
    scotland = returns_owed(1, LONG_STANDING, None, 2032, SCOTLAND)[-1]
    england = returns_owed(1, LONG_STANDING, None, 2032, ENGLAND)[-1]
    assert scotland.nominal_due_on == england.nominal_due_on == date(2033, 4, 15)
    assert scotland.due_on == date(2033, 4, 18)
    assert england.due_on == date(2033, 4, 19)


def test_the_form_still_goes_out_on_its_day_when_that_is_a_weekend():
    # 1 August 2026 is a Saturday; moving it forward would cut the provider's two weeks.
    first = returns_owed(1, LONG_STANDING, None, 2026, ENGLAND)[0]
    assert first.issue_on == date(2026, 8, 1)


def test_an_organisation_that_does_not_roll_deadlines_keeps_the_saturday():
    config = replace(DEFAULT_CALENDAR, roll_to_working_day=False)
    first = returns_owed(1, LONG_STANDING, None, 2026, ENGLAND, config)[0]
    assert first.due_on == first.nominal_due_on == date(2026, 8, 15)


# --- LEVEL 2 and LEVEL 3 --------------------------------------------------------------------


def test_a_level_2_contract_owes_a_return_every_six_months():
    # 004 §10.2.1: six-monthly, issued at least two weeks before the deadline.
    assert returns_owed(2, LONG_STANDING, None, 2026, ENGLAND) == [
        level_2(date(2026, 4, 1), date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 15)),
        level_2(date(2026, 10, 1), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15)),
    ]


def test_a_level_3_contract_owes_one_annual_return_sent_1_march_and_due_31_march():
    # 004 §10.3.1: sent at least one month before 31 March, with one month to complete.
    assert returns_owed(3, LONG_STANDING, None, 2026, ENGLAND) == [
        ReturnDue(
            "return-level-3",
            period_start=date(2026, 4, 1),
            period_end=date(2027, 3, 31),
            issue_on=date(2027, 3, 1),
            due_on=date(2027, 3, 31),
            nominal_due_on=date(2027, 3, 31),
        )
    ]


def test_there_is_no_level_4():
    with pytest.raises(ValueError):
        returns_owed(4, LONG_STANDING, None, 2026, ENGLAND)


# --- KPI returns ----------------------------------------------------------------------------


def test_every_contract_owes_kpi_returns_on_one_calendar_grouped_by_due_date_and_period():
    # 001: quarters due 15 Jul, 15 Oct, 18 Jan, 15 Apr; halves 15 Oct and 15 Apr; the year
    # 15 Apr. KPI1 six-monthly; KPI2, 3, 5, 6 quarterly; KPI4 annual. Issued two weeks before.
    assert kpi_returns_owed(LONG_STANDING, None, 2026, ENGLAND) == [
        kpi(date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 15),
            *QUARTERLY_KPIS),
        kpi(date(2026, 4, 1), date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 15), "KPI1"),
        kpi(date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 15),
            *QUARTERLY_KPIS),
        kpi(date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 18),
            *QUARTERLY_KPIS),
        kpi(date(2026, 4, 1), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15), "KPI4"),
        kpi(date(2026, 10, 1), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15), "KPI1"),
        kpi(date(2027, 1, 1), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15),
            *QUARTERLY_KPIS),
    ]


def test_the_15_april_kpi_form_holds_every_kpi_for_its_own_period():
    april = [due for due in kpi_returns_owed(LONG_STANDING, None, 2026, ENGLAND)
             if due.due_on == date(2027, 4, 15)]
    assert {due.key: due.kpis for due in april} == {
        "kpi:2026-04-01:2027-03-31": ("KPI4",),
        "kpi:2026-10-01:2027-03-31": ("KPI1",),
        "kpi:2027-01-01:2027-03-31": QUARTERLY_KPIS,
    }


# --- part periods ---------------------------------------------------------------------------


def test_a_contract_starting_10_june_2026_reports_from_10_june_in_its_first_periods():
    # domain-rules.md §4: a contract that starts mid-period reports a partial period.
    start = date(2026, 6, 10)
    assert returns_owed(1, start, None, 2026, ENGLAND)[0] == cmr(
        date(2026, 6, 10), date(2026, 7, 31), date(2026, 8, 1), date(2026, 8, 17),
        nominal=date(2026, 8, 15),
    )
    level_2_returns = returns_owed(2, start, None, 2026, ENGLAND)
    periods = [(due.period_start, due.period_end) for due in level_2_returns]
    assert periods == [
        (date(2026, 6, 10), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2027, 3, 31)),
    ]
    assert returns_owed(3, start, None, 2026, ENGLAND)[0].period_start == date(2026, 6, 10)


def test_a_contract_starting_10_june_2026_reports_kpis_for_the_part_it_was_live():
    assert kpi_returns_owed(date(2026, 6, 10), None, 2026, ENGLAND) == [
        kpi(date(2026, 6, 10), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 15),
            *QUARTERLY_KPIS),
        kpi(date(2026, 6, 10), date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 15), "KPI1"),
        kpi(date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 15),
            *QUARTERLY_KPIS),
        kpi(date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 18),
            *QUARTERLY_KPIS),
        kpi(date(2026, 6, 10), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15), "KPI4"),
        kpi(date(2026, 10, 1), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15), "KPI1"),
        kpi(date(2027, 1, 1), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 15),
            *QUARTERLY_KPIS),
    ]


def test_a_level_1_contract_ending_31_august_2026_owes_nothing_after_the_august_round():
    assert returns_owed(1, LONG_STANDING, date(2026, 8, 31), 2026, ENGLAND) == [
        cmr(date(2026, 4, 1), date(2026, 7, 31), date(2026, 8, 1), date(2026, 8, 17),
            nominal=date(2026, 8, 15)),
        cmr(date(2026, 8, 1), date(2026, 8, 31), date(2026, 12, 1), date(2026, 12, 15)),
    ]


def test_level_2_and_3_contracts_ending_31_august_2026_report_april_to_august():
    end = date(2026, 8, 31)
    assert returns_owed(2, LONG_STANDING, end, 2026, ENGLAND) == [
        level_2(date(2026, 4, 1), date(2026, 8, 31), date(2026, 10, 1), date(2026, 10, 15)),
    ]
    (annual,) = returns_owed(3, LONG_STANDING, end, 2026, ENGLAND)
    assert (annual.period_start, annual.period_end) == (date(2026, 4, 1), date(2026, 8, 31))
    assert annual.due_on == date(2027, 3, 31)


def test_kpis_of_a_contract_ending_31_august_2026_cut_to_the_same_days_are_one_return():
    # KPI1 (six-monthly) and KPI4 (annual) both cover 1 April to 31 August: one return, due on
    # the earlier round, 15 October.
    assert kpi_returns_owed(LONG_STANDING, date(2026, 8, 31), 2026, ENGLAND) == [
        kpi(date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 15),
            *QUARTERLY_KPIS),
        kpi(date(2026, 4, 1), date(2026, 8, 31), date(2026, 10, 1), date(2026, 10, 15),
            "KPI1", "KPI4"),
        kpi(date(2026, 7, 1), date(2026, 8, 31), date(2026, 10, 1), date(2026, 10, 15),
            *QUARTERLY_KPIS),
    ]


def test_a_contract_that_has_not_started_in_the_year_owes_nothing_for_it():
    assert returns_owed(1, date(2027, 4, 1), None, 2026, ENGLAND) == []
    assert kpi_returns_owed(date(2027, 4, 1), None, 2026, ENGLAND) == []


def test_a_contract_that_ended_before_the_year_owes_nothing_for_it():
    assert returns_owed(2, LONG_STANDING, date(2026, 3, 31), 2026, ENGLAND) == []


def test_a_contract_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        returns_owed(1, date(2026, 6, 10), date(2026, 6, 9), 2026, ENGLAND)


# --- an organisation's own calendar ---------------------------------------------------------


def test_an_organisation_may_move_its_deadlines_and_keep_two_weeks_notice():
    config = replace(
        DEFAULT_CALENDAR,
        level_2=(
            Round(period_start=(4, 1), period_end=(9, 30), issue=(10, 5), due=(10, 30)),
            Round(period_start=(10, 1), period_end=(3, 31), issue=(4, 5), due=(4, 30)),
        ),
    )
    assert [due.due_on for due in returns_owed(2, LONG_STANDING, None, 2026, ENGLAND, config)] == [
        date(2026, 10, 30),
        date(2027, 4, 30),
    ]


def test_a_calendar_issuing_forms_less_than_two_weeks_before_the_deadline_is_refused():
    # 004 §10.1.1: forms issued at least two weeks before the deadline.
    late = Round(period_start=(4, 1), period_end=(7, 31), issue=(8, 2), due=(8, 15))
    with pytest.raises(ValueError, match="two weeks"):
        replace(DEFAULT_CALENDAR, level_1=(late, *DEFAULT_CALENDAR.level_1[1:]))


def test_a_kpi_calendar_issuing_forms_less_than_two_weeks_before_the_deadline_is_refused():
    late = Round(period_start=(4, 1), period_end=(3, 31), issue=(4, 10), due=(4, 15))
    with pytest.raises(ValueError, match="two weeks"):
        CalendarConfig(kpi_annual=(late,))


def test_a_level_3_form_sent_less_than_a_month_before_the_year_ends_is_refused():
    # 004 §10.3.1: sent at least one month before the end of the financial year.
    late = Round(period_start=(4, 1), period_end=(3, 31), issue=(3, 2), due=(4, 1))
    with pytest.raises(ValueError, match="month before the year ends"):
        CalendarConfig(level_3=(late,))


def test_a_level_3_form_giving_less_than_a_month_to_complete_is_refused():
    rushed = Round(period_start=(4, 1), period_end=(3, 31), issue=(2, 15), due=(3, 1))
    with pytest.raises(ValueError, match="a month to complete"):
        CalendarConfig(level_3=(rushed,))


def test_level_1_returns_are_due_at_least_twice_a_year():
    # 004 §8: LEVEL 1 returns at least twice a year.
    with pytest.raises(ValueError, match="twice a year"):
        CalendarConfig(level_1=DEFAULT_CALENDAR.level_1[:1])


def test_overlapping_periods_are_refused():
    overlapping = Round(period_start=(7, 1), period_end=(3, 31), issue=(4, 1), due=(4, 15))
    with pytest.raises(ValueError, match="overlap"):
        CalendarConfig(level_2=(DEFAULT_CALENDAR.level_2[0], overlapping))


def test_a_period_crossing_the_end_of_the_financial_year_is_refused():
    crossing = Round(period_start=(3, 1), period_end=(4, 30), issue=(5, 1), due=(5, 15))
    with pytest.raises(ValueError, match="ends before it starts"):
        CalendarConfig(level_2=(crossing,))


def test_29_february_is_refused_as_it_does_not_come_every_year():
    leap = Round(period_start=(4, 1), period_end=(3, 31), issue=(2, 29), due=(3, 31))
    with pytest.raises(ValueError, match="29 February"):
        CalendarConfig(level_3=(leap,))


def test_a_kpi_reported_quarterly_instead_appears_on_every_quarter():
    kpis = tuple((code, Frequency.QUARTERLY) for code, _ in DEFAULT_CALENDAR.kpis)
    config = replace(DEFAULT_CALENDAR, kpis=kpis)
    owed = kpi_returns_owed(LONG_STANDING, None, 2026, ENGLAND, config)
    assert [due.kpis for due in owed] == [("KPI1", "KPI2", "KPI3", "KPI4", "KPI5", "KPI6")] * 4


def test_a_calendar_with_no_working_day_for_a_month_is_an_error():
    with pytest.raises(ValueError):
        next_working_day(date(2026, 8, 15), lambda _day: False)
