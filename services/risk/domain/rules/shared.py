"""Another council's facts about a service the provider runs for us (issue 20): evidence, not an
order. Each category has its own named rule with a severity the council may change in its risk
configuration (`{"rules": {"shared-suspension": {"severity": "moderate"}}}`), or switch off
(`false`), so what another council did raises a concern here only as this council decides.

Defaults: another council's suspension or decommission of the same regulated service is a
serious concern here (003: both follow sustained failure or non-compliance); its breach notice
and its own serious concern are moderate ones, for an officer to look into; a grade it shares
raises a moderate concern at the poor-performance threshold of 000 (3 or below; CQC requires
improvement or inadequate), like the regulator's own grades do.

Concerns these rules raise are named `shared-*`; intake never shares them on (a fact would
otherwise go back and forth between two councils).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from services.risk.domain.rules.trigger import Trigger
from shared.uk import clause, long_date, sentence
from shared.vocabulary import Severity

CQC_POOR = frozenset({"requires improvement", "inadequate"})
WHAT = {"suspension": "suspended", "decommission": "decommissioned",
        "breach-notice": "issued a breach notice to", "serious-concern": "raised a serious "
        "concern about", "inspection-grade": "shared the inspection grade of"}


@dataclass(frozen=True)
class IntelligenceFromAnotherCouncil:
    """A fact another council shared about a regulated service one of our contracts buys."""

    received_id: str
    council_name: str
    category: str
    service_id: str
    occurred_on: date
    severity: str | None = None
    grade: int | None = None
    rating: str | None = None
    due_on: date | None = None
    text: str | None = None
    contract_reference: str | None = None  # ours that buys the service
    regulator: str | None = None  # care-inspectorate or cqc


REGULATORS = {"care-inspectorate": "Care Inspectorate", "cqc": "CQC"}


def _service(fact: IntelligenceFromAnotherCouncil) -> str:
    """'the service our contract OAK-1 buys (Care Inspectorate CS2003001234)'."""
    number = " ".join(filter(None, (REGULATORS.get(fact.regulator or ""), fact.service_id)))
    if fact.contract_reference:
        return f"the service our contract {fact.contract_reference} buys ({number})"
    return f"the service {number}"


def summary_of(fact: IntelligenceFromAnotherCouncil) -> str:
    said = f" ({clause(fact.text)})" if fact.text else ""
    due = f", to comply by {long_date(fact.due_on)}" if fact.due_on else ""
    graded = f": lowest grade {fact.grade}" if fact.grade else (
        f": {fact.rating}" if fact.rating else "")
    return sentence(f"{fact.council_name} {WHAT.get(fact.category, fact.category)} "
                    f"{_service(fact)} on {long_date(fact.occurred_on)}{due}{graded}{said}")


def _trigger(rule: str, severity: str, fact: IntelligenceFromAnotherCouncil) -> Trigger:
    return Trigger(rule=rule, category=f"another council's {fact.category.replace('-', ' ')}",
                   severity=Severity(severity), summary=summary_of(fact), safety_at_risk=False,
                   evidence=(fact.received_id,))


@dataclass(frozen=True)
class _AnotherCouncilsFact:
    """A rule raising a concern of `severity` for another council's fact of one category."""

    severity: str = Severity.MODERATE.value
    category: ClassVar[str]
    name: ClassVar[str]
    reads: ClassVar[type] = IntelligenceFromAnotherCouncil

    def __post_init__(self) -> None:
        Severity(self.severity)  # a council's wrong severity stops the start, naming it

    def applies(self, fact: IntelligenceFromAnotherCouncil) -> bool:
        return fact.category == self.category

    def check(self, fact: IntelligenceFromAnotherCouncil) -> Trigger | None:
        return _trigger(self.name, self.severity, fact) if self.applies(fact) else None


@dataclass(frozen=True)
class AnotherCouncilsSuspensionRaisesASeriousConcern(_AnotherCouncilsFact):
    """Another council suspended the same regulated service: a serious concern here."""

    severity: str = Severity.SERIOUS.value
    category: ClassVar[str] = "suspension"
    name: ClassVar[str] = "shared-suspension"


@dataclass(frozen=True)
class AnotherCouncilsDecommissionRaisesASeriousConcern(_AnotherCouncilsFact):
    """Another council decommissioned the same regulated service: a serious concern here."""

    severity: str = Severity.SERIOUS.value
    category: ClassVar[str] = "decommission"
    name: ClassVar[str] = "shared-decommission"


@dataclass(frozen=True)
class AnotherCouncilsBreachNoticeRaisesAConcern(_AnotherCouncilsFact):
    """Another council issued a breach notice for the same service: a moderate concern here."""

    category: ClassVar[str] = "breach-notice"
    name: ClassVar[str] = "shared-breach-notice"


@dataclass(frozen=True)
class AnotherCouncilsSeriousConcernRaisesAConcern(_AnotherCouncilsFact):
    """Another council has a serious concern about the same service: a moderate one here."""

    category: ClassVar[str] = "serious-concern"
    name: ClassVar[str] = "shared-serious-concern"


@dataclass(frozen=True)
class AnotherCouncilsPoorGradeRaisesAConcern(_AnotherCouncilsFact):
    """A grade another council shares at or below the threshold (000): a moderate concern."""

    threshold: int = 3
    category: ClassVar[str] = "inspection-grade"
    name: ClassVar[str] = "shared-inspection-grade"

    def applies(self, fact: IntelligenceFromAnotherCouncil) -> bool:
        poor = (fact.grade is not None and fact.grade <= self.threshold) or (
            (fact.rating or "").lower() in CQC_POOR)
        return fact.category == self.category and poor


SHARED_RULES = (
    AnotherCouncilsSuspensionRaisesASeriousConcern(),
    AnotherCouncilsDecommissionRaisesASeriousConcern(),
    AnotherCouncilsBreachNoticeRaisesAConcern(),
    AnotherCouncilsSeriousConcernRaisesAConcern(),
    AnotherCouncilsPoorGradeRaisesAConcern(),
)
