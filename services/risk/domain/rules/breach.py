"""Breakdown of service with a budget impact, and alleged breach of the contract's terms.

000: "breakdown of service, which would potentially have a significant budgetary impact" and
"services where the Provider is allegedly in breach of terms and conditions of contract". Both
reach the council as reported concerns; the officer logging one chooses its category, and these
rules read that category rather than guess from the description's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from services.risk.domain.rules.reported import (
    BREACH_CATEGORIES,
    SERVICE_BREAKDOWN_CATEGORIES,
    ReportedConcern,
    reported_by,
    told,
    when,
)
from services.risk.domain.rules.trigger import Trigger, as_decimal, normalised
from shared.uk import pounds, sentence
from shared.vocabulary import Severity


def _in(concern: ReportedConcern, categories: frozenset[str]) -> bool:
    return normalised(concern.category) in {normalised(c) for c in categories}


@dataclass(frozen=True)
class ServiceBreakdownRaisesAConcern:
    """A breakdown of service raises a concern, serious when its budget impact is significant
    (000).

    Default: an estimated impact of £10,000 or more is significant (the LEVEL 2 / LEVEL 3 value
    boundary, 004 §8); below that, or not yet estimated, the concern is moderate unless people's
    safety is at risk. A breakdown puts the service's continuity at risk, which 004 §15 escalates.
    """

    significant_budget_impact: Decimal = Decimal(10000)
    categories: frozenset[str] = SERVICE_BREAKDOWN_CATEGORIES
    name: ClassVar[str] = "service-breakdown"
    reads: ClassVar[type] = ReportedConcern

    def __post_init__(self) -> None:
        object.__setattr__(self, "significant_budget_impact", as_decimal(
            self.significant_budget_impact, "significant_budget_impact"))

    def check(self, concern: ReportedConcern) -> Trigger | None:
        if not _in(concern, self.categories):
            return None
        impact = concern.budget_impact
        significant = impact is not None and impact >= self.significant_budget_impact
        return Trigger(
            rule=self.name,
            category="service breakdown",
            severity=(Severity.SERIOUS if significant or concern.safety_at_risk
                      else Severity.MODERATE),
            summary=sentence(
                f"Breakdown of service reported by {reported_by(concern)}{when(concern)}, "
                + (f"with an estimated budget impact of {pounds(impact)}" if impact is not None
                   else "with no estimate of its budget impact yet")
                + told(concern)
            ),
            safety_at_risk=concern.safety_at_risk,
            evidence=(concern.report_id,),
        )


@dataclass(frozen=True)
class AllegedBreachOfContractRaisesAConcern:
    """An alleged breach of the contract's terms raises a concern (000).

    Default severity serious: significant breaches of contract always go to the Head of Strategic
    Planning (004 §15), and 003 enforces against non-compliance. Councils may set moderate.
    """

    severity: Severity = Severity.SERIOUS
    categories: frozenset[str] = BREACH_CATEGORIES
    name: ClassVar[str] = "alleged-breach"
    reads: ClassVar[type] = ReportedConcern

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))

    def check(self, concern: ReportedConcern) -> Trigger | None:
        if not _in(concern, self.categories):
            return None
        return Trigger(
            rule=self.name,
            category="breach of contract",
            severity=self.severity,
            summary=sentence(
                f"Alleged breach of the contract's terms reported by {reported_by(concern)}"
                f"{when(concern)}{told(concern)}"
            ),
            safety_at_risk=concern.safety_at_risk,
            evidence=(concern.report_id,),
        )
