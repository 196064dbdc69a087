"""Care at home visits from electronic call monitoring (ECM), read as monthly figures.

Missed visits, poor punctuality and cancellations at short or no notice are poor-performance
triggers (000, domain-rules.md §6). This module counts them per contract and month; whether a
figure is bad enough to act on is for the rules that read the figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.domain import InvalidInput

# 000 names "punctuality" and "short notice" without numbers. These defaults are what UK care at
# home contracts commonly use (a visit more than 30 minutes after its planned start is late; a
# cancellation with less than 24 hours' notice is short notice). Councils set their own, so both
# are arguments of monthly_figures() and these are only the defaults (domain-rules.md preamble).
LATE_AFTER_MINUTES = 30
SHORT_NOTICE_HOURS = 24

# Visits are counted in the month of their planned start as the council's officers see it, so a
# visit at 00:30 on 1 April (BST) is an April visit although it is still 31 March in UTC.
UK = ZoneInfo("Europe/London")

_CENT = Decimal("0.01")


class VisitStatus(StrEnum):
    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"


def _aware(value: datetime | None, field_name: str) -> None:
    if value is None:
        return
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(f"{field_name} must be a timezone-aware date and time", field_name)


@dataclass(frozen=True)
class Visit:
    """One planned visit and what happened to it, as the ECM system recorded it."""

    contract_reference: str
    visit_id: str
    planned_start: datetime
    planned_end: datetime
    status: VisitStatus
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None

    def __post_init__(self) -> None:
        for name in ("contract_reference", "visit_id"):
            if not str(getattr(self, name) or "").strip():
                raise InvalidInput(f"{name} must not be blank", name)
        for name in ("planned_start", "planned_end"):
            if getattr(self, name) is None:
                raise InvalidInput(f"a visit needs its {name.replace('_', ' ')}", name)
        for name in ("planned_start", "planned_end", "actual_start", "actual_end", "cancelled_at"):
            _aware(getattr(self, name), name)
        if self.planned_end < self.planned_start:
            raise InvalidInput("a visit must end on or after its planned start", "planned_end")
        self._check_status()

    def _check_status(self) -> None:
        try:
            status = VisitStatus(str(self.status).strip().lower())
        except ValueError:
            raise InvalidInput(
                f"{self.status!r} is not a visit status (completed, missed, cancelled)", "status"
            ) from None
        object.__setattr__(self, "status", status)
        if status is VisitStatus.COMPLETED and self.actual_start is None:
            raise InvalidInput("a completed visit needs its actual start", "actual_start")
        if status is not VisitStatus.COMPLETED and self.actual_start is not None:
            raise InvalidInput(f"a {status} visit has no actual start", "actual_start")
        if status is VisitStatus.CANCELLED and self.cancelled_at is None:
            # Without it the notice given cannot be known, so short notice cannot be judged.
            raise InvalidInput("a cancelled visit needs the time it was cancelled", "cancelled_at")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            raise InvalidInput("a visit must end on or after its actual start", "actual_end")

    def is_late(self, late_after: timedelta) -> bool:
        """Delivered, and started more than `late_after` after the planned start."""
        return (
            self.status is VisitStatus.COMPLETED
            and self.actual_start is not None
            and self.actual_start - self.planned_start > late_after
        )

    def is_short_notice_cancellation(self, short_notice: timedelta) -> bool:
        """Cancelled less than `short_notice` before the planned start (or after it: no notice)."""
        return (
            self.status is VisitStatus.CANCELLED
            and self.cancelled_at is not None
            and self.planned_start - self.cancelled_at < short_notice
        )


@dataclass(frozen=True)
class MonthlyVisitFigures:
    """A contract's visits planned in one calendar month and what became of them."""

    contract_reference: str
    month: date
    planned: int
    delivered: int
    missed: int
    late: int
    short_notice_cancellations: int
    # Missed visits as a share of all planned visits, cancelled ones included.
    missed_percent: Decimal | None
    # Delivered visits that started on time, as a share of delivered visits.
    punctuality_percent: Decimal | None


def _percent(part: int, whole: int) -> Decimal | None:
    # No planned (or no delivered) visits means no figure at all, not 0% or 100%.
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)


def month_of(visit: Visit, zone: tzinfo = UK) -> date:
    """The first day of the month, in the council's time zone, of the visit's planned start."""
    return visit.planned_start.astimezone(zone).date().replace(day=1)


def _figures(
    contract_reference: str,
    month: date,
    visits: list[Visit],
    late_after: timedelta,
    short_notice: timedelta,
    excluded_cancellers: Collection[str],
) -> MonthlyVisitFigures:
    delivered = [v for v in visits if v.status is VisitStatus.COMPLETED]
    missed = sum(v.status is VisitStatus.MISSED for v in visits)
    late = sum(v.is_late(late_after) for v in delivered)
    short_notice_cancellations = sum(
        v.is_short_notice_cancellation(short_notice)
        and (v.cancelled_by or "").strip().lower() not in excluded_cancellers
        for v in visits
    )
    return MonthlyVisitFigures(
        contract_reference=contract_reference,
        month=month,
        planned=len(visits),
        delivered=len(delivered),
        missed=missed,
        late=late,
        short_notice_cancellations=short_notice_cancellations,
        missed_percent=_percent(missed, len(visits)),
        punctuality_percent=_percent(len(delivered) - late, len(delivered)),
    )


def monthly_figures(
    visits: Iterable[Visit],
    late_after_minutes: int = LATE_AFTER_MINUTES,
    short_notice_hours: int = SHORT_NOTICE_HOURS,
    excluded_cancellers: Collection[str] = (),
    zone: tzinfo = UK,
) -> list[MonthlyVisitFigures]:
    """Figures per contract and month, ordered by contract then month.

    `excluded_cancellers` lists `cancelled_by` values whose cancellations are not held against
    the provider (a council may pass {"service user"}); by default every short notice
    cancellation counts, as 000 reads.
    """
    if late_after_minutes < 0:
        raise InvalidInput("late_after_minutes must not be negative", "late_after_minutes")
    if short_notice_hours < 0:
        raise InvalidInput("short_notice_hours must not be negative", "short_notice_hours")
    groups: dict[tuple[str, date], list[Visit]] = defaultdict(list)
    for visit in visits:
        groups[(visit.contract_reference, month_of(visit, zone))].append(visit)
    excluded = {name.strip().lower() for name in excluded_cancellers}
    return [
        _figures(
            contract,
            month,
            group,
            timedelta(minutes=late_after_minutes),
            timedelta(hours=short_notice_hours),
            excluded,
        )
        for (contract, month), group in sorted(groups.items())
    ]
