"""Complaints: a rising pattern across consecutive returns, or too many upheld in a period.

000 opens its list with "receipt of concerns, complaints or patterns/trends which suggest
dissatisfaction with a service"; domain-rules.md §5: "a pattern of complaints ... is itself a
trigger", each return read against the provider's earlier ones (004 App. 3). Counts come from
KPI3 (complaints received and upheld) or section 4 of the LEVEL 1 return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import ClassVar

from services.risk.domain.rules.trigger import (
    Trigger,
    in_order,
    in_words,
    listing,
    plural,
    whole,
    within_months,
)
from shared.uk import long_date
from shared.vocabulary import Severity


@dataclass(frozen=True)
class ComplaintCounts:
    """One return's complaints received and upheld."""

    return_id: str
    period_end: date
    received: int
    upheld: int = 0


@dataclass(frozen=True)
class ComplaintHistory:
    """A provider's returns with complaint counts; kept oldest first, each return once."""

    returns: tuple[ComplaintCounts, ...] = field(default=())

    def __init__(self, returns: Iterable[ComplaintCounts] = ()) -> None:
        object.__setattr__(
            self, "returns", in_order(returns, lambda r: r.return_id, lambda r: r.period_end)
        )


@dataclass(frozen=True)
class RisingComplaintsRaiseAConcern:
    """Complaints rising on each of the last `returns` returns raise a concern (000 "patterns").

    Default: three returns, so two rises in a row (1, 3, 6); a flat or falling step breaks it.
    """

    returns: int = 3
    name: ClassVar[str] = "complaints-rising"
    reads: ClassVar[type] = ComplaintHistory

    def __post_init__(self) -> None:
        whole(self.returns, "returns", at_least=2)

    def check(self, history: ComplaintHistory) -> Trigger | None:
        recent = history.returns[-self.returns:]
        if len(recent) < self.returns:
            return None
        if any(later.received <= earlier.received for earlier, later in pairwise(recent)):
            return None
        counts = [f"{r.received} in the period to {long_date(r.period_end)}" for r in recent]
        return Trigger(
            rule=self.name,
            category="complaints",
            severity=Severity.MODERATE,
            summary=(
                f"Complaints rose return on return over the last {in_words(self.returns)} returns: "
                f"{listing(counts)}."
            ),
            safety_at_risk=False,
            evidence=tuple(r.return_id for r in recent),
        )


@dataclass(frozen=True)
class UpheldComplaintsRaiseAConcern:
    """`limit` or more complaints upheld within `within_months` raise a concern (000).

    Defaults: 3 upheld complaints in the 12 months ending with the latest return's period. A
    return counts when its period ends in that window.
    """

    limit: int = 3
    within_months: int = 12
    name: ClassVar[str] = "complaints-upheld"
    reads: ClassVar[type] = ComplaintHistory

    def __post_init__(self) -> None:
        whole(self.limit, "limit", at_least=1)
        whole(self.within_months, "within_months", at_least=1)

    def check(self, history: ComplaintHistory) -> Trigger | None:
        if not history.returns:
            return None
        end = history.returns[-1].period_end
        upheld = [r for r in history.returns
                  if r.upheld > 0 and within_months(r.period_end, end, self.within_months)]
        total = sum(r.upheld for r in upheld)
        if total < self.limit:
            return None
        return Trigger(
            rule=self.name,
            category="complaints",
            severity=Severity.MODERATE,
            summary=(
                f"{plural(total, 'complaint')} {'was' if total == 1 else 'were'} upheld in the "
                f"{self.within_months} months to {long_date(end)}, across "
                f"{plural(len(upheld), 'return')}, reaching the limit of {self.limit}."
            ),
            safety_at_risk=False,
            evidence=tuple(r.return_id for r in upheld),
        )
