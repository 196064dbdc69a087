"""Concerns reported by people, assessed into concerns of the issues and risk log.

Concerns come from operational staff, complaints, whistleblowing, ASP, the provider, the
regulator, finance and lay assessors (004 §9, 003); 000 opens its list with "receipt of concerns,
complaints". Concerns about people's safety, ASP concerns included, are shared immediately
(004 §15), so they are serious. The rule reads `ConcernReported` as plain values, with the
category the officer chose when logging it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from services.risk.domain.rules.trigger import Trigger, label, normalised
from shared.uk import long_date, sentence
from shared.vocabulary import ConcernSource, Severity

# The officer's categories that the breach rules read; the rule here leaves them to those rules,
# so one report raises one concern.
SERVICE_BREAKDOWN_CATEGORIES = frozenset({"service breakdown", "breakdown of service"})
BREACH_CATEGORIES = frozenset({"alleged breach of contract", "breach of contract"})

REPORTED_BY: dict[str, str] = {
    ConcernSource.OPERATIONAL_STAFF: "operational staff",
    ConcernSource.COMPLAINT: "a complainant",
    ConcernSource.WHISTLEBLOWING: "a whistleblower",
    ConcernSource.ADULT_SUPPORT_AND_PROTECTION: "the adult support and protection team",
    ConcernSource.PROVIDER_NOTIFICATION: "the provider",
    ConcernSource.REGULATOR: "the regulator",
    ConcernSource.FINANCIAL: "finance",
    ConcernSource.LAY_ASSESSOR: "a lay assessor",
}
CATEGORY_OF_SOURCE: dict[str, str] = {
    ConcernSource.OPERATIONAL_STAFF: "reported concern",
    ConcernSource.COMPLAINT: "complaint",
    ConcernSource.WHISTLEBLOWING: "whistleblowing",
    ConcernSource.ADULT_SUPPORT_AND_PROTECTION: "adult support and protection",
    ConcernSource.PROVIDER_NOTIFICATION: "provider notification",
    ConcernSource.REGULATOR: "regulator",
    ConcernSource.FINANCIAL: "financial",
    ConcernSource.LAY_ASSESSOR: "lay assessor",
}
DESCRIPTION_LIMIT = 300


@dataclass(frozen=True)
class ReportedConcern:
    """A concern a person reported, as `ConcernReported` carries it, with the officer's reading."""

    report_id: str
    source: str  # a ConcernSource value, e.g. "whistleblowing"
    description: str
    safety_at_risk: bool
    category: str | None = None  # what the officer logged it as, e.g. "service breakdown"
    reported_on: date | None = None
    budget_impact: Decimal | None = None  # pounds, the officer's estimate for a breakdown


def reported_by(concern: ReportedConcern) -> str:
    """Who reported it, in words: "a whistleblower", "operational staff"."""
    # StrEnum members hash as their values, so the plain string finds them.
    return REPORTED_BY.get(concern.source, label(concern.source) or "someone")


def when(concern: ReportedConcern) -> str:
    """' on 3 March 2026', or nothing when the date is not known."""
    return f" on {long_date(concern.reported_on)}" if concern.reported_on else ""


def told(concern: ReportedConcern) -> str:
    """': <what they said>', the description cut short when long."""
    text = " ".join(concern.description.split())
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 1].rstrip() + "…"
    return f": {text}" if text else ""


@dataclass(frozen=True)
class ReportedConcernRaisesAConcern:
    """Every concern a person reports is assessed into a concern (000, 004 §9, §15).

    Defaults: serious when the reporter says people's safety is at risk or when it comes from
    whistleblowing or adult support and protection (`serious_sources`); moderate otherwise.
    Reports the officer categorised as a service breakdown or an alleged breach of contract are
    left to those rules (`handled_elsewhere`); pass an empty set if those rules are not used.
    """

    serious_sources: frozenset[str] = frozenset({
        ConcernSource.WHISTLEBLOWING.value, ConcernSource.ADULT_SUPPORT_AND_PROTECTION.value,
    })
    handled_elsewhere: frozenset[str] = SERVICE_BREAKDOWN_CATEGORIES | BREACH_CATEGORIES
    name: ClassVar[str] = "reported-concern"
    reads: ClassVar[type] = ReportedConcern

    def check(self, concern: ReportedConcern) -> Trigger | None:
        category = normalised(concern.category)
        if category in {normalised(c) for c in self.handled_elsewhere}:
            return None
        serious = concern.safety_at_risk or concern.source in self.serious_sources
        return Trigger(
            rule=self.name,
            category=category or CATEGORY_OF_SOURCE.get(concern.source, "reported concern"),
            severity=Severity.SERIOUS if serious else Severity.MODERATE,
            summary=sentence(f"Concern reported by {reported_by(concern)}{when(concern)}"
                             f"{told(concern)}")
            + (" People's safety may be at risk." if concern.safety_at_risk else ""),
            safety_at_risk=concern.safety_at_risk,
            evidence=(concern.report_id,),
        )

