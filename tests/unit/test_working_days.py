"""Working days of a council's nation: weekends, bank holidays, substitute days, local days off."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from shared.working_days import LOCAL_HOLIDAY, Nation, WorkingDays

pytestmark = pytest.mark.unit

SCOTLAND = WorkingDays(Nation.SCOTLAND)
ENGLAND_AND_WALES = WorkingDays(Nation.ENGLAND_AND_WALES)


def test_a_weekend_is_not_a_working_day_anywhere():
    for calendar in (SCOTLAND, ENGLAND_AND_WALES):
        assert not calendar.is_working_day(date(2026, 8, 15))  # Saturday
        assert not calendar.is_working_day(date(2026, 8, 16))  # Sunday
        assert calendar.is_working_day(date(2026, 8, 17))  # Monday


def test_christmas_2026_falls_on_a_friday_and_boxing_day_is_made_up_on_monday_28_december():
    for calendar in (SCOTLAND, ENGLAND_AND_WALES):
        assert calendar.holiday_name(date(2026, 12, 25)) == "Christmas Day"
        assert calendar.holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"
        assert not calendar.is_working_day(date(2026, 12, 28))
        assert [calendar.is_working_day(date(2026, 12, day)) for day in (29, 30, 31)] == [
            True,
            True,
            True,
        ]


def test_new_year_2027_in_scotland_takes_1_and_2_january_so_the_2nd_is_made_up_on_monday_4th():
    # 2 January is a Scottish bank holiday; in 2027 it is a Saturday.
    assert SCOTLAND.holiday_name(date(2027, 1, 1)) == "New Year's Day"
    assert SCOTLAND.holiday_name(date(2027, 1, 2)) == "New Year Holiday"
    assert SCOTLAND.holiday_name(date(2027, 1, 4)) == "New Year Holiday (observed)"
    assert SCOTLAND.on_or_after(date(2027, 1, 1)) == date(2027, 1, 5)


def test_new_year_2027_in_england_and_wales_is_only_1_january_so_work_resumes_monday_4th():
    assert ENGLAND_AND_WALES.holiday_name(date(2027, 1, 1)) == "New Year's Day"
    assert ENGLAND_AND_WALES.holiday_name(date(2027, 1, 2)) is None
    assert ENGLAND_AND_WALES.on_or_after(date(2027, 1, 1)) == date(2027, 1, 4)


def test_2_january_2026_a_friday_is_a_holiday_in_scotland_but_a_working_day_in_england():
    assert not SCOTLAND.is_working_day(date(2026, 1, 2))
    assert ENGLAND_AND_WALES.is_working_day(date(2026, 1, 2))


def test_ten_working_days_from_christmas_eve_2026_skip_the_nations_holidays():
    # Scotland loses 25, 28 Dec, 1 and 4 Jan; England and Wales lose 25, 28 Dec and 1 Jan.
    assert SCOTLAND.add(date(2026, 12, 24), 10) == date(2027, 1, 13)
    assert ENGLAND_AND_WALES.add(date(2026, 12, 24), 10) == date(2027, 1, 12)


def test_easter_monday_is_a_holiday_in_england_and_wales_but_not_in_scotland():
    assert ENGLAND_AND_WALES.holiday_name(date(2026, 4, 6)) == "Easter Monday"
    assert SCOTLAND.is_working_day(date(2026, 4, 6))
    for calendar in (SCOTLAND, ENGLAND_AND_WALES):
        assert calendar.holiday_name(date(2026, 4, 3)) == "Good Friday"


def test_st_andrews_day_is_a_scottish_bank_holiday_and_moves_to_monday_when_on_a_sunday():
    # The holidays package keeps 30 November (and its substitute) as a Scottish bank holiday.
    assert SCOTLAND.holiday_name(date(2026, 11, 30)) == "Saint Andrew's Day"
    assert ENGLAND_AND_WALES.is_working_day(date(2026, 11, 30))
    assert SCOTLAND.holiday_name(date(2025, 12, 1)) == "Saint Andrew's Day (observed)"


def test_the_august_bank_holiday_is_the_first_monday_in_scotland_and_the_last_in_england():
    assert not SCOTLAND.is_working_day(date(2026, 8, 3))
    assert SCOTLAND.is_working_day(date(2026, 8, 31))
    assert ENGLAND_AND_WALES.is_working_day(date(2026, 8, 3))
    assert not ENGLAND_AND_WALES.is_working_day(date(2026, 8, 31))


def test_england_and_wales_share_every_bank_holiday_so_one_calendar_serves_both():
    years = range(2000, 2051)
    england = holidays.UK(subdiv="ENG", years=years)
    wales = holidays.UK(subdiv="WLS", years=years)
    assert dict(england) == dict(wales)


def test_holidays_are_found_for_any_year_asked_not_only_this_one():
    assert ENGLAND_AND_WALES.holiday_name(date(2040, 12, 25)) == "Christmas Day"
    assert ENGLAND_AND_WALES.holiday_name(date(2019, 5, 6)) == "May Day"


def test_a_councils_local_holiday_is_not_a_working_day():
    council = WorkingDays(Nation.SCOTLAND, local_holidays=[date(2026, 9, 28)])
    assert not council.is_working_day(date(2026, 9, 28))
    assert council.holiday_name(date(2026, 9, 28)) == LOCAL_HOLIDAY
    assert SCOTLAND.is_working_day(date(2026, 9, 28))
    assert council.add(date(2026, 9, 25), 1) == date(2026, 9, 29)


def test_a_local_holiday_given_with_its_name_keeps_that_name():
    council = WorkingDays(Nation.SCOTLAND, local_holidays={date(2026, 9, 28): "Autumn Holiday"})
    assert council.holiday_name(date(2026, 9, 28)) == "Autumn Holiday"


def test_adding_no_working_days_gives_the_start_even_on_a_holiday():
    assert SCOTLAND.add(date(2026, 12, 25), 0) == date(2026, 12, 25)


def test_adding_working_days_does_not_count_the_start_day():
    assert ENGLAND_AND_WALES.add(date(2026, 8, 14), 1) == date(2026, 8, 17)  # Friday to Monday
    assert ENGLAND_AND_WALES.add(date(2026, 8, 10), 5) == date(2026, 8, 17)


def test_adding_a_negative_number_of_working_days_is_refused():
    with pytest.raises(ValueError):
        SCOTLAND.add(date(2026, 8, 10), -1)


def test_on_or_after_keeps_a_working_day_and_moves_a_weekend_to_monday():
    assert SCOTLAND.on_or_after(date(2026, 8, 14)) == date(2026, 8, 14)
    assert SCOTLAND.on_or_after(date(2026, 8, 15)) == date(2026, 8, 17)


def test_a_nation_is_named_as_stored():
    assert WorkingDays(Nation("england-and-wales")).nation is Nation.ENGLAND_AND_WALES
    assert [nation.value for nation in Nation] == ["scotland", "england-and-wales"]
