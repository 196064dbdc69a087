"""Who must hear about what (domain-rules.md §8: safety concerns go to operations at once)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts import escalation, intake, risk
from shared.contracts.envelope import IntegrationEvent

OPERATIONS = "operations"
CONTRACT_MANAGER = "contract-manager"
COMMISSIONING_MANAGER = "commissioning-manager"
HEAD_OF_STRATEGIC_PLANNING = "head-of-strategic-planning"
GENERAL_MANAGER = "general-manager"


def provider_recipient(provider_id: str) -> str:
    """The inbox of a provider's own users."""
    return f"provider-{provider_id}"


@dataclass(frozen=True)
class Route:
    recipient: str
    urgent: bool


def routes_for(event: IntegrationEvent) -> list[Route]:
    """The recipients (by role) of one event; empty when nobody needs telling."""
    if isinstance(event, risk.ConcernRaised):
        return _concern_routes(event)
    if isinstance(event, intake.ReturnRequested):
        return [Route(provider_recipient(event.provider_id), urgent=False)]
    if isinstance(event, intake.ReturnOverdue):
        # The reminder goes to the provider from the team's shared mailbox (004 App. 4 §9).
        return [Route(provider_recipient(event.provider_id), urgent=False),
                Route(CONTRACT_MANAGER, urgent=False)]
    if isinstance(event, escalation.EscalationProposed):
        return [Route(HEAD_OF_STRATEGIC_PLANNING, urgent=False)]
    if isinstance(event, escalation.EscalationApproved):
        return [
            Route(HEAD_OF_STRATEGIC_PLANNING, urgent=False),
            Route(GENERAL_MANAGER, urgent=False),
            Route(CONTRACT_MANAGER, urgent=False),
        ]
    return []


def _concern_routes(event: risk.ConcernRaised) -> list[Route]:
    routes = [Route(CONTRACT_MANAGER, urgent=event.safety_at_risk)]
    if event.safety_at_risk:
        routes.append(Route(OPERATIONS, urgent=True))
    if event.severity == risk.Severity.SERIOUS:
        routes.append(Route(COMMISSIONING_MANAGER, urgent=event.safety_at_risk))
    return routes
