"""SMART actions of an improvement plan: specific, measurable, owned and timebound (003 row 14)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.domain import InvalidInput
from shared.uk import long_date

_TEXT_FIELDS = ("action", "owner", "measure")


@dataclass(frozen=True)
class Action:
    """One thing the provider will do: what, who, how it is measured, and by when."""

    action: str
    owner: str
    measure: str
    due: date

    def as_record(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "owner": self.owner,
            "measure": self.measure,
            "due": self.due,
        }

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Action:
        return cls(record["action"], record["owner"], record["measure"], record["due"])


def smart_actions(
    actions: Sequence[Mapping[str, Any]], start: date, targets_due: date
) -> list[Action]:
    """The plan's actions, each refused unless it is SMART and due within the plan's 60 days."""
    if not actions:
        raise InvalidInput("an improvement plan needs at least one action", field="actions")
    problems: list[tuple[str, str]] = []
    for number, action in enumerate(actions):
        problems += _problems_of(action, f"actions.{number}", start, targets_due)
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    return [Action(*(str(a[key]).strip() for key in _TEXT_FIELDS), due=a["due"]) for a in actions]


def _problems_of(
    action: Mapping[str, Any], at: str, start: date, targets_due: date
) -> list[tuple[str, str]]:
    problems = [
        (f"{at}.{key}", f"every action needs its {key}")
        for key in _TEXT_FIELDS
        if not str(action.get(key) or "").strip()
    ]
    due = action.get("due")
    if not isinstance(due, date):
        problems.append((f"{at}.due", "every action needs a due date"))
    elif not start <= due <= targets_due:
        problems.append(
            (
                f"{at}.due",
                f"an action is due between {long_date(start)} and {long_date(targets_due)}, "
                f"when the plan's targets must be met, not on {long_date(due)}",
            )
        )
    return problems
