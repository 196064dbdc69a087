"""The deadlines of the ladder and the working-day calendar they are counted on (§7, 003 row 14).

An improvement plan must reach the council within 10 working days of the request, is reviewed
at 30 days, has its targets met by 60 days, and gets at least one visit within 60 days. The 30
and 60 days are calendar days; one that ends on a weekend or holiday runs to the next working
day. Each deadline is worked out when the step is taken and kept in its event, so a later change
of calendar never rewrites a deadline already given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

PLAN_DUE_WORKING_DAYS = 10
REVIEW_DAYS = 30
TARGET_DAYS = 60


class Calendar(Protocol):
    """Working days of the council's nation (shared.working_days.WorkingDays is one)."""

    def add(self, start: date, working_days: int) -> date: ...

    def on_or_after(self, day: date) -> date: ...


class Deadline(StrEnum):
    """The deadlines whose passing unmet is an event of its own."""

    PLAN_RECEIVED = "improvement plan received"
    REVIEW = "30-day review"
    VISIT = "visit within 60 days"
    TARGETS_MET = "targets met"
    BREACH_NOTICE = "breach notice timescale"


# What missing each deadline points to next on the ladder (003 rows 9, 11, 13, 15, 17-18).
NEXT_STEP = {
    Deadline.PLAN_RECEIVED: "contract review meeting",
    Deadline.REVIEW: "contract review meeting",
    Deadline.VISIT: "responsive visit",
    Deadline.TARGETS_MET: "breach notice",
    Deadline.BREACH_NOTICE: "suspension or decommission",
}


@dataclass(frozen=True)
class PlanDeadlines:
    plan_due: date | None
    review_due: date
    targets_due: date
    visit_due: date


def plan_deadlines(start: date, calendar: Calendar, plan_due: bool = True) -> PlanDeadlines:
    """A plan's deadlines from the day it is requested (or directed: no plan to wait for)."""
    targets = calendar.on_or_after(start + timedelta(days=TARGET_DAYS))
    return PlanDeadlines(
        plan_due=calendar.add(start, PLAN_DUE_WORKING_DAYS) if plan_due else None,
        review_due=calendar.on_or_after(start + timedelta(days=REVIEW_DAYS)),
        targets_due=targets,
        visit_due=targets,
    )


@dataclass(frozen=True)
class Missed:
    """A deadline that passed unmet, on what (a plan or notice id)."""

    deadline: Deadline
    due: date
    reference: str

    @property
    def key(self) -> str:
        return f"{self.reference}:{self.deadline.value}"

    @property
    def next_step(self) -> str:
        return NEXT_STEP[self.deadline]
