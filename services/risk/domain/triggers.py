"""Poor-performance triggers that turn a scored return into a concern (domain-rules.md §5-6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.risk.domain.scoring import Score
from shared.contracts.intake import Rating
from shared.contracts.risk import Band, Severity

SAFETY_SECTION = "safety_and_quality"


@dataclass(frozen=True)
class ConcernDraft:
    rule: str
    category: str
    severity: Severity
    summary: str
    safety_at_risk: bool


class SignificantRiskBandRaisesAConcern:
    """A score below 50% is significant risk (002) and opens a poor-performance concern."""

    name = "significant-risk-band"

    def check(self, score: Score, sections: Mapping[str, str]) -> ConcernDraft | None:
        if score.band is not Band.SIGNIFICANT_RISK:
            return None
        return ConcernDraft(
            rule=self.name,
            category="risk score",
            severity=Severity.SERIOUS,
            summary=f"risk score {score.percentage}% is in the band below 50%",
            safety_at_risk=sections.get(SAFETY_SECTION) == Rating.RED,
        )


class RedSectionRaisesAConcern:
    """Any section rated red is a concern; red on safety and quality puts people at risk."""

    name = "red-section"

    def check(self, score: Score, sections: Mapping[str, str]) -> ConcernDraft | None:
        red = sorted(name for name, rating in sections.items() if rating == Rating.RED)
        if not red:
            return None
        safety = SAFETY_SECTION in red
        return ConcernDraft(
            rule=self.name,
            category="safety" if safety else "quality",
            severity=Severity.SERIOUS if safety else Severity.MODERATE,
            summary=f"sections rated red: {'; '.join(_label(name) for name in red)}",
            safety_at_risk=safety,
        )


def _label(section: str) -> str:
    return section.replace("_", " ")


RETURN_TRIGGERS = (SignificantRiskBandRaisesAConcern(), RedSectionRaisesAConcern())


def concerns_for(score: Score, sections: Mapping[str, str]) -> list[ConcernDraft]:
    return [d for rule in RETURN_TRIGGERS if (d := rule.check(score, sections)) is not None]
