"""Events published by risk: judgements on returns and the concerns they raise."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from shared.contracts.envelope import IntegrationEvent, contract
from shared.vocabulary import Band, Rating, RiskLevel, Severity

STREAM = "RISK"
SUBJECTS = "evt.risk.>"
RISK_SCORED = "evt.risk.*.*.RiskScored"
CONCERN_RAISED = "evt.risk.*.*.ConcernRaised"
RISK_LEVEL_ASSESSED = "evt.risk.*.*.RiskLevelAssessed"
CONCERN_RESOLVED = "evt.risk.*.*.ConcernResolved"
CONCERN_RECURRED = "evt.risk.*.*.ConcernRecurred"
RETURN_ANALYSIS_HELD = "evt.risk.*.*.ReturnAnalysisHeld"
RETURN_ANALYSIS_RELEASED = "evt.risk.*.*.ReturnAnalysisReleased"


class Deduction(BaseModel):
    """One line of a score's explanation: what cost how many points, under which rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str
    points: Decimal
    rule: str


class Indicators(BaseModel):
    """002's compliance and intelligence indicators: true, false, or null where not said."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    compliance: dict[str, bool | None]
    intelligence: dict[str, bool | None]


@contract
class RiskScored(IntegrationEvent):
    """A return was risk-scored: a percentage where higher means lower risk, and its band.

    `previous_score` and `change` compare with the provider's previous return; for a re-score
    (`rescored_by` set) they compare with the same return's score under the earlier model.
    """

    event_type = "RiskScored"
    source_service = "risk"

    return_id: str
    score: Decimal
    band: Band
    section_ratings: dict[str, Rating]
    explanation: list[str]
    model_version: str
    previous_score: Decimal | None = None
    change: Decimal | None = None
    form: str | None = None
    period_end: date | None = None
    deductions: list[Deduction] = []
    indicators: Indicators | None = None
    rescored_by: str | None = None


@contract
class ConcernRaised(IntegrationEvent):
    """A poor-performance trigger fired: a concern about a provider, with its evidence."""

    event_type = "ConcernRaised"
    source_service = "risk"

    concern_id: str
    category: str
    severity: Severity
    source: str
    summary: str
    evidence: list[str]
    safety_at_risk: bool
    rule: str | None = None


@contract
class ConcernRecurred(IntegrationEvent):
    """A trigger fired again about the matter of an open concern (the same rule and category):
    the concern, under its first id, now rests on more evidence and has fired `occurrences`
    times. Nothing new is raised: a consumer updates what it holds for `concern_id`.

    `evidence` is all the concern rests on now, `new_evidence` what this time added; `severity`
    and `safety_at_risk` are the concern's now (a recurrence may make it serious, never less).
    """

    event_type = "ConcernRecurred"
    source_service = "risk"

    concern_id: str
    category: str
    severity: Severity
    source: str
    summary: str
    evidence: list[str]
    new_evidence: list[str]
    safety_at_risk: bool
    occurrences: int
    rule: str | None = None


@contract
class RiskLevelAssessed(IntegrationEvent):
    """A provider's assessed risk level changed; intake recomputes its contracts' levels."""

    event_type = "RiskLevelAssessed"
    source_service = "risk"

    previous_level: RiskLevel | None
    level: RiskLevel
    reason: str
    likelihood: int | None = None
    impact: int | None = None


@contract
class ConcernResolved(IntegrationEvent):
    """An officer closed a concern in the issues and risk log, giving the reason."""

    event_type = "ConcernResolved"
    source_service = "risk"

    concern_id: str
    reason: str
    resolved_by: str


@contract
class ReturnAnalysisHeld(IntegrationEvent):
    """An officer held a return's analysis: its score is left out until the council has done it."""

    event_type = "ReturnAnalysisHeld"
    source_service = "risk"

    return_id: str
    reason: str
    held_by: str


@contract
class ReturnAnalysisReleased(IntegrationEvent):
    """A held analysis was released: the return's score counts again."""

    event_type = "ReturnAnalysisReleased"
    source_service = "risk"

    return_id: str
    released_by: str
