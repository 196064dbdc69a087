"""Improvement plans, requested or directed, with their SMART actions and deadlines (003 14-15)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.escalation.domain.deadlines import Calendar, Deadline, Missed, plan_deadlines
from services.escalation.domain.smart import Action, smart_actions
from shared.domain import InvalidInput, Refused, stable_id
from shared.uk import long_date


class PlanStatus(StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not achieved"


IN_PROGRESS = frozenset({PlanStatus.REQUESTED, PlanStatus.RECEIVED})


class PlanConcluded(Refused):
    """The plan was already judged achieved or not achieved."""


class PlanNotReceived(Refused):
    """The step needs the provider's plan, which has not arrived."""


class Plan(Aggregate):
    """What requested and directed improvement plans share: actions, review, targets, a visit."""

    directed = False

    @staticmethod
    def create_id(intervention_id: str, number: int) -> UUID:
        return stable_id("improvement-plan", intervention_id, str(number))

    def _start(
        self,
        provider_id: str,
        intervention_id: str,
        start: date,
        review_due: date,
        targets_due: date,
        visit_due: date,
    ) -> None:
        self.provider_id = provider_id
        self.intervention_id = intervention_id
        self.requested_on = start
        self.review_due = review_due
        self.targets_due = targets_due
        self.visit_due = visit_due
        self.plan_due: date | None = None
        self.status = PlanStatus.REQUESTED
        self.received_on: date | None = None
        self.reviewed_on: date | None = None
        self.concluded_on: date | None = None
        self.actions: list[Action] = []

    # Commands ---------------------------------------------------------------------------------

    def receive(
        self,
        received_on: date,
        actions: Sequence[Mapping[str, Any]],
        received_by: str,
        correlation_id: str,
    ) -> None:
        self._check_in_progress()
        if self.status is PlanStatus.RECEIVED:
            raise Refused(
                f"the plan was already received on {long_date(self._received())}", field="plan"
            )
        _check_not_before(received_on, self.requested_on, "received_on", "requested")
        checked = smart_actions(actions, received_on, self.targets_due)
        self._received_plan(
            **self._facts(),
            received_on=received_on,
            received_by=received_by,
            actions=[a.as_record() for a in checked],
            correlation_id=correlation_id,
        )

    def review(
        self, reviewed_on: date, on_track: bool, notes: str, reviewed_by: str, correlation_id: str
    ) -> None:
        self._check_in_progress()
        if self.status is not PlanStatus.RECEIVED:
            raise PlanNotReceived(
                "a review needs the provider's plan, which has not arrived", field="plan"
            )
        if self.reviewed_on is not None:
            raise Refused(
                f"the plan was already reviewed on {long_date(self.reviewed_on)}", field="plan"
            )
        _check_not_before(reviewed_on, self._received(), "reviewed_on", "received")
        self._reviewed(
            **self._facts(),
            reviewed_on=reviewed_on,
            on_track=on_track,
            notes=notes,
            reviewed_by=reviewed_by,
            correlation_id=correlation_id,
        )

    def conclude(self, achieved: bool, on: date, by: str, notes: str, correlation_id: str) -> None:
        """Records whether the targets were met; achieved needs the plan, in time."""
        self._check_in_progress()
        _check_not_before(on, self.requested_on, "on", "requested")
        if achieved and self.status is not PlanStatus.RECEIVED:
            raise PlanNotReceived("a plan that never arrived cannot be achieved", field="achieved")
        if achieved and on > self.targets_due:
            raise Refused(
                f"the targets were due by {long_date(self.targets_due)}; met on {long_date(on)} "
                "they were not met in time",
                field="on",
            )
        if achieved:
            self._achieved(
                **self._facts(), on=on, by=by, notes=notes, correlation_id=correlation_id
            )
        else:
            self._not_achieved(
                **self._facts(), on=on, by=by, notes=notes, correlation_id=correlation_id
            )

    # Queries ----------------------------------------------------------------------------------

    def _facts(self) -> dict[str, str]:
        # Each event names the provider and intervention, so it reads on its own in a history.
        return {"provider_id": self.provider_id, "intervention_id": self.intervention_id}

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    def missed(self, today: date, visits: Iterable[date]) -> list[Missed]:
        """Deadlines passed unmet by today; a concluded plan has none left."""
        if not self.in_progress:
            return []
        visited = any(self.requested_on <= day <= self.visit_due for day in visits)
        checks = [
            (Deadline.PLAN_RECEIVED, self.plan_due, _met(self.received_on, self.plan_due)),
            (Deadline.REVIEW, self.review_due, _met(self.reviewed_on, self.review_due)),
            (Deadline.VISIT, self.visit_due, visited),
            (Deadline.TARGETS_MET, self.targets_due, False),
        ]
        return [
            Missed(deadline, due, str(self.id))
            for deadline, due, met in checks
            if due is not None and today > due and not met
        ]

    def _check_in_progress(self) -> None:
        if not self.in_progress:
            assert self.concluded_on is not None
            raise PlanConcluded(
                f"the plan was judged {self.status.value} on {long_date(self.concluded_on)}",
                field="plan",
            )

    def _received(self) -> date:
        assert self.received_on is not None
        return self.received_on

    # Events -----------------------------------------------------------------------------------

    @event("Received")
    def _received_plan(
        self,
        provider_id: str,
        intervention_id: str,
        received_on: date,
        received_by: str,
        actions: list[dict[str, Any]],
        correlation_id: str,
    ) -> None:
        self.status = PlanStatus.RECEIVED
        self.received_on = received_on
        self.actions = [Action.of(a) for a in actions]

    @event("Reviewed")
    def _reviewed(
        self,
        provider_id: str,
        intervention_id: str,
        reviewed_on: date,
        on_track: bool,
        notes: str,
        reviewed_by: str,
        correlation_id: str,
    ) -> None:
        self.reviewed_on = reviewed_on

    @event("Achieved")
    def _achieved(
        self,
        provider_id: str,
        intervention_id: str,
        on: date,
        by: str,
        notes: str,
        correlation_id: str,
    ) -> None:
        self.status = PlanStatus.ACHIEVED
        self.concluded_on = on

    @event("NotAchieved")
    def _not_achieved(
        self,
        provider_id: str,
        intervention_id: str,
        on: date,
        by: str,
        notes: str,
        correlation_id: str,
    ) -> None:
        self.status = PlanStatus.NOT_ACHIEVED
        self.concluded_on = on


