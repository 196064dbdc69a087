"""The monitoring level of a contract: the highest level any criterion gives (004 §8 table).

LEVEL 1 is the highest. Each criterion (annual value, assessed risk, regulation) is a named
rule giving a level and the reason in plain English; the decision keeps the reasons of every
criterion that gives the chosen level (domain-rules.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from shared.domain import InvalidInput
from shared.uk import pounds
from shared.vocabulary import RiskLevel

LEVEL_1 = 1
LEVEL_2 = 2
LEVEL_3 = 3

# "Over £100k" and "over £10k": the amounts themselves fall in the level below.
LEVEL_1_VALUE_OVER = Decimal("100000")
LEVEL_2_VALUE_OVER = Decimal("10000")

REGULATORS = {"care-inspectorate": "the Care Inspectorate", "cqc": "the Care Quality Commission"}


# Likelihood x impact as the risk service assessed it: one Low / Medium / High scale for all.
AssessedRisk = RiskLevel


class Criterion(NamedTuple):
    """The level one criterion gives, and why."""

    level: int
    reason: str


@dataclass(frozen=True)
class LevelDecision:
    """The level a contract is monitored at and the criteria that put it there."""

    level: int
    reasons: tuple[str, ...]


def check_annual_value(annual_value: Decimal) -> None:
    if not annual_value.is_finite() or annual_value < 0:
        raise InvalidInput(
            f"the annual value must be £0 or more, not {annual_value}", field="annual_value"
        )


def level_by_value(annual_value: Decimal) -> Criterion:
    """Over £100,000 gives LEVEL 1, over £10,000 LEVEL 2, £10,000 and under LEVEL 3."""
    check_annual_value(annual_value)
    shown = pounds(annual_value)
    if annual_value > LEVEL_1_VALUE_OVER:
        return Criterion(LEVEL_1, f"annual value {shown} is over {pounds(LEVEL_1_VALUE_OVER)}")
    if annual_value > LEVEL_2_VALUE_OVER:
        return Criterion(LEVEL_2, f"annual value {shown} is over {pounds(LEVEL_2_VALUE_OVER)}")
    return Criterion(LEVEL_3, f"annual value {shown} is {pounds(LEVEL_2_VALUE_OVER)} or under")


_LEVEL_BY_RISK = {
    AssessedRisk.HIGH: LEVEL_1,
    AssessedRisk.MEDIUM: LEVEL_2,
    AssessedRisk.LOW: LEVEL_3,
}


def level_by_risk(assessed_risk: AssessedRisk) -> Criterion:
    """High assessed risk gives LEVEL 1, medium LEVEL 2, low LEVEL 3."""
    try:
        risk = AssessedRisk(assessed_risk)
    except ValueError:
        raise InvalidInput(
            f"{assessed_risk!r} is not low, medium or high", field="assessed_risk"
        ) from None
    return Criterion(_LEVEL_BY_RISK[risk], f"assessed risk is {risk.value}")


def level_by_regulation(regulator: str | None) -> Criterion:
    """A regulated service gives LEVEL 1; an unregulated one LEVEL 3."""
    if regulator is None:
        return Criterion(LEVEL_3, "not a regulated service")
    if regulator not in REGULATORS:
        known = " or ".join(sorted(REGULATORS))
        raise InvalidInput(f"{regulator!r} is not a known regulator ({known})", field="regulator")
    return Criterion(LEVEL_1, f"regulated by {REGULATORS[regulator]}")


def level_for(
    annual_value: Decimal, assessed_risk: AssessedRisk, regulator: str | None
) -> LevelDecision:
    """The highest level any criterion gives, with the reason of each criterion that gives it."""
    criteria = (
        level_by_value(annual_value),
        level_by_risk(assessed_risk),
        level_by_regulation(regulator),
    )
    level = min(criterion.level for criterion in criteria)
    reasons = tuple(criterion.reason for criterion in criteria if criterion.level == level)
    return LevelDecision(level=level, reasons=reasons)
