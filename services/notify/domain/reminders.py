"""Reminders before a return's due date (§4: by default 7, 3 and 1 days before).

One per contract, form and period: opened by the request or by a return sent before it, closed
when the return arrives. None is sent on or after the due date: intake then publishes
ReturnOverdue, which is the reminder after the due date. Only the latest reminder that has
fallen due is sent, so a schedule run after a gap does not send three reminders at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import stable_id


class ReturnReminders(Aggregate):
    """The reminders owed for one return request, and those already sent."""

    @staticmethod
    def create_id(contract_reference: str, form: str, period_start: date, period_end: date,
                  **_: object) -> UUID:
        return stable_id("return-reminders", contract_reference, form,
                         period_start.isoformat(), period_end.isoformat())

    @event("Opened")
    def __init__(self, provider_id: str, contract_reference: str, form: str,
                 period_start: date, period_end: date) -> None:
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.form = form
        self.period_start = period_start
        self.period_end = period_end
        self.request_id: str | None = None
        self.due_on: date | None = None
        self.sent: list[int] = []
        self.closed = False

    def schedule(self, request_id: str, due_on: date) -> None:
        if self.request_id is None and not self.closed:
            self._scheduled(request_id=request_id, due_on=due_on)

    @event("Scheduled")
    def _scheduled(self, request_id: str, due_on: date) -> None:
        self.request_id = request_id
        self.due_on = due_on

    def due_reminder(self, today: date, days_before: Iterable[int]) -> int | None:
        """Days before the due date of the reminder to send today, if one is owed."""
        if self.closed or self.due_on is None or today >= self.due_on:
            return None
        fallen_due = [days for days in days_before if self.due_on - timedelta(days) <= today]
        if not fallen_due:
            return None
        latest = min(fallen_due)
        return None if any(sent <= latest for sent in self.sent) else latest

    def remind(self, days: int) -> None:
        self._reminded(days=days)

    @event("Reminded")
    def _reminded(self, days: int) -> None:
        self.sent.append(days)

    def close(self, reason: str) -> None:
        if not self.closed:
            self._closed(reason=reason)

    @event("Closed")
    def _closed(self, reason: str) -> None:
        self.closed = True

    def fields(self) -> dict[str, Any]:
        """What a reminder message says about the return."""
        return {"contract_reference": self.contract_reference, "form": self.form,
                "period_start": self.period_start, "period_end": self.period_end,
                "due_on": self.due_on}
