"""The proportionality policy: which rung and first step fit a concern (001, 003).

Action must be proportionate to the risk to people, the seriousness, whether the contract was
breached, and how the provider engages and responds (domain-rules.md §7, last point). An
officer may choose otherwise, recording why (Intervention.override_policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.escalation.domain.ladder import Step
from shared.domain import InvalidInput
from shared.vocabulary import Level, Severity

BREACH_OF_CONTRACT = "breach of contract"  # the category risk gives an alleged breach


class Engagement(StrEnum):
    """How the provider engages with the council and responds to what it asks."""

    ENGAGING = "engaging"
    NOT_RESPONDING = "engaging but not responding"
    NOT_ENGAGING = "not engaging"


@dataclass(frozen=True)
class Proportionate:
    """The level and first step that fit a concern, and why."""

    level: Level
    step: str
    reason: str


def proportionate_response(
    severity: str | None,
    safety_at_risk: bool,
    *,
    breach: bool = False,
    engagement: str | None = None,
    persistent: bool = False,
) -> Proportionate:
    """Serious, unsafe or breaching concerns are enforced against; moderate ones enabled."""
    if severity is None:
        return Proportionate(Level.ENCOURAGE, Step.FEEDBACK, "no concern: monitor and encourage")
    if severity not in set(Severity):
        raise InvalidInput(f"severity is moderate or serious, not {severity!r}", field="severity")
    if severity == Severity.SERIOUS or safety_at_risk:
        return Proportionate(
            Level.ENFORCE,
            Step.BREACH_NOTICE,
            "serious concern" + (" with people's safety at risk" if safety_at_risk else ""),
        )
    known = parse_engagement(engagement) if engagement else Engagement.ENGAGING
    return _moderate(breach, known, persistent)


def _moderate(breach: bool, engagement: Engagement, persistent: bool) -> Proportionate:
    kind = "recurring moderate concern" if persistent else "moderate concern"
    if breach:
        return Proportionate(
            Level.ENFORCE, Step.BREACH_NOTICE, f"{kind}: alleged breach of contract"
        )
    if engagement is Engagement.NOT_ENGAGING:
        return Proportionate(
            Level.ENFORCE, Step.BREACH_NOTICE, f"{kind}: the provider is not engaging"
        )
    if engagement is Engagement.NOT_RESPONDING:
        # 003 row 11: a provider not putting agreed measures in place comes to a review meeting.
        return Proportionate(
            Level.ENABLE, Step.CONTRACT_REVIEW_MEETING, f"{kind}: the provider is not responding"
        )
    return Proportionate(Level.ENABLE, Step.IMPROVEMENT_PLAN, kind)


def parse_engagement(value: str) -> Engagement:
    try:
        return Engagement(value)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a kind of engagement; it is one of "
            + ", ".join(e.value for e in Engagement),
            field="engagement",
        ) from None
