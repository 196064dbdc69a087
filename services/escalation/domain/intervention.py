"""An intervention on the Encourage / Enable / Enforce ladder, opened for a concern (003)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts.escalation import Level
from shared.contracts.risk import Severity
from shared.domain import stable_id


@dataclass(frozen=True)
class Proportionate:
    """The level and first step that fit a concern."""

    level: Level
    step: str
    reason: str


def proportionate_response(severity: str, safety_at_risk: bool) -> Proportionate:
    """Serious concerns are enforced against; moderate ones enabled (003, 001 proportionality)."""
    if severity == Severity.SERIOUS or safety_at_risk:
        return Proportionate(
            Level.ENFORCE,
            "breach notice",
            "serious concern" + (" with people's safety at risk" if safety_at_risk else ""),
        )
    return Proportionate(Level.ENABLE, "improvement plan", "moderate concern")


class Intervention(Aggregate):
    """The council's proportionate action on one concern."""

    @staticmethod
    def create_id(concern_id: str, **_: object) -> UUID:
        return stable_id("intervention", concern_id)

    @event("Opened")
    def __init__(
        self,
        provider_id: str,
        concern_id: str,
        level: str,
        step: str,
        reason: str,
        correlation_id: str,
        causation_id: str,
    ) -> None:
        self.provider_id = provider_id
        self.concern_id = concern_id
        self.level = level
        self.step = step
        self.reason = reason
