"""Who an issue goes to (domain-rules.md §8, 004 §15)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from shared.domain import InvalidInput


class Recipient(StrEnum):
    LINE_MANAGER = "line manager"
    HEAD_OF_STRATEGIC_PLANNING = "head of strategic planning"
    GENERAL_MANAGER = "general manager"
    SENIOR_OPERATIONAL_MANAGERS = "senior operational managers"
    CSWO = "chief social work officer"
    OPERATIONAL_STAFF = "operational staff"


class Category(StrEnum):
    """The kinds of issue that always go to the Head of Strategic Planning and General Manager."""

    MEDIA = "media interest"
    POLITICAL = "political interest"
    LEGAL = "legal issues"
    CRIMINAL = "criminal activity"
    SERIOUS_ADVERSE_INCIDENT = "serious adverse incident"
    SERIOUS_FAILURE = "serious failure"
    BUSINESS_CONTINUITY = "business continuity risk"
    FINANCIAL = "financial risk"


@dataclass(frozen=True)
class Issue:
    """What the officer knows about an issue that decides where it goes."""

    significant: bool = False
    recurring: bool = False
    persistent: bool = False
    safety: bool = False
    serious_practice: bool = False
    categories: frozenset[Category] = field(default_factory=frozenset)
    cswo_appropriate: bool = False


@dataclass(frozen=True)
class Route:
    """Everyone to tell, those to tell at once, and the rule behind each."""

    recipients: tuple[Recipient, ...]
    immediately: tuple[Recipient, ...]
    reasons: tuple[str, ...]


class _Routing:
    """Collects recipients in the order the rules name them, each once."""

    def __init__(self) -> None:
        self.recipients: list[Recipient] = []
        self.immediately: list[Recipient] = []
        self.reasons: list[str] = []

    def tell(self, reason: str, *who: Recipient, at_once: bool = False) -> None:
        self.reasons.append(reason)
        for person in who:
            if person not in self.recipients:
                self.recipients.append(person)
            if at_once and person not in self.immediately:
                self.immediately.append(person)

    def route(self) -> Route:
        return Route(tuple(self.recipients), tuple(self.immediately), tuple(self.reasons))


def route_for(issue: Issue) -> Route:
    """Applies each escalation rule of §8 in turn."""
    routing = _Routing()
    routing.tell(
        "issues and risks are shared with the officer's line manager", Recipient.LINE_MANAGER
    )
    if issue.safety:
        routing.tell(
            "concerns about people's safety go to operational staff immediately",
            Recipient.OPERATIONAL_STAFF,
            at_once=True,
        )
    if issue.serious_practice or Category.CRIMINAL in issue.categories:
        routing.tell(
            "serious or criminal practice concerns go first to the General Manager and senior "
            "operational managers; the Head of Strategic Planning is informed",
            Recipient.GENERAL_MANAGER,
            Recipient.SENIOR_OPERATIONAL_MANAGERS,
            Recipient.HEAD_OF_STRATEGIC_PLANNING,
        )
    if issue.significant or issue.recurring or issue.persistent:
        routing.tell(
            "significant, recurring or persistent issues go to the Head of Strategic "
            "Planning and the General Manager",
            Recipient.HEAD_OF_STRATEGIC_PLANNING,
            Recipient.GENERAL_MANAGER,
        )
    if issue.categories:
        who = [Recipient.HEAD_OF_STRATEGIC_PLANNING, Recipient.GENERAL_MANAGER]
        if issue.cswo_appropriate:
            who.append(Recipient.CSWO)
        named = ", ".join(sorted(c.value for c in issue.categories))
        routing.tell(
            f"{named}: always to the Head of Strategic Planning and the General "
            "Manager" + (", and to the CSWO" if issue.cswo_appropriate else ""),
            *who,
        )
    return routing.route()


def parse_categories(values: Iterable[str]) -> frozenset[Category]:
    problems = [
        (
            f"categories.{n}",
            f"{v!r} is not a category of §8; it is one of " + ", ".join(c.value for c in Category),
        )
        for n, v in enumerate(values)
        if v not in set(Category)
    ]
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    return frozenset(Category(v) for v in values)
