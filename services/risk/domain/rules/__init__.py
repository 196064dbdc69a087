"""The poor-performance triggers of domain-rules.md §6 (000), one named rule each.

Each rule reads one kind of plain value (its `reads`), has a `name`, takes its thresholds as
constructor arguments with the documented values as defaults, and its `check()` returns a
`Trigger` or None. A council's own thresholds replace `DEFAULT_RULES` with its own instances.

    for trigger in triggers_for(VisitMonth(...)):
        raise_concern(concern_id=trigger.dedup_key, ...)
"""

from __future__ import annotations

from collections.abc import Iterable

from services.risk.domain.rules.breach import (
    AllegedBreachOfContractRaisesAConcern,
    ServiceBreakdownRaisesAConcern,
)
from services.risk.domain.rules.complaints import (
    ComplaintCounts,
    ComplaintHistory,
    RisingComplaintsRaiseAConcern,
    UpheldComplaintsRaiseAConcern,
)
from services.risk.domain.rules.incidents import (
    IncidentFigures,
    IncidentsUpOnThePreviousReturnRaiseAConcern,
    SeriousIncidentsRaiseAConcern,
)
from services.risk.domain.rules.inspection import (
    GradeThreeOrBelowRaisesAConcern,
    InspectionFindings,
    NoLongerRegisteredRaisesAConcern,
    RequiresImprovementOrInadequateRaisesAConcern,
    ServiceClosure,
)
from services.risk.domain.rules.overdue import (
    OverdueHistory,
    OverdueReturn,
    RepeatedOverdueReturnsRaiseAConcern,
)
from services.risk.domain.rules.reported import ReportedConcern, ReportedConcernRaisesAConcern
from services.risk.domain.rules.scored_return import (
    RedSectionRaisesAConcern,
    ScoredReturnReading,
    SignificantRiskBandRaisesAConcern,
)
from services.risk.domain.rules.shared import (
    SHARED_RULES,
    AnotherCouncilsBreachNoticeRaisesAConcern,
    AnotherCouncilsDecommissionRaisesASeriousConcern,
    AnotherCouncilsPoorGradeRaisesAConcern,
    AnotherCouncilsSeriousConcernRaisesAConcern,
    AnotherCouncilsSuspensionRaisesASeriousConcern,
    IntelligenceFromAnotherCouncil,
)
from services.risk.domain.rules.trend import (
    ReturnScore,
    ScoreHistory,
    WorseningTrendRaisesAConcern,
)
from services.risk.domain.rules.trigger import Rule, Trigger, dedup_key_for
from services.risk.domain.rules.visits import (
    MissedVisitsAboveLimitRaiseAConcern,
    PunctualityBelowTargetRaisesAConcern,
    ShortNoticeCancellationsAboveLimitRaiseAConcern,
    VisitMonth,
)
from services.risk.domain.rules.workforce import (
    AbsenceFigures,
    HighStaffAbsenceRaisesAConcern,
    HighStaffTurnoverRaisesAConcern,
    TurnoverFigures,
)

__all__ = [
    "DEFAULT_RULES",
    "AbsenceFigures",
    "AllegedBreachOfContractRaisesAConcern",
    "AnotherCouncilsBreachNoticeRaisesAConcern",
    "AnotherCouncilsDecommissionRaisesASeriousConcern",
    "AnotherCouncilsPoorGradeRaisesAConcern",
    "AnotherCouncilsSeriousConcernRaisesAConcern",
    "AnotherCouncilsSuspensionRaisesASeriousConcern",
    "ComplaintCounts",
    "ComplaintHistory",
    "GradeThreeOrBelowRaisesAConcern",
    "HighStaffAbsenceRaisesAConcern",
    "HighStaffTurnoverRaisesAConcern",
    "IncidentFigures",
    "IncidentsUpOnThePreviousReturnRaiseAConcern",
    "InspectionFindings",
    "IntelligenceFromAnotherCouncil",
    "MissedVisitsAboveLimitRaiseAConcern",
    "NoLongerRegisteredRaisesAConcern",
    "OverdueHistory",
    "OverdueReturn",
    "PunctualityBelowTargetRaisesAConcern",
    "RedSectionRaisesAConcern",
    "RepeatedOverdueReturnsRaiseAConcern",
    "ReportedConcern",
    "ReportedConcernRaisesAConcern",
    "RequiresImprovementOrInadequateRaisesAConcern",
    "ReturnScore",
    "RisingComplaintsRaiseAConcern",
    "Rule",
    "ScoreHistory",
    "ScoredReturnReading",
    "SeriousIncidentsRaiseAConcern",
    "ServiceBreakdownRaisesAConcern",
    "ServiceClosure",
    "ShortNoticeCancellationsAboveLimitRaiseAConcern",
    "SignificantRiskBandRaisesAConcern",
    "TurnoverFigures",
    "Trigger",
    "UpheldComplaintsRaiseAConcern",
    "VisitMonth",
    "WorseningTrendRaisesAConcern",
    "dedup_key_for",
    "rule_named",
    "triggers_for",
]

# Every trigger of §6 with its documented defaults: a return's own analysis first, then the
# triggers in the order 000 lists them.
DEFAULT_RULES: tuple[Rule, ...] = (
    SignificantRiskBandRaisesAConcern(),
    RedSectionRaisesAConcern(),
    ReportedConcernRaisesAConcern(),
    RisingComplaintsRaiseAConcern(),
    UpheldComplaintsRaiseAConcern(),
    MissedVisitsAboveLimitRaiseAConcern(),
    PunctualityBelowTargetRaisesAConcern(),
    ShortNoticeCancellationsAboveLimitRaiseAConcern(),
    HighStaffTurnoverRaisesAConcern(),
    HighStaffAbsenceRaisesAConcern(),
    SeriousIncidentsRaiseAConcern(),
    IncidentsUpOnThePreviousReturnRaiseAConcern(),
    GradeThreeOrBelowRaisesAConcern(),
    RequiresImprovementOrInadequateRaisesAConcern(),
    NoLongerRegisteredRaisesAConcern(),
    ServiceBreakdownRaisesAConcern(),
    AllegedBreachOfContractRaisesAConcern(),
    RepeatedOverdueReturnsRaiseAConcern(),
    WorseningTrendRaisesAConcern(),
    # What another council shares under an agreement (issue 20): one named rule per category.
    *SHARED_RULES,
)


def triggers_for(reading: object, rules: Iterable[Rule] = DEFAULT_RULES) -> list[Trigger]:
    """Every trigger the reading fires, asking only the rules that read its kind of value."""
    return [
        trigger for rule in rules
        if isinstance(reading, rule.reads) and (trigger := rule.check(reading)) is not None
    ]


def rule_named(name: str, rules: Iterable[Rule] = DEFAULT_RULES) -> Rule:
    """The rule of that name, for an officer's configuration or an explanation."""
    for rule in rules:
        if rule.name == name:
            return rule
    raise KeyError(f"no poor-performance rule is named {name!r}")
