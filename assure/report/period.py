"""The period a governance report covers: six-monthly by default, a year on request (§9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.domain import InvalidInput
from shared.uk import long_date


class Length(StrEnum):
    HALF_YEAR = "half-year"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                f"the period ends ({long_date(self.end)}) before it starts "
                f"({long_date(self.start)})", field="end")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"


def last_complete(today: date, length: Length = Length.HALF_YEAR) -> Period:
    """The last half-year (1 April-30 September, 1 October-31 March) or financial year
    (1 April-31 March) that ended before `today`."""
    year_start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    if length is Length.YEAR:
        return Period(date(year_start.year - 1, 4, 1), year_start - timedelta(days=1))
    half_start = year_start if today.month in (4, 5, 6, 7, 8, 9) else date(year_start.year, 10, 1)
    previous = date(half_start.year - 1, 10, 1) if half_start.month == 4 else year_start
    return Period(previous, half_start - timedelta(days=1))


def period_for(start: date | None, end: date | None, today: date,
               length: Length = Length.HALF_YEAR) -> Period:
    """The period asked for, or the last complete one when neither date is given."""
    if start is None and end is None:
        return last_complete(today, length)
    if start is None or end is None:
        raise InvalidInput("give both the start and the end of the period, or neither",
                           field="start" if start is None else "end")
    return Period(start, end)
