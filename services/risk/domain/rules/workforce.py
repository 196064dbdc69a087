"""The workforce: staff turnover and staff absence beyond thresholds.

000 lists "performance concerns re: staff turnover, staff absence" as poor-performance examples.
Turnover comes from KPI6 (001: starters, leavers, headcount), absence from the LEVEL 1 return
(004 App. 3 §6a: staff on long-term sick or maternity leave, and whether shortages limit the
service; the staff complement is in the sustainability section).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar

from services.risk.domain.rules.trigger import Trigger, as_decimal, percent_text, share
from shared.uk import long_date
from shared.vocabulary import ANNUAL_TURNOVER_LIMIT, Severity


@dataclass(frozen=True)
class TurnoverFigures:
    """KPI6 for one return: headcount at the start and end of the period, and leavers."""

    return_id: str
    period_start: date
    period_end: date
    headcount_start: int
    headcount_end: int
    leavers: int


@dataclass(frozen=True)
class AbsenceFigures:
    """The staffing answers of a LEVEL 1 return."""

    return_id: str
    period_end: date
    staff_complement: int
    staff_on_long_term_leave: int
    shortages_limit_service: bool = False


def annual_turnover(figures: TurnoverFigures) -> Fraction | None:
    """Leavers as an exact percentage of the average headcount, scaled to a year (as KPI6)."""
    average = Fraction(figures.headcount_start + figures.headcount_end, 2)
    if average <= 0:
        return None
    days = max((figures.period_end - figures.period_start).days + 1, 1)
    return share(figures.leavers, average) * 365 / days


@dataclass(frozen=True)
class HighStaffTurnoverRaisesAConcern:
    """Staff turnover above `annual_limit_percent` a year raises a concern (000 "staff turnover").

    Default: the KPI6 limit the KPI return rates turnover by (30% a year, shared.vocabulary). A
    quarter's turnover is scaled to a year first, so quarters and years compare.
    """

    annual_limit_percent: Decimal = ANNUAL_TURNOVER_LIMIT
    name: ClassVar[str] = "staff-turnover"
    reads: ClassVar[type] = TurnoverFigures

    def __post_init__(self) -> None:
        object.__setattr__(self, "annual_limit_percent",
                           as_decimal(self.annual_limit_percent, "annual_limit_percent"))

    def check(self, figures: TurnoverFigures) -> Trigger | None:
        turnover = annual_turnover(figures)
        if turnover is None or turnover <= self.annual_limit_percent:
            return None
        average = Fraction(figures.headcount_start + figures.headcount_end, 2)
        return Trigger(
            rule=self.name,
            category="staff turnover",
            severity=Severity.MODERATE,
            summary=(
                f"Staff turnover from {long_date(figures.period_start)} to "
                f"{long_date(figures.period_end)} was {percent_text(turnover)} a year "
                f"({figures.leavers} leavers from an average of {_number(average)} staff), "
                f"above the limit of {percent_text(self.annual_limit_percent)}."
            ),
            safety_at_risk=False,
            evidence=(figures.return_id,),
        )


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


@dataclass(frozen=True)
class HighStaffAbsenceRaisesAConcern:
    """More than `limit_percent` of staff on long-term leave raises a concern (000 "staff absence").

    Default: 10% of the staff complement. Serious when the provider also says shortages are
    limiting the service (004 App. 3 §6a), moderate otherwise.
    """

    limit_percent: Decimal = Decimal(10)
    name: ClassVar[str] = "staff-absence"
    reads: ClassVar[type] = AbsenceFigures

    def __post_init__(self) -> None:
        object.__setattr__(self, "limit_percent",
                           as_decimal(self.limit_percent, "limit_percent", at_most=100))

    def check(self, figures: AbsenceFigures) -> Trigger | None:
        if figures.staff_complement <= 0:
            return None
        absent = share(figures.staff_on_long_term_leave, figures.staff_complement)
        if absent <= self.limit_percent:
            return None
        limiting = figures.shortages_limit_service
        return Trigger(
            rule=self.name,
            category="staff absence",
            severity=Severity.SERIOUS if limiting else Severity.MODERATE,
            summary=(
                f"{figures.staff_on_long_term_leave} of {figures.staff_complement} staff "
                f"({percent_text(absent)}) were on long-term sick or maternity leave in the "
                f"period to {long_date(figures.period_end)}, above the limit of "
                f"{percent_text(self.limit_percent)}"
                + ("; the provider says shortages are limiting the service." if limiting else ".")
            ),
            safety_at_risk=False,
            evidence=(figures.return_id,),
        )
