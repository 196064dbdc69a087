"""Repeated overdue returns: a provider that keeps missing its return deadlines.

A return not received by its due date is overdue (004 App. 4 §9) and chased; one overdue return
is routine, a run of them is a pattern an officer acts on. 000 does not name it, so this is the
choice a commissioning team would make (domain-rules.md preamble): 3 overdue returns within 12
months raise a concern. The rule reads `ReturnOverdue` events as plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from services.risk.domain.rules.trigger import (
    Trigger,
    in_order,
    in_words,
    listing,
    whole,
    within_months,
)
from shared.uk import long_date
from shared.vocabulary import Severity


@dataclass(frozen=True)
class OverdueReturn:
    """One return that was not received by its due date."""

    request_id: str
    due_on: date


@dataclass(frozen=True)
class OverdueHistory:
    """A provider's overdue returns, kept in due-date order, each request once."""

    returns: tuple[OverdueReturn, ...] = field(default=())

    def __init__(self, returns: Iterable[OverdueReturn] = ()) -> None:
        object.__setattr__(
            self, "returns", in_order(returns, lambda r: r.request_id, lambda r: r.due_on)
        )


@dataclass(frozen=True)
class RepeatedOverdueReturnsRaiseAConcern:
    """`limit` or more returns overdue within `within_months` raise a concern (004 App. 4 §9).

    Defaults: 3 overdue returns whose due dates fall in the 12 months ending with the latest.
    """

    limit: int = 3
    within_months: int = 12
    name: ClassVar[str] = "repeated-overdue-returns"
    reads: ClassVar[type] = OverdueHistory

    def __post_init__(self) -> None:
        whole(self.limit, "limit", at_least=1)
        whole(self.within_months, "within_months", at_least=1)

    def check(self, history: OverdueHistory) -> Trigger | None:
        if not history.returns:
            return None
        end = history.returns[-1].due_on
        overdue = [r for r in history.returns if within_months(r.due_on, end, self.within_months)]
        if len(overdue) < self.limit:
            return None
        dates = listing([long_date(r.due_on) for r in overdue])
        return Trigger(
            rule=self.name,
            category="overdue returns",
            severity=Severity.MODERATE,
            summary=(
                f"{in_words(len(overdue)).capitalize()} returns were overdue in the "
                f"{self.within_months} months to {long_date(end)} (due {dates}), reaching the "
                f"limit of {self.limit}."
            ),
            safety_at_risk=False,
            evidence=tuple(r.request_id for r in overdue),
        )
