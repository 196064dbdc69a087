"""What people may need to hear about: an integration event, or something notify derives from one.

Routing rules and templates read facts, not contracts, so a rule can name an event type that
notify derives itself (a reminder before a due date, a request for intelligence before a
monitoring round) exactly as it names one another service publishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

RETURN_DUE_SOON = "ReturnDueSoon"
INTELLIGENCE_REQUESTED = "IntelligenceRequested"
NOTIFICATION_FAILED = "NotificationFailed"


class IntegrationEvent(Protocol):
    """An integration event (shared/contracts/envelope.py) as notify reads it: its type, the
    provider it is about and its named fields. Described here, not imported, so the domain needs
    no pydantic (issue 17)."""

    event_type: ClassVar[str]
    model_fields: ClassVar[Mapping[str, Any]]
    provider_id: str


@dataclass(frozen=True)
class Fact:
    """One thing that happened, by type, with its own id and the provider it is about."""

    type: str
    id: str
    provider_id: str
    fields: Mapping[str, Any]


def fact_of(event: IntegrationEvent | Fact, event_id: str = "") -> Fact:
    """The fact an integration event states (a fact is returned as it is)."""
    if isinstance(event, Fact):
        return event
    fields = {name: getattr(event, name) for name in type(event).model_fields}
    return Fact(event.event_type, event_id or f"{event.event_type}:{id(event)}",
                event.provider_id, fields)


def intelligence_requested(requested: Fact) -> Fact:
    """Before a monitoring round, locality managers are asked for intelligence (§9)."""
    return Fact(INTELLIGENCE_REQUESTED, f"{requested.id}:intelligence", requested.provider_id,
                requested.fields)


def return_due_soon(
    provider_id: str, request_id: str, days: int, fields: Mapping[str, Any]
) -> Fact:
    """A reminder that a return is due in `days` days (§4)."""
    return Fact(RETURN_DUE_SOON, f"{request_id}:due-in-{days}", provider_id,
                {**fields, "request_id": request_id, "days": days})
