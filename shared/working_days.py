"""The working days of a council's nation: weekdays that are not public or local holidays.

Public holidays come from the maintained `holidays` package, substitute ("observed") days
included, looked up lazily for whatever year is asked. England and Wales share their bank
holidays (the package's ENG and WLS calendars are identical), so one nation covers both.
Scotland has its own: 2 January, St Andrew's Day and the first Monday in August, but not
Easter Monday or the last Monday in August.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

import holidays

LOCAL_HOLIDAY = "Local holiday"
_SATURDAY = 5


class Nation(StrEnum):
    """The nation whose bank holidays a council keeps."""

    SCOTLAND = "scotland"
    ENGLAND_AND_WALES = "england-and-wales"


_SUBDIVISIONS = {Nation.SCOTLAND: "SCT", Nation.ENGLAND_AND_WALES: "ENG"}


def _named_local_holidays(local_holidays: Iterable[date]) -> dict[date, str]:
    # A mapping of date to name keeps the council's own name for the day; plain dates get a
    # generic one.
    if isinstance(local_holidays, Mapping):
        return {day: str(name) for day, name in local_holidays.items()}
    return dict.fromkeys(local_holidays, LOCAL_HOLIDAY)


class WorkingDays:
    """One council's working-day calendar: its nation's public holidays and its own days off."""

    def __init__(self, nation: Nation, local_holidays: Iterable[date] = ()) -> None:
        self.nation = Nation(nation)
        # No years given and expand=True: each year is filled in the first time it is asked.
        self._public = holidays.UK(subdiv=_SUBDIVISIONS[self.nation], expand=True)
        self._local = _named_local_holidays(local_holidays)
        # Each day's answer, kept: placing a deadline day's rounds asks about the same few days
        # thousands of times, and the holidays package's lookup is the slow part.
        self._working: dict[date, bool] = {}

    def holiday_name(self, day: date) -> str | None:
        """The name of the public or local holiday on this day, or None."""
        public = self._public.get(day)
        if public is not None:
            return str(public)
        return self._local.get(day)

    def is_working_day(self, day: date) -> bool:
        """True for a weekday that is neither a public holiday of the nation nor a local one."""
        working = self._working.get(day)
        if working is None:
            working = self._working[day] = (day.weekday() < _SATURDAY
                                            and self.holiday_name(day) is None)
        return working

    def on_or_after(self, day: date) -> date:
        """This day if it is a working day, else the next working day."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add(self, start: date, working_days: int) -> date:
        """The date that many working days after start (start itself not counted)."""
        if working_days < 0:
            raise ValueError(f"working_days must be 0 or more, not {working_days}")
        day = start
        for _ in range(working_days):
            day = self.on_or_after(day + timedelta(days=1))
        return day


def local_holidays_in(calendar_file: str | Path | None) -> tuple[date, ...]:
    """The council's local holidays from its calendar file (ASSURE_CALENDAR_FILE), if it has one.

    Only `local_holidays` is read here: intake checks the rest of the file when it starts
    (services/intake/adapters/calendar_file.py), so every service and the console agree on the
    council's working days from the one file."""
    if not calendar_file:
        return ()
    document = json.loads(Path(calendar_file).read_text())
    return tuple(date.fromisoformat(day) for day in document.get("local_holidays", ()))
