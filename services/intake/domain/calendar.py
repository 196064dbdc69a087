"""The return calendar: which returns a contract owes in a financial year, and when.

Choices made here (domain-rules.md §4; 004 §10, App. 4; 001), all overridable per
organisation through `CalendarConfig`:

- The financial year runs 1 April to 31 March and is named by the year it starts in.
- A financial year's list holds the rounds whose PERIODS fall in that year, even where the form
  goes out after it ends: FY 2026 holds the LEVEL 1 round for December 2026 to March 2027, issued
  1 April 2027.
- Dates are (month, day) pairs. A period's months April to December fall in the year the
  financial year starts, January to March in the next. An issue or due date is the occurrence
  nearest the end of the period it belongs to, so it may be up to six months either side of it.
  29 February is refused, as it does not come every year.
- LEVEL 1 ("cmr-level-1"): three CMRs, issued 1 August (for April-July), 1 December (for
  August-November) and 1 April (for December-March), each due the 15th of the month it is issued.
- LEVEL 2 ("return-level-2"): six-monthly; April-September issued 1 October due 15 October,
  October-March issued 1 April due 15 April.
- LEVEL 3 ("return-level-3"): annual, April-March, issued 1 March and due 31 March. Months count
  whole and inclusive, so 1 March is one month before the year ends (1 April less a month) and
  1 to 31 March is one month to complete.
- KPI returns ("kpi", 001): one calendar for every contract. There is one `ReturnDue` per due
  date and period, listing the KPIs reported for that period; the returns sharing a due date
  make up that date's form (15 April: KPI2, 3, 5 and 6 for January-March, KPI1 for
  October-March, KPI4 for April-March). Each is issued two weeks before it is due.
- Forms go out at least two weeks before their deadline (LEVEL 1, LEVEL 2 and KPI), and a
  configuration that breaks this, or the LEVEL 3 month rules, is refused with ValueError.
- A due date on a non-working day rolls forward to the next working day when
  `roll_to_working_day` is set (both dates are kept). The issue date never moves: the form is
  sent on its day, and moving it forward would cut the provider's two weeks.
- A contract live for part of a period owes a return for that part only, on the round's usual
  dates; a period wholly outside the contract owes nothing. Where a contract's end cuts KPI
  periods of different frequencies to the same days (KPI1 and KPI4 for 1 April to 31 August),
  that part-period is one return, on the earliest of their rounds.
- Periods of one kind (a level's rounds, or one KPI frequency's) must not overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

MonthDay = tuple[int, int]
IsWorkingDay = Callable[[date], bool]

LEVEL_1_FORM = "cmr-level-1"
LEVEL_2_FORM = "return-level-2"
LEVEL_3_FORM = "return-level-3"
KPI_FORM = "kpi"

KPI_NAMES = {
    "KPI1": "service user outcomes",
    "KPI2": "spot-check visits",
    "KPI3": "complaints and concerns",
    "KPI4": "supporting people into employment",
    "KPI5": "delivery of commissioned hours",
    "KPI6": "staff turnover",
}

FINANCIAL_YEAR_START_MONTH = 4
MINIMUM_NOTICE = timedelta(weeks=2)
# Long enough to cross any run of holidays; a calendar with no working day in it is an error.
_MAX_ROLL = 31
# Checking a configuration in a year with and without 29 February catches both cases.
_CHECK_YEARS = (2026, 2027)


class Frequency(StrEnum):
    """How often a KPI is reported."""

    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six-monthly"
    ANNUAL = "annual"


@dataclass(frozen=True)
class Round:
    """One round of a return: the period it covers, when its form goes out and when it is due."""

    period_start: MonthDay
    period_end: MonthDay
    issue: MonthDay
    due: MonthDay


@dataclass(frozen=True)
class ReturnDue:
    """A return a contract owes: its form, period, issue date and (nominal and actual) due date."""

    form: str
    period_start: date
    period_end: date
    issue_on: date
    due_on: date
    nominal_due_on: date
    kpis: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return return_key(self.form, self.period_start, self.period_end)


def return_key(form: str, period_start: date, period_end: date) -> str:
    """Names one return owed: the form and its period."""
    return f"{form}:{period_start.isoformat()}:{period_end.isoformat()}"


@dataclass(frozen=True)
class CalendarConfig:
    """An organisation's return calendar; the defaults are those of domain-rules.md §4."""

    level_1: tuple[Round, ...] = (
        Round(period_start=(4, 1), period_end=(7, 31), issue=(8, 1), due=(8, 15)),
        Round(period_start=(8, 1), period_end=(11, 30), issue=(12, 1), due=(12, 15)),
        Round(period_start=(12, 1), period_end=(3, 31), issue=(4, 1), due=(4, 15)),
    )
    level_2: tuple[Round, ...] = (
        Round(period_start=(4, 1), period_end=(9, 30), issue=(10, 1), due=(10, 15)),
        Round(period_start=(10, 1), period_end=(3, 31), issue=(4, 1), due=(4, 15)),
    )
    level_3: tuple[Round, ...] = (
        Round(period_start=(4, 1), period_end=(3, 31), issue=(3, 1), due=(3, 31)),
    )
    kpi_quarterly: tuple[Round, ...] = (
        Round(period_start=(4, 1), period_end=(6, 30), issue=(7, 1), due=(7, 15)),
        Round(period_start=(7, 1), period_end=(9, 30), issue=(10, 1), due=(10, 15)),
        Round(period_start=(10, 1), period_end=(12, 31), issue=(1, 4), due=(1, 18)),
        Round(period_start=(1, 1), period_end=(3, 31), issue=(4, 1), due=(4, 15)),
    )
    kpi_six_monthly: tuple[Round, ...] = (
        Round(period_start=(4, 1), period_end=(9, 30), issue=(10, 1), due=(10, 15)),
        Round(period_start=(10, 1), period_end=(3, 31), issue=(4, 1), due=(4, 15)),
    )
    kpi_annual: tuple[Round, ...] = (
        Round(period_start=(4, 1), period_end=(3, 31), issue=(4, 1), due=(4, 15)),
    )
    kpis: tuple[tuple[str, Frequency], ...] = (
        ("KPI1", Frequency.SIX_MONTHLY),
        ("KPI2", Frequency.QUARTERLY),
        ("KPI3", Frequency.QUARTERLY),
        ("KPI4", Frequency.ANNUAL),
        ("KPI5", Frequency.QUARTERLY),
        ("KPI6", Frequency.QUARTERLY),
    )
    roll_to_working_day: bool = True

    def __post_init__(self) -> None:
        check_config(self)

    def level_rounds(self, level: int) -> tuple[Round, ...]:
        """The rounds of contract monitoring returns for a level."""
        rounds = {1: self.level_1, 2: self.level_2, 3: self.level_3}
        if level not in rounds:
            raise ValueError(f"a contract is monitored at LEVEL 1, 2 or 3, not {level}")
        return rounds[level]

    def kpi_rounds(self, frequency: Frequency) -> tuple[Round, ...]:
        """The rounds on which KPIs of this frequency are reported."""
        return {
            Frequency.QUARTERLY: self.kpi_quarterly,
            Frequency.SIX_MONTHLY: self.kpi_six_monthly,
            Frequency.ANNUAL: self.kpi_annual,
        }[frequency]


