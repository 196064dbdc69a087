"""The documented evidence a decommission needs before it may even be proposed (§7, 004 §15).

Termination needs an audit trail of meetings where the issues were raised and an improvement
plan that was not achieved; and decommissioning comes only when a suspension has not fixed the
issues (003 row 18). The product refuses to record a termination without them, saying what is
missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.domain import Refused
from shared.uk import long_date

NO_MEETING = "a contract management or contract review meeting at which the issues were raised"
NO_FAILED_PLAN = "an improvement plan that was not achieved"
NO_SUSPENSION = "a suspension (approved) that has not fixed the issues"


@dataclass(frozen=True)
class ProviderRecord:
    """What the provider's history holds that bears on a decommission."""

    meetings_raising_issues: tuple[date, ...] = ()
    plans_not_achieved: tuple[date, ...] = ()
    suspended_on: date | None = None

    def described(self) -> list[str]:
        found = [
            f"meeting raising the issues on {long_date(d)}" for d in self.meetings_raising_issues
        ]
        found += [
            f"improvement plan not achieved ({long_date(d)})" for d in self.plans_not_achieved
        ]
        if self.suspended_on:
            found.append(f"suspended on {long_date(self.suspended_on)}")
        return found


class DecommissionEvidenceMissing(Refused):
    """The provider's history lacks the documented evidence a decommission needs."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "decommission refused: the provider's history does not yet hold the documented "
            "evidence the council's procedure requires (004 §15). Missing: "
            + "; ".join(missing),
            field="evidence",
        )
        self.missing = missing


class DecommissionNeedsDocumentedEvidence:
    """Meetings that raised the issues, an unachieved plan, and a suspension that did not work."""

    def __init__(self, record: ProviderRecord) -> None:
        self.record = record

    def missing(self) -> list[str]:
        checks = (
            (NO_MEETING, bool(self.record.meetings_raising_issues)),
            (NO_FAILED_PLAN, bool(self.record.plans_not_achieved)),
            (NO_SUSPENSION, self.record.suspended_on is not None),
        )
        return [what for what, present in checks if not present]

    def is_broken(self) -> bool:
        return bool(self.missing())

    def check(self) -> None:
        if missing := self.missing():
            raise DecommissionEvidenceMissing(missing)
