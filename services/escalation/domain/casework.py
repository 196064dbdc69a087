"""An intervention's casework as a whole: the rules that span it, its plans and its notices.

One improvement plan runs at a time; one breach notice is outstanding at a time; suspension
follows a failed notice; an intervention closes once nothing is outstanding (003, 004 §8-15).
Each rule is a check that refuses in plain words, and `actions_now` names the commands every
check lets through today, so the console offers only what the same rules would accept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.escalation.domain.breach_notice import BreachNotice, NoticeStatus
from services.escalation.domain.improvement_plan import Plan
from services.escalation.domain.intervention import Intervention
from services.escalation.domain.ladder import Step
from shared.domain import DomainError, Refused
from shared.uk import long_date


@dataclass(frozen=True)
class Casework:
    """An intervention with its improvement plans and breach notices, oldest first."""

    intervention: Intervention
    plans: Sequence[Plan]
    notices: Sequence[BreachNotice]

    def check_no_plan_running(self) -> None:
        """One improvement plan at a time: a new one (asked for or directed) waits for the
        running one to be judged."""
        self.intervention.check_not_closed()
        for plan in self.plans:
            if plan.in_progress:
                raise Refused(
                    f"an improvement plan of {long_date(plan.requested_on)} is still running "
                    f"(targets due {long_date(plan.targets_due)}); judge it first",
                    field="plan",
                )

    def check_no_notice_outstanding(self) -> None:
        """One breach notice outstanding at a time."""
        self.intervention.check_not_closed()
        for earlier in self.notices:
            if earlier.outstanding:
                raise Refused(
                    f"the breach notice of {long_date(earlier.issued_on)} is outstanding until "
                    f"{long_date(earlier.comply_by)}",
                    field="notice",
                )

    def check_may_direct_a_plan(self) -> None:
        """A directed plan answers a breach notice still unmet, one plan at a time."""
        if not any(n.status is not NoticeStatus.MET for n in self.notices):
            raise Refused("a directed plan answers a breach notice still unmet; there is none",
                          field="breach_notice_id")
        self.check_no_plan_running()

    @property
    def failed_notices(self) -> int:
        return sum(n.status is NoticeStatus.FAILED for n in self.notices)

    def check_may_propose_suspension(self) -> None:
        self.intervention.check_may_propose_suspension(self.failed_notices)

    def open_work(self) -> list[str]:
        """Plans and notices still running, which keep an intervention open, in plain words."""
        work = [f"an improvement plan of {long_date(plan.requested_on)} in progress"
                for plan in self.plans if plan.in_progress]
        work += [f"a breach notice of {long_date(notice.issued_on)} outstanding"
                 for notice in self.notices if notice.status is NoticeStatus.ISSUED]
        return work

    def check_may_close(self) -> None:
        self.intervention.check_may_close(self.open_work())

    def actions_now(self) -> tuple[str, ...]:
        """The casework commands the rules accept today, by the names the API's routes use.

        Commands on one plan or notice (received, reviewed, met, ...) and those that need the
        provider's wider record (decommission) are not judged here."""
        checks: dict[str, Callable[[], None]] = {
            "improvement-plan": self.check_no_plan_running,
            "breach-notice": self.check_no_notice_outstanding,
            "directed-plan": self.check_may_direct_a_plan,
            "suspension": self.check_may_propose_suspension,
            "chief-officer": lambda: self.intervention.check_may_propose(
                Step.TELL_THE_CHIEF_OFFICER),
            "close": self.check_may_close,
        }
        return tuple(name for name, check in checks.items() if _accepted(check))


def _accepted(check: Callable[[], None]) -> bool:
    try:
        check()
    except DomainError:
        return False
    return True
