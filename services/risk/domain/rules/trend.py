"""A worsening trend: the risk score falling across the provider's consecutive returns.

"Prior returns also being reviewed ... to identify any trends" (004 App. 3); a worsening trend is
itself a trigger (000, domain-rules.md §5). Scores are percentages where higher means lower risk
(002), so a falling score is a worsening provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import ClassVar

from services.risk.domain.rules.trigger import (
    Trigger,
    as_decimal,
    in_order,
    in_words,
    listing,
    percent_text,
    whole,
)
from shared.uk import long_date
from shared.vocabulary import Severity


@dataclass(frozen=True)
class ReturnScore:
    """One return's risk score, as `RiskScored` gives it."""

    return_id: str
    period_end: date
    score: Decimal


@dataclass(frozen=True)
class ScoreHistory:
    """A provider's scored returns, kept oldest first, each return once."""

    returns: tuple[ReturnScore, ...] = field(default=())

    def __init__(self, returns: Iterable[ReturnScore] = ()) -> None:
        object.__setattr__(
            self, "returns", in_order(returns, lambda r: r.return_id, lambda r: r.period_end)
        )


@dataclass(frozen=True)
class WorseningTrendRaisesAConcern:
    """A score falling on each of the last `returns` returns, or by more than `drop_above`
    points across them, raises a concern (000, 004 App. 3).

    Defaults: three returns (two falls in a row), or a fall of more than 10 points from the first
    of them to the latest whatever happened between. A flat step breaks "each"; a recovery breaks
    it too, and counts against the drop.
    """

    returns: int = 3
    drop_above: Decimal = Decimal(10)
    name: ClassVar[str] = "worsening-trend"
    reads: ClassVar[type] = ScoreHistory

    def __post_init__(self) -> None:
        whole(self.returns, "returns", at_least=2)
        object.__setattr__(self, "drop_above", as_decimal(self.drop_above, "drop_above"))

    def check(self, history: ScoreHistory) -> Trigger | None:
        recent = history.returns[-self.returns:]
        if len(recent) < self.returns:
            return None
        falling = all(later.score < earlier.score for earlier, later in pairwise(recent))
        drop = recent[0].score - recent[-1].score
        if not falling and drop <= self.drop_above:
            return None
        return Trigger(
            rule=self.name,
            category="worsening trend",
            severity=Severity.MODERATE,
            summary=self._summary(recent, falling, drop),
            safety_at_risk=False,
            evidence=tuple(r.return_id for r in recent),
        )

    def _summary(self, recent: tuple[ReturnScore, ...], falling: bool, drop: Decimal) -> str:
        last = f"the last {in_words(self.returns)} returns"
        how = (f"return on return over {last}, by {_points(drop)} in all" if falling else
               f"by {_points(drop)} over {last}, more than the {_points(self.drop_above)} allowed")
        scores = [f"{percent_text(r.score)} in the period to {long_date(r.period_end)}"
                  for r in recent]
        return f"The risk score fell {how}: {listing(scores)}."


def _points(value: Decimal) -> str:
    number = percent_text(value).removesuffix("%")
    return f"{number} point" if number == "1" else f"{number} points"
