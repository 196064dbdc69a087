"""Events published by risk: judgements on returns and the concerns they raise."""

from decimal import Decimal
from enum import StrEnum

from shared.contracts.envelope import IntegrationEvent, contract
from shared.contracts.intake import Rating

STREAM = "RISK"
SUBJECTS = "evt.risk.>"
RISK_SCORED = "evt.risk.*.*.RiskScored"
CONCERN_RAISED = "evt.risk.*.*.ConcernRaised"
RISK_LEVEL_ASSESSED = "evt.risk.*.*.RiskLevelAssessed"
CONCERN_RESOLVED = "evt.risk.*.*.ConcernResolved"


class Band(StrEnum):
    """Governance-report bands of the risk score; higher scores mean lower risk (002)."""

    FULL = "100%"
    NO_SIGNIFICANT_RISK = "75-99%"
    MODERATE_RISK = "50-74%"
    SIGNIFICANT_RISK = "below 50%"


class Severity(StrEnum):
    MODERATE = "moderate"
    SERIOUS = "serious"


@contract
class RiskScored(IntegrationEvent):
    """A return was risk-scored: a percentage where higher means lower risk, and its band."""

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


class RiskLevel(StrEnum):
    """Low / medium / high on the council's likelihood x impact matrix (004 §8-9)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@contract
class RiskLevelAssessed(IntegrationEvent):
    """A provider's assessed risk level changed; intake recomputes its contracts' levels."""

    event_type = "RiskLevelAssessed"
    source_service = "risk"

    previous_level: RiskLevel | None
    level: RiskLevel
    reason: str


@contract
class ConcernResolved(IntegrationEvent):
    """An officer closed a concern in the issues and risk log, giving the reason."""

    event_type = "ConcernResolved"
    source_service = "risk"

    concern_id: str
    reason: str
    resolved_by: str
