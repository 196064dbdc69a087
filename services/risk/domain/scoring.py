"""The scoring model: section ratings to a percentage where higher means lower risk (002)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shared.contracts.intake import Rating
from shared.contracts.risk import Band

MODEL_VERSION = "rag-sections-1"
POINTS = {Rating.GREEN: Decimal(100), Rating.AMBER: Decimal(50), Rating.RED: Decimal(0)}
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Score:
    percentage: Decimal
    band: Band
    explanation: tuple[str, ...]


def band_for(percentage: Decimal) -> Band:
    """Bands of the governance report; fractional scores fall below a boundary they miss."""
    if percentage >= 100:
        return Band.FULL
    if percentage >= 75:
        return Band.NO_SIGNIFICANT_RISK
    if percentage >= 50:
        return Band.MODERATE_RISK
    return Band.SIGNIFICANT_RISK


def score_sections(sections: Mapping[str, str]) -> Score:
    """Each section earns 100 (green), 50 (amber) or 0 (red) points; the score is the mean."""
    if not sections:
        raise ValueError("a return needs at least one rated section to be scored")
    explanation = []
    for name, rating in sorted(sections.items()):
        lost = 100 - POINTS[Rating(rating)]
        if lost:
            explanation.append(f"{name} rated {rating}: {lost} of 100 points lost")
    total = sum((POINTS[Rating(r)] for r in sections.values()), Decimal(0))
    percentage = (total / len(sections)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return Score(percentage, band_for(percentage), tuple(explanation) or ("every section green",))


def assessed_risk_for(band: Band) -> str:
    """Interim likelihood x impact reading: the band of the latest return sets the risk level.

    Below 50% is significant risk (high), 50-74% moderate (medium), 75% and over low (002).
    The full risk matrix of 004 §8-9 replaces this with issue 4.
    """
    if band is Band.SIGNIFICANT_RISK:
        return "high"
    if band is Band.MODERATE_RISK:
        return "medium"
    return "low"
