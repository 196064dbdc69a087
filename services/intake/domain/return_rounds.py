"""The rounds of returns a run of the schedule looks at, and what the clock vouches for of the
last run: what decides which contracts a run to a day must work out (the view that finds them
is application/due_dates.py, which says why nothing else can be owed)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.intake.domain.calendar import (
    CalendarConfig,
    IsWorkingDay,
    ReturnDue,
    financial_year_of,
    kpi_returns_owed,
    returns_owed,
)
from services.intake.domain.clock import Clock

LEVELS = (1, 2, 3)
# A contract starting before any round: its rounds come out whole, as every contract's do.
_BEFORE_ANY_ROUND = date(1900, 4, 1)


@dataclass(frozen=True)
class IssuedRound:
    """One round of a form placed in one financial year: what any contract owes on it, before
    its own start and end cut the period. `level` None is a KPI round."""

    level: int | None
    form: str
    period_start: date
    period_end: date
    issue_on: date
    due_on: date


def _issued(level: int | None, due: ReturnDue) -> IssuedRound:
    return IssuedRound(level, due.form, due.period_start, due.period_end, due.issue_on,
                       due.due_on)


def rounds_issued(to: date, is_working_day: IsWorkingDay,
                  config: CalendarConfig) -> set[IssuedRound]:
    """Every round a run to `to` looks at (`Intake.owed`'s years) that has gone out by then."""
    found: set[IssuedRound] = set()
    year = financial_year_of(to)
    for financial_year in range(year - 1, year + 2):
        for level in LEVELS:
            found.update(_issued(level, due) for due in returns_owed(
                level, _BEFORE_ANY_ROUND, None, financial_year, is_working_day, config))
        found.update(_issued(None, due) for due in kpi_returns_owed(
            _BEFORE_ANY_ROUND, None, financial_year, is_working_day, config))
    return {issued for issued in found if issued.issue_on <= to}


def calendar_fingerprint(config: CalendarConfig, nation: str,
                         local_holidays: Iterable[date]) -> str:
    """Names the calendar a run used: a run on another one cannot trust what the last one did."""
    text = repr((config, nation, sorted(local_holidays)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Calendar:
    """What a run places rounds with: the organisation's calendar, working days and its name."""

    config: CalendarConfig
    is_working_day: IsWorkingDay
    fingerprint: str


@dataclass(frozen=True)
class LastRun:
    """What the clock says of the last run that completed: its day, the position in the store
    it had read and the calendar it ran on."""

    today: date
    read_through: int
    calendar: str | None

    @classmethod
    def of(cls, clock: Clock | None) -> LastRun | None:
        """None where the clock cannot vouch for a run: none has finished yet, or none since
        runs were recorded."""
        if clock is None or clock.ran_to is None or clock.read_through is None:
            return None
        return cls(clock.ran_to, clock.read_through, clock.calendar)
