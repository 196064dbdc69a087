"""Time passing: deadlines that pass unmet become events and feed the ladder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.escalation.application.records import DEADLINE_WATCH, InterventionRecords
from services.escalation.domain.deadlines import Deadline, Missed
from services.escalation.domain.intervention import Intervention
from shared.uk import long_date


@dataclass(frozen=True)
class DeadlineCheck:
    today: date
    missed: int
    notices_failed: int


class DeadlineWatch(InterventionRecords):
    """Looks at every open intervention's deadlines on a given day (the scheduler, or a test)."""

    def check_deadlines(self, today: date, correlation_id: str) -> DeadlineCheck:
        """Records each deadline passed unmet by today, once; a rerun records nothing more."""
        missed = failed = 0
        for intervention in self.open_interventions():
            changed, count, notices = self._check(intervention, today, correlation_id)
            if changed:
                self.save(*changed)
            missed, failed = missed + count, failed + notices
        return DeadlineCheck(today, missed, failed)

    def _check(
        self, intervention: Intervention, today: date, correlation_id: str
    ) -> tuple[list[Any], int, int]:
        changed: list[Any] = []
        count = failed = 0
        for plan in self.plans_of(intervention):
            for missed in plan.missed(today, intervention.visits):
                if intervention.notice_missed_deadline(missed, today, correlation_id):
                    count += 1
                if missed.deadline is Deadline.TARGETS_MET:
                    plan.conclude(
                        False, today, DEADLINE_WATCH, _targets_missed(missed), correlation_id
                    )
                    changed.append(plan)
        for notice in self.notices_of(intervention):
            for missed in notice.missed(today):
                intervention.notice_missed_deadline(missed, today, correlation_id)
                notice.fail(today, correlation_id)
                changed.append(notice)
                count, failed = count + 1, failed + 1
        return ([intervention, *changed] if count else changed), count, failed


def _targets_missed(missed: Missed) -> str:
    return f"targets not met by {long_date(missed.due)}"