class ImprovementPlan(Plan):
    """A plan the provider owes the council, due within 10 working days of the request."""

    @event("Requested")
    def __init__(
        self,
        provider_id: str,
        intervention_id: str,
        number: int,
        requested_on: date,
        requested_by: str,
        plan_due: date,
        review_due: date,
        targets_due: date,
        visit_due: date,
        correlation_id: str,
    ) -> None:
        self._start(provider_id, intervention_id, requested_on, review_due, targets_due, visit_due)
        self.plan_due: date | None = plan_due


class DirectedImprovementPlan(Plan):
    """The council's own plan when earlier ones failed: linked to a breach notice, 60 more days."""

    directed = True

    @event("Directed")
    def __init__(
        self,
        provider_id: str,
        intervention_id: str,
        number: int,
        breach_notice_id: str,
        directed_on: date,
        directed_by: str,
        actions: list[dict[str, Any]],
        review_due: date,
        targets_due: date,
        visit_due: date,
        correlation_id: str,
    ) -> None:
        self._start(provider_id, intervention_id, directed_on, review_due, targets_due, visit_due)
        self.plan_due = None
        self.breach_notice_id = breach_notice_id
        # The council writes a directed plan itself, so it is in hand from the start.
        self.status = PlanStatus.RECEIVED
        self.received_on = directed_on
        self.actions = [Action.of(a) for a in actions]


def _met(done_on: date | None, due: date | None) -> bool:
    return done_on is not None and due is not None and done_on <= due


def _check_not_before(day: date, earliest: date, field: str, what: str) -> None:
    if day < earliest:
        raise InvalidInput(
            f"{long_date(day)} is before the plan was {what} ({long_date(earliest)})", field=field
        )


def request_plan(
    provider_id: str,
    intervention_id: str,
    number: int,
    requested_on: date,
    requested_by: str,
    calendar: Calendar,
    correlation_id: str,
) -> ImprovementPlan:
    """Asks the provider for a plan; its deadlines are counted on the council's calendar."""
    due = plan_deadlines(requested_on, calendar)
    assert due.plan_due is not None
    return ImprovementPlan(
        provider_id=provider_id,
        intervention_id=intervention_id,
        number=number,
        requested_on=requested_on,
        requested_by=requested_by,
        plan_due=due.plan_due,
        review_due=due.review_due,
        targets_due=due.targets_due,
        visit_due=due.visit_due,
        correlation_id=correlation_id,
    )


def direct_plan(
    provider_id: str,
    intervention_id: str,
    number: int,
    breach_notice_id: str,
    directed_on: date,
    directed_by: str,
    actions: Sequence[Mapping[str, Any]],
    calendar: Calendar,
    correlation_id: str,
) -> DirectedImprovementPlan:
    """Directs a plan of the council's own SMART actions for a further 60 days."""
    due = plan_deadlines(directed_on, calendar, plan_due=False)
    checked = smart_actions(actions, directed_on, due.targets_due)
    return DirectedImprovementPlan(
        provider_id=provider_id,
        intervention_id=intervention_id,
        number=number,
        breach_notice_id=breach_notice_id,
        directed_on=directed_on,
        directed_by=directed_by,
        actions=[a.as_record() for a in checked],
        review_due=due.review_due,
        targets_due=due.targets_due,
        visit_due=due.visit_due,
        correlation_id=correlation_id,
    )
