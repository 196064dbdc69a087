"""What every poor-performance rule gives back: a `Trigger`, and the few helpers they share.

A trigger is the rule's finding, not yet a concern: the application raises `ConcernRaised` from
it, using `dedup_key` as the concern's id so the same evidence never raises the same concern twice
(issue 4; domain-rules.md §6).
"""

from __future__ import annotations

import json
from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from shared.vocabulary import Severity

_NAMESPACE: UUID = uuid5(NAMESPACE_URL, "https://assure.example/risk/triggers")
_CENT = Decimal("0.01")
T = TypeVar("T")
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def dedup_key_for(rule: str, evidence: tuple[str, ...]) -> str:
    """A UUID from the rule and the set of its evidence: order and repeats do not change it."""
    # JSON keeps ids apart however they are spelled ("a:b" + "c" never equals "a" + "b:c").
    return str(uuid5(_NAMESPACE, json.dumps([rule, sorted(set(evidence))])))


@dataclass(frozen=True)
class Trigger:
    """A poor-performance trigger that fired, with the ids of the evidence it rests on."""

    rule: str
    category: str
    severity: Severity
    summary: str
    safety_at_risk: bool
    evidence: tuple[str, ...]
    dedup_key: str = field(init=False)

    def __post_init__(self) -> None:
        evidence = tuple(dict.fromkeys(str(item) for item in self.evidence))
        if not evidence or not all(item.strip() for item in evidence):
            raise ValueError(f"a trigger of {self.rule} must rest on event or return ids")
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "evidence", evidence)
        object.__setattr__(self, "dedup_key", dedup_key_for(self.rule, evidence))


class Rule(Protocol):
    """A named poor-performance rule: reads one kind of plain value, may return a trigger."""

    name: ClassVar[str]
    reads: ClassVar[type]

    def check(self, reading: Any) -> Trigger | None: ...


# Shared helpers for thresholds, windows and plain-English summaries -------------------------


def as_decimal(value: Decimal | int | str, what: str, *, at_most: int | None = None) -> Decimal:
    """A threshold as a Decimal, refusing floats' rounding, negatives and (for %) over 100."""
    if isinstance(value, float | bool):
        raise ValueError(f"{what} must be a Decimal, an int or a string, not {value!r}")
    number = Decimal(value)
    if number < 0 or (at_most is not None and number > at_most):
        limit = f" and at most {at_most}" if at_most is not None else ""
        raise ValueError(f"{what} must be at least 0{limit}, not {value}")
    return number


def whole(value: int, what: str, *, at_least: int = 0) -> int:
    """A whole-number threshold, refusing anything below `at_least`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < at_least:
        raise ValueError(f"{what} must be a whole number of at least {at_least}, not {value!r}")
    return value


def share(part: int | Fraction, whole_: int | Fraction) -> Fraction:
    """`part` as an exact percentage of `whole_`, so boundaries are compared exactly."""
    return Fraction(part) * 100 / Fraction(whole_)


def percent_text(value: Decimal | Fraction) -> str:
    """A percentage as an officer writes it: 1.5%, 30%, 33.33%."""
    number = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(
        value, Fraction) else value
    rounded = number.quantize(_CENT, rounding=ROUND_HALF_UP).normalize()
    return f"{rounded:f}%"


def in_words(count: int) -> str:
    """Small counts in words (three returns), larger ones in figures (12 returns)."""
    return _WORDS[count] if 0 <= count < len(_WORDS) else str(count)


def plural(count: int, singular: str, plural_: str | None = None) -> str:
    """'1 complaint', '3 complaints'."""
    return f"{count} {singular if count == 1 else plural_ or singular + 's'}"


def label(identifier: str) -> str:
    """A machine name (support_wellbeing, operational-staff) as words (support wellbeing)."""
    return " ".join(identifier.replace("_", " ").replace("-", " ").split())


def normalised(category: str | None) -> str:
    """An officer's category compared as words, whatever its case, hyphens or underscores."""
    return label(category or "").lower()


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or that month's last day when it has no such day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def within_months(day: date, end: date, months: int) -> bool:
    """Whether `day` falls in the `months` months ending on `end` (e.g. 16 April 2025 to 15 April
    2026 for twelve months to 15 April 2026)."""
    return months_before(end, months) < day <= end


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def in_order(
    items: Iterable[T], id_of: Callable[[T], str], day_of: Callable[[T], date]
) -> tuple[T, ...]:
    """Oldest first, each id once (a redelivered item replaces its earlier copy)."""
    return tuple(sorted({id_of(item): item for item in items}.values(), key=day_of))
