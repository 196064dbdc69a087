"""Routing rules and the recipients they name: roles' inbox names, a provider's own inbox, and
a rule mapping an event's type and fields to recipients by role.

A rule names an event type, optional conditions on the event's fields (severity, category,
safety_at_risk, form, ...), the roles to tell, and whether they are told at once. Plain
dataclasses the council's configuration (config.py) and the defaults (defaults.py) are written
with; routing.py applies them to an event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from services.notify.domain.facts import Fact

OPERATIONS = "operations"
ASP_TEAM = "asp-team"
CONTRACT_MANAGER = "contract-manager"
COMMISSIONING_MANAGER = "commissioning-manager"
HEAD_OF_STRATEGIC_PLANNING = "head-of-strategic-planning"
GENERAL_MANAGER = "general-manager"
SENIOR_OPERATIONAL_MANAGERS = "senior-operational-managers"
CSWO = "cswo"
LOCALITY_MANAGER = "locality-manager"
MARKET_MANAGER = "market-manager"
SYSTEM_OPERATORS = "system-operators"
PROVIDER = "provider"  # in a rule: the provider the event is about
FROM_FIELD = "@"  # in a rule: "@recipients" names the event field that lists recipients


def provider_recipient(provider_id: str) -> str:
    """The inbox of a provider's own users."""
    return f"provider-{provider_id}"


def is_provider(recipient: str) -> bool:
    return recipient.startswith(f"{PROVIDER}-")


@dataclass(frozen=True)
class Route:
    """One recipient of one event; `may_wait` false means never held for a digest."""

    recipient: str
    urgent: bool
    may_wait: bool = True


@dataclass(frozen=True)
class Rule:
    """Tell `to` about events of type `event` whose fields match `when`."""

    __pydantic_config__ = {"extra": "forbid"}

    event: str
    to: tuple[str, ...]
    when: Mapping[str, Any] = field(default_factory=dict)
    urgent: bool = False
    urgent_for: str | None = None  # a field listing those to tell at once, e.g. "immediately"
    may_wait: bool = True
    why: str = ""

    def matches(self, fact: Fact) -> bool:
        if fact.type != self.event:
            return False
        return all(_same(fact.fields.get(name), wanted) for name, wanted in self.when.items())

    def routes(self, fact: Fact, aliases: Mapping[str, str]) -> list[Route]:
        at_once = set(recipient_keys(fact.fields.get(self.urgent_for or "", ()), aliases))
        routes = []
        for recipient in self._recipients(fact, aliases):
            routes.append(Route(recipient, self.urgent or recipient in at_once, self.may_wait))
        return routes

    def _recipients(self, fact: Fact, aliases: Mapping[str, str]) -> Iterable[str]:
        for name in self.to:
            if name == PROVIDER:
                yield provider_recipient(fact.provider_id)
            elif name.startswith(FROM_FIELD):
                yield from recipient_keys(fact.fields.get(name[1:], ()), aliases)
            else:
                yield recipient_key(name, aliases)


def recipient_key(name: str, aliases: Mapping[str, str]) -> str:
    """A role as an inbox name: "Head of Strategic Planning" -> head-of-strategic-planning."""
    key = "-".join(str(name).strip().lower().replace("_", " ").split())
    return aliases.get(key, key)


def recipient_keys(value: Any, aliases: Mapping[str, str]) -> list[str]:
    names = [value] if isinstance(value, str) else list(value or ())
    return [recipient_key(name, aliases) for name in names]


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, list | tuple):
        return any(_same(actual, one) for one in wanted)
    if isinstance(actual, Enum):
        actual = actual.value
    if isinstance(actual, str) and isinstance(wanted, str):
        return actual.casefold() == wanted.casefold()
    return bool(actual == wanted)
