"""The work outstanding, read from notify's own notification log: a read model, rebuilt on start.

Deliveries waiting for an attempt (with the time each is next due), deliveries held for a
digest, and return reminders still open. Rebuilding from the log is what makes a restart safe:
an attempt recorded as started and never finished is due again once its lease has run out.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.notify.domain.delivery import Delivery
from services.notify.domain.reminders import ReturnReminders

if TYPE_CHECKING:
    from shared.eventstore import ServiceApplication

NOW = datetime.min.replace(tzinfo=UTC)
PAGE = 1000


class DeliveryBoard:
    """Pending and held deliveries and open reminders, by id."""

    def __init__(self, app: ServiceApplication) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._position = 0
        self.pending: dict[UUID, datetime] = {}
        self.held: dict[UUID, tuple[str, str, str]] = {}  # recipient, channel, digest kind
        self.reminders: dict[UUID, date] = {}  # open reminders by due date

    def catch_up(self) -> None:
        with self._lock:
            while page := self._app.recorder.select_notifications(
                start=self._position, limit=PAGE, inclusive_of_start=False
            ):
                for notification in page:
                    self._apply(self._app.mapper.to_domain_event(notification))
                    self._position = notification.id

    def _apply(self, event: Any) -> None:
        key = event.originator_id
        if isinstance(event, Delivery.Queued):
            if event.hold:
                self.held[key] = (event.recipient, event.channel, event.hold)
            else:
                self.pending[key] = NOW
        elif isinstance(event, Delivery.Dispatching):
            self.pending[key] = event.lease_until
        elif isinstance(event, Delivery.AttemptFailed):
            self.pending[key] = event.retry_at
        elif isinstance(event, Delivery.Retried):
            self.pending[key] = NOW
        elif isinstance(event, Delivery.Sent | Delivery.Failed):
            self.pending.pop(key, None)
        elif isinstance(event, Delivery.Bundled):
            self.held.pop(key, None)
        else:
            self._apply_reminder(event)

    def _apply_reminder(self, event: Any) -> None:
        if isinstance(event, ReturnReminders.Scheduled):
            self.reminders[event.originator_id] = event.due_on
        elif isinstance(event, ReturnReminders.Closed):
            self.reminders.pop(event.originator_id, None)

    def due(self, now: datetime, exclude: set[UUID] | frozenset[UUID] = frozenset()) -> list[UUID]:
        """Deliveries whose next attempt may start now, oldest due first."""
        self.catch_up()
        with self._lock:
            due = [(at, key) for key, at in self.pending.items()
                   if at <= now and key not in exclude]
        return [key for _, key in sorted(due)]

    def next_due(self, exclude: set[UUID] | frozenset[UUID] = frozenset()) -> datetime | None:
        with self._lock:
            return min((at for key, at in self.pending.items() if key not in exclude),
                       default=None)

    def held_groups(self) -> dict[tuple[str, str, str], list[UUID]]:
        """Held deliveries by recipient, channel and digest kind."""
        self.catch_up()
        groups: dict[tuple[str, str, str], list[UUID]] = {}
        with self._lock:
            for key, group in self.held.items():
                groups.setdefault(group, []).append(key)
        return groups

    def open_reminders(self) -> dict[UUID, date]:
        self.catch_up()
        with self._lock:
            return dict(self.reminders)
