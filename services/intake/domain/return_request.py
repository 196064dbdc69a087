"""A return the council has asked a provider for, with its due date and what became of it (§4)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import InvalidInput, Refused, stable_id
from shared.topics import renamed


class RequestStatus(StrEnum):
    REQUESTED = "requested"
    SUBMITTED = "submitted"
    LATE = "late"
    OVERDUE = "overdue"


class AllocatedToSomeoneElse(Refused):
    """Another coordinator is working this return (allocation prevents double working)."""


def check_due_on(due_on: date, today: date) -> None:
    """A return asked for outside the calendar cannot fall due before the day it is asked for."""
    if due_on < today:
        raise InvalidInput(
            f"the due date {due_on:%-d %B %Y} is before today ({today:%-d %B %Y}) on the "
            "council's calendar", field="due_on",
        )


class ReturnRequest(Aggregate):
    """One return owed for one contract, form and period; requested and overdue at most once."""

    @staticmethod
    def create_id(contract_reference: str, key: str, **_: object) -> UUID:
        return stable_id("return-request", contract_reference, key)

    @event("Requested")
    def __init__(
        self,
        provider_id: str,
        contract_reference: str,
        key: str,
        form: str,
        period_start: date,
        period_end: date,
        issue_on: date,
        due_on: date,
        kpis: list[str],
        correlation_id: str,
        by: str | None = None,
    ) -> None:
        # `by` names the officer who asked for a return outside the calendar; the calendar's
        # own requests (and those stored before it was added) have None.
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.key = key
        self.form = form
        self.period_start = period_start
        self.period_end = period_end
        self.issue_on = issue_on
        self.due_on = due_on
        self.kpis = list(kpis)
        self.requested_by = by
        self.submitted_return: str | None = None
        self.submitted_on: date | None = None
        self.overdue_since: date | None = None
        self.allocated_to: str | None = None
        self.reminders: list[date] = []

    @property
    def status(self) -> RequestStatus:
        if self.submitted_on is not None:
            return (
                RequestStatus.LATE if self.submitted_on > self.due_on else RequestStatus.SUBMITTED
            )
        return RequestStatus.OVERDUE if self.overdue_since else RequestStatus.REQUESTED

    def fulfil(self, return_id: str, submitted_on: date, correlation_id: str) -> None:
        """The first return submitted for the request fulfils it; corrections do not re-fulfil."""
        if self.submitted_return is None:
            self._fulfilled(
                provider_id=self.provider_id,
                return_id=return_id,
                submitted_on=submitted_on,
                late=submitted_on > self.due_on,
                correlation_id=correlation_id,
            )

    @event("Fulfilled")
    def _fulfilled(
        self,
        provider_id: str,
        return_id: str,
        submitted_on: date,
        late: bool,
        correlation_id: str,
    ) -> None:
        self.submitted_return = return_id
        self.submitted_on = submitted_on

    def mark_overdue(self, today: date, correlation_id: str) -> bool:
        """A return not received by its due date is overdue, once (004 App. 4 §9)."""
        if self.submitted_return or self.overdue_since or today <= self.due_on:
            return False
        self._overdue(
            provider_id=self.provider_id,
            contract_reference=self.contract_reference,
            form=self.form,
            on=today,
            due_on=self.due_on,
            correlation_id=correlation_id,
        )
        return True

    @event("BecameOverdue")
    def _overdue(
        self,
        provider_id: str,
        contract_reference: str,
        form: str,
        on: date,
        due_on: date,
        correlation_id: str,
    ) -> None:
        self.overdue_since = on

    def allocate(self, coordinator: str, correlation_id: str) -> None:
        if self.allocated_to == coordinator:
            return
        if self.allocated_to is not None:
            raise AllocatedToSomeoneElse(
                f"this return is allocated to {self.allocated_to}; they must release it first",
                field="coordinator",
            )
        self._allocated(
            provider_id=self.provider_id, coordinator=coordinator, correlation_id=correlation_id
        )

    @event("Allocated")
    def _allocated(self, provider_id: str, coordinator: str, correlation_id: str) -> None:
        self.allocated_to = coordinator

    def release(self, coordinator: str, correlation_id: str) -> None:
        if self.allocated_to != coordinator:
            raise AllocatedToSomeoneElse(
                f"only {self.allocated_to or 'nobody'} holds this return", field="coordinator"
            )
        self._released(
            provider_id=self.provider_id, coordinator=coordinator, correlation_id=correlation_id
        )

    @event("Released")
    def _released(self, provider_id: str, coordinator: str, correlation_id: str) -> None:
        self.allocated_to = None

    def record_reminder(self, sent_on: date, correlation_id: str) -> None:
        if sent_on not in self.reminders:
            self._reminded(
                provider_id=self.provider_id, sent_on=sent_on, correlation_id=correlation_id
            )

    @event("ReminderSent")
    def _reminded(self, provider_id: str, sent_on: date, correlation_id: str) -> None:
        self.reminders.append(sent_on)


# Events are named as what happened (issue 17). Stored events keep the topic they were written
# under, so each renamed event's old topic still reads as the new class.
renamed("services.intake.domain.return_request:ReturnRequest.Overdue", ReturnRequest.BecameOverdue)