def financial_year_of(day: date) -> int:
    """The financial year (1 April to 31 March) a day is in, named by the year it starts."""
    return day.year if day.month >= FINANCIAL_YEAR_START_MONTH else day.year - 1


def add_months(day: date, months: int) -> date:
    """The same day so many calendar months later (or earlier), kept within a short month."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    first_of_next = date(year + (month_index == 11), (month_index + 1) % 12 + 1, 1)
    last_day = (first_of_next - timedelta(days=1)).day
    return date(year, month_index + 1, min(day.day, last_day))


def next_working_day(day: date, is_working_day: IsWorkingDay) -> date:
    """This day if it is a working day, else the next one."""
    for offset in range(_MAX_ROLL):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day in the {_MAX_ROLL} days from {day.isoformat()}")


@dataclass(frozen=True, order=True)
class _Dates:
    """A round placed in one financial year."""

    period_start: date
    period_end: date
    issue_on: date
    nominal_due_on: date


def _in_financial_year(month_day: MonthDay, financial_year: int) -> date:
    month, day = month_day
    return date(financial_year + (month < FINANCIAL_YEAR_START_MONTH), month, day)


def _nearest(month_day: MonthDay, anchor: date) -> date:
    month, day = month_day
    candidates = (date(anchor.year + shift, month, day) for shift in (-1, 0, 1))
    return min(candidates, key=lambda candidate: abs(candidate - anchor))


# A round's dates in a year are the same for every contract: the schedule places each round
# thousands of times on a deadline day.
@lru_cache(maxsize=4096)
def _place(round_: Round, financial_year: int) -> _Dates:
    period_end = _in_financial_year(round_.period_end, financial_year)
    return _Dates(
        period_start=_in_financial_year(round_.period_start, financial_year),
        period_end=period_end,
        issue_on=_nearest(round_.issue, period_end),
        nominal_due_on=_nearest(round_.due, period_end),
    )


def _show_date(day: date) -> str:
    return f"{day.day} {day:%B}"


def _show(month_day: MonthDay) -> str:
    return _show_date(date(2001, *month_day))


def _check_month_day(month_day: MonthDay) -> None:
    if tuple(month_day) == (2, 29):
        raise ValueError("29 February does not come every year; choose another date")
    date(2001, *month_day)  # raises ValueError for a date no year has


def _check_periods(rounds: tuple[Round, ...], name: str) -> None:
    # Periods of one kind never overlap, so a contract's part-period names one return.
    for round_ in rounds:
        for month_day in (round_.period_start, round_.period_end, round_.issue, round_.due):
            _check_month_day(month_day)
    for year in _CHECK_YEARS:
        placed = sorted(_place(round_, year) for round_ in rounds)
        for dates in placed:
            if dates.period_end < dates.period_start:
                raise ValueError(
                    f"{name}: the period from {_show_date(dates.period_start)} "
                    "ends before it starts"
                )
        for earlier, later in pairwise(placed):
            if later.period_start <= earlier.period_end:
                raise ValueError(
                    f"{name}: the periods from {_show_date(earlier.period_start)} "
                    f"and {_show_date(later.period_start)} overlap"
                )


def _check_two_weeks_notice(round_: Round, name: str) -> None:
    # 004 §10.1.1 and §10.2.1: forms issued at least two weeks before the deadline.
    for year in _CHECK_YEARS:
        dates = _place(round_, year)
        if dates.nominal_due_on - dates.issue_on < MINIMUM_NOTICE:
            raise ValueError(
                f"{name}: the form issued {_show(round_.issue)} and due {_show(round_.due)} "
                "gives less than two weeks' notice"
            )


def _check_level_3(round_: Round) -> None:
    # 004 §10.3.1: sent at least one month before the end of the financial year, one month to
    # complete; months count whole and inclusive (1 March to 31 March is one month).
    for year in _CHECK_YEARS:
        dates = _place(round_, year)
        year_end = _in_financial_year((3, 31), year)
        if dates.issue_on > add_months(year_end + timedelta(days=1), -1):
            raise ValueError(
                f"LEVEL 3: a form issued {_show(round_.issue)} is not a month before the year ends"
            )
        if dates.nominal_due_on < add_months(dates.issue_on, 1) - timedelta(days=1):
            raise ValueError(
                f"LEVEL 3: a form issued {_show(round_.issue)} and due {_show(round_.due)} "
                "does not give a month to complete it"
            )


def _check_kpis(kpis: tuple[tuple[str, Frequency], ...]) -> None:
    codes = [code for code, _ in kpis]
    if len(codes) != len(set(codes)):
        raise ValueError("each KPI may have only one frequency")
    for code, frequency in kpis:
        if frequency not in tuple(Frequency):
            raise ValueError(f"{code}: {frequency!r} is not quarterly, six-monthly or annual")


def check_config(config: CalendarConfig) -> None:
    """Refuse a calendar that breaks the rules of domain-rules.md §3 and §4."""
    if len(config.level_1) < 2:
        raise ValueError("LEVEL 1: returns are due at least twice a year")
    noticed = {
        "LEVEL 1": config.level_1,
        "LEVEL 2": config.level_2,
        "KPI quarterly": config.kpi_quarterly,
        "KPI six-monthly": config.kpi_six_monthly,
        "KPI annual": config.kpi_annual,
    }
    for name, rounds in (*noticed.items(), ("LEVEL 3", config.level_3)):
        _check_periods(rounds, name)
    for name, rounds in noticed.items():
        for round_ in rounds:
            _check_two_weeks_notice(round_, name)
    for round_ in config.level_3:
        _check_level_3(round_)
    _check_kpis(config.kpis)


DEFAULT_CALENDAR = CalendarConfig()


def _check_contract(contract_start: date, contract_end: date | None) -> None:
    if contract_end is not None and contract_end < contract_start:
        raise ValueError("the contract must end on or after the day it starts")


def _owed(
    rounds: Iterable[Round],
    form: str,
    contract: tuple[date, date | None],
    financial_year: int,
    is_working_day: IsWorkingDay,
    config: CalendarConfig,
    kpis: tuple[str, ...] = (),
) -> list[ReturnDue]:
    contract_start, contract_end = contract
    owed = []
    for round_ in rounds:
        dates = _place(round_, financial_year)
        start = max(dates.period_start, contract_start)
        end = dates.period_end if contract_end is None else min(dates.period_end, contract_end)
        if end < start:
            continue  # the period is wholly outside the contract
        due_on = dates.nominal_due_on
        if config.roll_to_working_day:
            due_on = next_working_day(due_on, is_working_day)
        owed.append(
            ReturnDue(
                form=form,
                period_start=start,
                period_end=end,
                issue_on=dates.issue_on,
                due_on=due_on,
                nominal_due_on=dates.nominal_due_on,
                kpis=kpis,
            )
        )
    return owed


def _by_due_date(returns: Iterable[ReturnDue]) -> list[ReturnDue]:
    return sorted(returns, key=lambda due: (due.due_on, due.period_start, due.period_end))


_FORMS = {1: LEVEL_1_FORM, 2: LEVEL_2_FORM, 3: LEVEL_3_FORM}


def returns_owed(
    level: int,
    contract_start: date,
    contract_end: date | None,
    financial_year: int,
    is_working_day: IsWorkingDay,
    config: CalendarConfig = DEFAULT_CALENDAR,
) -> list[ReturnDue]:
    """The contract monitoring returns a contract at this level owes for a year, by due date."""
    rounds = config.level_rounds(level)
    _check_contract(contract_start, contract_end)
    contract = (contract_start, contract_end)
    owed = _owed(rounds, _FORMS[level], contract, financial_year, is_working_day, config)
    return _by_due_date(owed)


def kpi_returns_owed(
    contract_start: date,
    contract_end: date | None,
    financial_year: int,
    is_working_day: IsWorkingDay,
    config: CalendarConfig = DEFAULT_CALENDAR,
) -> list[ReturnDue]:
    """The KPI returns a contract owes for a year: one per due date and period, by due date."""
    _check_contract(contract_start, contract_end)
    contract = (contract_start, contract_end)
    owed: list[ReturnDue] = []
    for frequency in Frequency:
        kpis = tuple(code for code, often in config.kpis if often == frequency)
        if kpis:
            rounds = config.kpi_rounds(frequency)
            owed += _owed(rounds, KPI_FORM, contract, financial_year, is_working_day, config, kpis)
    order = [code for code, _ in config.kpis]
    return _by_due_date(_once_per_period(owed, order))


def _once_per_period(owed: Iterable[ReturnDue], order: list[str]) -> list[ReturnDue]:
    # A contract ending mid-year can cut a six-monthly and an annual period to the same days
    # (1 April to 31 August); that part-period is reported once, on the earlier round.
    by_key: dict[str, ReturnDue] = {}
    for due in sorted(owed, key=lambda due: due.nominal_due_on):
        first = by_key.get(due.key)
        if first is None:
            by_key[due.key] = due
            continue
        kpis = sorted({*first.kpis, *due.kpis}, key=order.index)
        by_key[due.key] = replace(first, kpis=tuple(kpis))
    return list(by_key.values())
