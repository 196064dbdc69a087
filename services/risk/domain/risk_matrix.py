"""Low / Medium / High from likelihood x impact on the council's risk matrix (004 §8-9).

004 rates a provider's risks "Low", "Medium" or "High" from "the likelihood that the risk will
occur and the impact or severity that the risk will have if it occurs", on the matrix of the
IJB Risk Management Strategy, which 004 does not reproduce. The default is the common 5 x 5
matrix, the level set by the product of the two scores:

    likelihood: 1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain
    impact:     1 negligible, 2 minor, 3 moderate, 4 major, 5 extreme

    product 1-6 Low, 8-12 Medium, 15-25 High (7, 11, 13 and 14 cannot occur on 5 x 5)

              impact 1  2  3  4  5
    likelihood 5     L  M  H  H  H
               4     L  M  M  H  H
               3     L  L  M  M  H
               2     L  L  L  M  M
               1     L  L  L  L  L

A council whose matrix differs sets its own size and thresholds on `RiskMatrix`.

The risk service knows a provider's latest band, its open serious concerns, whether its returns
are worsening, its service type and whether people's safety is at risk; `likelihood_from` and
`impact_from` turn those into scores on the 1-5 scales:

- Likelihood starts from the latest band, read as 002 reads it: 100% and 75-99% "no significant
  risk" are 1 (so is a provider with no scored return yet), 50-74% "moderate risk" is 3, below
  50% "significant risk" is 4. One open serious concern adds 1, two or more add 2; a worsening
  trend adds 1; at most 5.
- Impact is how badly people are affected if the service fails: 4 (major) where people depend
  on the service for care or a home (care homes, care at home, short breaks, supported housing),
  3 (moderate) for day services, advocacy and carer support, 2 (minor) for information and
  advice, early intervention, employment and skills; 3 for a service type not listed. People's
  safety at risk makes it at least 4 and one more than the service's own, at most 5.

So with no concern and no trend a care home reads as before the matrix (`assessed_risk_for`):
75% and over low, 50-74% medium, below 50% high.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.vocabulary import Band, RiskLevel

LIKELIHOOD_WORDS = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
IMPACT_WORDS = {1: "negligible", 2: "minor", 3: "moderate", 4: "major", 5: "extreme"}


def _check_whole(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")


@dataclass(frozen=True)
class RiskMatrix:
    """A likelihood x impact matrix: products from `medium_from` are Medium, `high_from` High."""

    likelihoods: int = 5
    impacts: int = 5
    medium_from: int = 8
    high_from: int = 15

    def __post_init__(self) -> None:
        for name in ("likelihoods", "impacts"):
            _check_whole(name, getattr(self, name), 1, 10)
        largest = self.likelihoods * self.impacts
        _check_whole("medium_from", self.medium_from, 2, largest)
        _check_whole("high_from", self.high_from, self.medium_from + 1, largest)

    def assess(self, likelihood: int, impact: int) -> RiskLevel:
        """The level of the cell at `likelihood` x `impact`."""
        _check_whole("likelihood", likelihood, 1, self.likelihoods)
        _check_whole("impact", impact, 1, self.impacts)
        product = likelihood * impact
        if product >= self.high_from:
            return RiskLevel.HIGH
        return RiskLevel.MEDIUM if product >= self.medium_from else RiskLevel.LOW

    def explain(self, likelihood: int, impact: int) -> str:
        """The reading an officer records: 'likelihood 4 (likely) x impact 4 (major) = 16: high'."""
        level = self.assess(likelihood, impact)
        return (f"likelihood {likelihood}{_word(LIKELIHOOD_WORDS, likelihood, self.likelihoods)}"
                f" x impact {impact}{_word(IMPACT_WORDS, impact, self.impacts)}"
                f" = {likelihood * impact}: {level}")


DEFAULT_MATRIX = RiskMatrix()


def assess(likelihood: int, impact: int, matrix: RiskMatrix = DEFAULT_MATRIX) -> RiskLevel:
    """Low, medium or high for `likelihood` x `impact` on `matrix` (the default 5 x 5)."""
    return matrix.assess(likelihood, impact)


def _word(words: dict[int, str], score: int, scale: int) -> str:
    # The words belong to the 5-point scales; another council's scale shows the number alone.
    return f" ({words[score]})" if scale == 5 else ""


# Deriving the two scores from what the risk service knows ----------------------------------

BAND_LIKELIHOOD: dict[Band, int] = {
    Band.FULL: 1,
    Band.NO_SIGNIFICANT_RISK: 1,
    Band.MODERATE_RISK: 3,
    Band.SIGNIFICANT_RISK: 4,
}
# Without a scored return there is no evidence either way: the likelihood rests on the rest.
NO_SCORE_LIKELIHOOD = 1

SERVICE_IMPACT: dict[str, int] = {
    "care-home": 4,
    "care-at-home": 4,
    "short-breaks": 4,
    "supported-housing": 4,
    "day-services": 3,
    "advocacy": 3,
    "carer-support": 3,
    "early-intervention-and-prevention": 2,
    "information-advice-and-support": 2,
    "employment-support": 2,
    "skills-development": 2,
}
UNLISTED_SERVICE_IMPACT = 3
SAFETY_IMPACT_FLOOR = 4


def likelihood_from(
    band: Band | str | None, open_serious_concerns: int, trend_worsening: bool
) -> int:
    """Likelihood 1-5: the band's, plus 1 for a serious concern (2 for several), 1 if worsening."""
    base = NO_SCORE_LIKELIHOOD if band is None else BAND_LIKELIHOOD[_band(band)]
    _check_whole("open_serious_concerns", open_serious_concerns, 0, 1_000_000)
    if not isinstance(trend_worsening, bool):
        raise ValueError(f"trend_worsening must be True or False, not {trend_worsening!r}")
    concerns = min(open_serious_concerns, 2)
    return min(base + concerns + int(trend_worsening), 5)


