"""An organisation can set its own return calendar and local holidays; the rest stay default."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.adapters.calendar_file import load, parse
from services.intake.domain.calendar import DEFAULT_CALENDAR, returns_owed
from shared.working_days import Nation, WorkingDays

pytestmark = pytest.mark.unit


def test_a_council_that_gives_level_2_providers_until_the_20th_sees_that_due_date():
    calendar = parse({"level_2": [
        {"period_start": "04-01", "period_end": "09-30", "issue": "10-01", "due": "10-20"},
        {"period_start": "10-01", "period_end": "03-31", "issue": "04-01", "due": "04-20"},
    ]})
    days = WorkingDays(Nation.SCOTLAND)

    owed = returns_owed(2, date(2025, 4, 1), None, 2026, days.is_working_day, calendar.config)

    assert [due.due_on for due in owed] == [date(2026, 10, 20), date(2027, 4, 20)]
    assert calendar.config.level_1 == DEFAULT_CALENDAR.level_1


def test_a_local_holiday_moves_a_deadline_to_the_next_working_day():
    calendar = parse({"local_holidays": ["2026-12-15"]})
    days = WorkingDays(Nation.SCOTLAND, calendar.local_holidays)

    owed = returns_owed(1, date(2025, 4, 1), None, 2026, days.is_working_day, calendar.config)

    assert owed[1].nominal_due_on == date(2026, 12, 15)
    assert owed[1].due_on == date(2026, 12, 16)


def test_no_file_means_the_documented_defaults():
    assert load(None).config == DEFAULT_CALENDAR


def test_a_misspelt_setting_is_refused_rather_than_ignored():
    with pytest.raises(ValueError, match="level_two"):
        parse({"level_two": []})


def test_a_calendar_giving_less_than_two_weeks_notice_is_refused():
    with pytest.raises(ValueError):
        parse({"level_1": [
            {"period_start": "04-01", "period_end": "07-31", "issue": "08-10", "due": "08-15"},
            {"period_start": "08-01", "period_end": "03-31", "issue": "04-01", "due": "04-15"},
        ]})
