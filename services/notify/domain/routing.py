"""Who must hear about what: the routes of one event under the rules (rules.py).

The defaults restate domain-rules.md §1, §4, §8 and §9 (see `defaults.py`); a council adds or
replaces rules in its notify configuration file. Every rule that matches adds its recipients; a
recipient named by several rules is told once, urgently if any of them says so. The names of
rules.py are re-exported here, where readers of the routing look for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.notify.domain.defaults import DEFAULT_ALIASES, DEFAULT_RULES
from services.notify.domain.facts import Fact, IntegrationEvent, fact_of
from services.notify.domain.rules import (
    ASP_TEAM,
    COMMISSIONING_MANAGER,
    CONTRACT_MANAGER,
    CSWO,
    FROM_FIELD,
    GENERAL_MANAGER,
    HEAD_OF_STRATEGIC_PLANNING,
    LOCALITY_MANAGER,
    MARKET_MANAGER,
    OPERATIONS,
    PROVIDER,
    SENIOR_OPERATIONAL_MANAGERS,
    SYSTEM_OPERATORS,
    Route,
    Rule,
    is_provider,
    provider_recipient,
    recipient_key,
    recipient_keys,
)

__all__ = [
    "ASP_TEAM",
    "COMMISSIONING_MANAGER",
    "CONTRACT_MANAGER",
    "CSWO",
    "FROM_FIELD",
    "GENERAL_MANAGER",
    "HEAD_OF_STRATEGIC_PLANNING",
    "LOCALITY_MANAGER",
    "MARKET_MANAGER",
    "OPERATIONS",
    "PROVIDER",
    "Route",
    "Rule",
    "SENIOR_OPERATIONAL_MANAGERS",
    "SYSTEM_OPERATORS",
    "is_provider",
    "provider_recipient",
    "recipient_key",
    "recipient_keys",
    "routes_for",
]


def routes_for(
    event: IntegrationEvent | Fact,
    rules: Sequence[Rule] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> list[Route]:
    """The recipients of one event under the rules; empty when nobody needs telling."""
    fact = fact_of(event)
    aliases = DEFAULT_ALIASES if aliases is None else aliases
    merged: dict[str, Route] = {}
    for rule in DEFAULT_RULES if rules is None else rules:
        if rule.matches(fact):
            for route in rule.routes(fact, aliases):
                merged[route.recipient] = _merge(merged.get(route.recipient), route)
    return list(merged.values())


def _merge(earlier: Route | None, route: Route) -> Route:
    if earlier is None:
        return route
    return Route(earlier.recipient, earlier.urgent or route.urgent,
                 earlier.may_wait and route.may_wait)