def impact_from(
    service_type: str, safety_at_risk: bool, impacts: Mapping[str, int] = SERVICE_IMPACT
) -> int:
    """Impact 1-5: the service type's, raised to at least 4 (and by 1) when safety is at risk."""
    if not isinstance(service_type, str) or not service_type.strip():
        raise ValueError(f"service_type must name a service type, not {service_type!r}")
    if not isinstance(safety_at_risk, bool):
        raise ValueError(f"safety_at_risk must be True or False, not {safety_at_risk!r}")
    impact = impacts.get(service_type, UNLISTED_SERVICE_IMPACT)
    if safety_at_risk:
        impact = min(max(impact + 1, SAFETY_IMPACT_FLOOR), 5)
    return impact


def _band(band: Band | str) -> Band:
    try:
        return Band(band)
    except ValueError:
        known = ", ".join(b.value for b in Band)
        raise ValueError(f"band must be one of {known}, not {band!r}") from None


# A provider's assessed risk -----------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRisk:
    """A provider's place on the matrix and the reading an officer records for it."""

    likelihood: int
    impact: int
    level: RiskLevel
    reason: str


def assess_provider(
    band: Band | str | None,
    open_serious_concerns: int,
    trend_worsening: bool,
    service_types: Iterable[str],
    safety_at_risk: bool,
    matrix: RiskMatrix = DEFAULT_MATRIX,
    impacts: Mapping[str, int] = SERVICE_IMPACT,
) -> ProviderRisk:
    """The provider's level: its likelihood by its latest band, serious concerns and trend, its
    impact by the most critical service it provides (a service type not yet known reads as
    unlisted), both kept within the matrix's scales."""
    likelihood = min(likelihood_from(band, open_serious_concerns, trend_worsening),
                     matrix.likelihoods)
    impact = min(max((impact_from(s, safety_at_risk, impacts) for s in service_types),
                     default=impact_from("unlisted", safety_at_risk, impacts)), matrix.impacts)
    why = [f"latest return in the band {band}" if band else "no return scored yet"]
    if open_serious_concerns:
        why.append(f"{open_serious_concerns} open serious concern"
                   f"{'' if open_serious_concerns == 1 else 's'}")
    if trend_worsening:
        why.append("scores worsening")
    if safety_at_risk:
        why.append("people's safety at risk")
    reason = f"{matrix.explain(likelihood, impact)} ({'; '.join(why)})"
    return ProviderRisk(likelihood, impact, matrix.assess(likelihood, impact), reason)
