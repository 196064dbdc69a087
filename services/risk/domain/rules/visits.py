"""Care at home visits: missed visits, poor punctuality, cancellations at short or no notice.

000 names "missed visits, punctuality, and cancellation of visits at short notice or no notice"
as poor-performance examples without numbers. The defaults below are what a commissioning team
would start from (domain-rules.md preamble) and each council sets its own:

- missed visits: more than 1% of the month's planned visits (serious above 5%);
- punctuality: fewer than 90% of delivered visits on time (intake decides what "late" is,
  30 minutes after the planned start by default);
- short-notice cancellations: more than 5 in a month.

The rules read `VisitFiguresRecorded` as plain values (`VisitMonth`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from services.risk.domain.rules.trigger import Trigger, as_decimal, percent_text, share, whole
from shared.vocabulary import Severity


@dataclass(frozen=True)
class VisitMonth:
    """A month of call-monitoring figures for one contract."""

    event_id: str
    contract_reference: str
    month: date  # any day of the month; the first by convention
    planned: int
    delivered: int
    missed: int
    late: int
    short_notice_cancellations: int


def _month(figures: VisitMonth) -> str:
    return f"{figures.month:%B %Y}"


@dataclass(frozen=True)
class MissedVisitsAboveLimitRaiseAConcern:
    """More than `limit_percent` of planned visits missed in a month raises a concern (000).

    Defaults: 1% (serious above `serious_above_percent`, 5%). A missed visit leaves someone
    without care they were assessed to need, so people's safety is at risk.
    """

    limit_percent: Decimal = Decimal(1)
    serious_above_percent: Decimal = Decimal(5)
    name: ClassVar[str] = "missed-visits"
    reads: ClassVar[type] = VisitMonth

    def __post_init__(self) -> None:
        for what in ("limit_percent", "serious_above_percent"):
            object.__setattr__(self, what, as_decimal(getattr(self, what), what, at_most=100))

    def check(self, figures: VisitMonth) -> Trigger | None:
        if figures.planned <= 0:
            return None
        missed = share(figures.missed, figures.planned)
        if missed <= self.limit_percent:
            return None
        return Trigger(
            rule=self.name,
            category="missed visits",
            severity=(Severity.SERIOUS if missed > self.serious_above_percent
                      else Severity.MODERATE),
            summary=(
                f"{figures.missed} of {figures.planned} planned visits on contract "
                f"{figures.contract_reference} were missed in {_month(figures)} "
                f"({percent_text(missed)}), above the limit of {percent_text(self.limit_percent)}."
            ),
            safety_at_risk=True,
            evidence=(figures.event_id,),
        )


@dataclass(frozen=True)
class PunctualityBelowTargetRaisesAConcern:
    """Fewer than `minimum_percent` of delivered visits starting on time raises a concern (000).

    Default: 90% on time.
    """

    minimum_percent: Decimal = Decimal(90)
    name: ClassVar[str] = "poor-punctuality"
    reads: ClassVar[type] = VisitMonth

    def __post_init__(self) -> None:
        object.__setattr__(self, "minimum_percent",
                           as_decimal(self.minimum_percent, "minimum_percent", at_most=100))

    def check(self, figures: VisitMonth) -> Trigger | None:
        if figures.delivered <= 0:
            return None
        on_time = share(figures.delivered - figures.late, figures.delivered)
        if on_time >= self.minimum_percent:
            return None
        return Trigger(
            rule=self.name,
            category="punctuality",
            severity=Severity.MODERATE,
            summary=(
                f"Only {percent_text(on_time)} of the {figures.delivered} visits delivered on "
                f"contract {figures.contract_reference} in {_month(figures)} started on time "
                f"({figures.late} late), below the target of "
                f"{percent_text(self.minimum_percent)}."
            ),
            safety_at_risk=False,
            evidence=(figures.event_id,),
        )


@dataclass(frozen=True)
class ShortNoticeCancellationsAboveLimitRaiseAConcern:
    """More than `limit` visits cancelled at short or no notice in a month raises a concern (000).

    Default: 5 a month.
    """

    limit: int = 5
    name: ClassVar[str] = "short-notice-cancellations"
    reads: ClassVar[type] = VisitMonth

    def __post_init__(self) -> None:
        whole(self.limit, "limit")

    def check(self, figures: VisitMonth) -> Trigger | None:
        if figures.short_notice_cancellations <= self.limit:
            return None
        return Trigger(
            rule=self.name,
            category="short-notice cancellations",
            severity=Severity.MODERATE,
            summary=(
                f"{figures.short_notice_cancellations} visits on contract "
                f"{figures.contract_reference} were cancelled at short or no notice in "
                f"{_month(figures)}, above the limit of {self.limit} a month."
            ),
            safety_at_risk=False,
            evidence=(figures.event_id,),
        )
