"""A return's own analysis: its score and its section ratings (004 App. 3, 002).

"A risk analysis will be completed after each CMR based on risk indicators" (004 App. 3); a
return's analysis is the first source of concerns in §6. Two rules read the scored return:
a score in the band below 50%, which 002 reads as significant risk, and any section rated red.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from services.risk.domain.rules.trigger import Trigger, label, listing, percent_text
from shared.uk import long_date
from shared.vocabulary import Band, Rating, Severity

# The section whose red rating means people's safety is at risk (CMR LEVEL 1, 004 App. 3 §1).
SAFETY_SECTION = "safety_and_quality"


@dataclass(frozen=True)
class ScoredReturnReading:
    """One return as scored: its percentage, band and section ratings."""

    return_id: str
    period_end: date
    percentage: Decimal
    band: Band
    sections: Mapping[str, Rating] = field(hash=False)


@dataclass(frozen=True)
class SignificantRiskBandRaisesAConcern:
    """A score in the band below 50% is significant risk (002) and raises a serious concern.

    People's safety is at risk when the safety and quality section is also rated red.
    """

    name: ClassVar[str] = "significant-risk-band"
    reads: ClassVar[type] = ScoredReturnReading

    def check(self, reading: ScoredReturnReading) -> Trigger | None:
        if reading.band is not Band.SIGNIFICANT_RISK:
            return None
        return Trigger(
            rule=self.name,
            category="risk score",
            severity=Severity.SERIOUS,
            summary=(f"The return for the period to {long_date(reading.period_end)} scored "
                     f"{percent_text(reading.percentage)}, in the band below 50% (significant "
                     "risk)."),
            safety_at_risk=reading.sections.get(SAFETY_SECTION) == Rating.RED,
            evidence=(reading.return_id,),
        )


@dataclass(frozen=True)
class RedSectionRaisesAConcern:
    """Any section rated red raises a concern; red for safety and quality puts people at risk
    and is serious, red elsewhere is moderate."""

    name: ClassVar[str] = "red-section"
    reads: ClassVar[type] = ScoredReturnReading

    def check(self, reading: ScoredReturnReading) -> Trigger | None:
        red = sorted(name for name, rating in reading.sections.items() if rating == Rating.RED)
        if not red:
            return None
        safety = SAFETY_SECTION in red
        sections = "section" if len(red) == 1 else "sections"
        return Trigger(
            rule=self.name,
            category="safety" if safety else "quality",
            severity=Severity.SERIOUS if safety else Severity.MODERATE,
            summary=(f"The return for the period to {long_date(reading.period_end)} rated "
                     f"{len(red)} {sections} red: {listing([label(name) for name in red])}."),
            safety_at_risk=safety,
            evidence=(reading.return_id,),
        )
