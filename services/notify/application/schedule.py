"""The schedule: reminders before returns fall due, and digests of what could wait.

Run by a background job on the real clock and by `POST /notify/schedule/run` with a time, so
tests and demos can drive it. Running it twice for the same time changes nothing: a reminder is
sent once per return and offset, a digest once per recipient, channel and due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from services.notify.application.records import NotifyRecords
from services.notify.domain.delivery import Delivery, Status
from services.notify.domain.digest import UK, Item, compose_digest, digest_key, due_since
from services.notify.domain.facts import return_due_soon
from services.notify.domain.reminders import ReturnReminders

DIGEST = "Digest"


@dataclass(frozen=True)
class ScheduleRun:
    """What one run of the schedule did."""

    at: datetime
    reminders: int
    digests: int


class Schedule(NotifyRecords):
    """Reminders and digests as at a time."""

    def run_schedule(self, at: datetime) -> ScheduleRun:
        """Sends the reminders and digests due by `at` (a naive time is UK time)."""
        at = at if at.tzinfo else at.replace(tzinfo=UK)
        reminders = sum(self._remind(key, at) for key in self._reminders_near(at))
        digests = sum(self._digest(group, ids, at)
                      for group, ids in self.board.held_groups().items())
        return ScheduleRun(at=at.astimezone(UTC), reminders=reminders, digests=digests)

    def _reminders_near(self, at: datetime) -> list[UUID]:
        today = at.astimezone(UK).date()
        horizon = timedelta(days=max(self.config.schedule.reminder_days, default=0))
        return self.board.reminders_due(after=today, upto=today + horizon)

    def _remind(self, reminders_id: UUID, at: datetime) -> bool:
        reminders: ReturnReminders = self.repository.get(reminders_id)
        days = reminders.due_reminder(at.astimezone(UK).date(),
                                      self.config.schedule.reminder_days)
        if days is None or reminders.request_id is None:
            return False
        fact = return_due_soon(reminders.provider_id, reminders.request_id, days,
                               reminders.fields())
        notifications = self.notifications_for(fact, f"schedule:{at.isoformat()}", fact.id)
        reminders.remind(days)
        try:
            self.save(reminders, *notifications)
        except IntegrityError:
            return False  # another instance sent it
        return True

    def _digest(
        self, group: tuple[str, str, str], ids: list[UUID], at: datetime
    ) -> bool:
        recipient, channel, kind = group
        due = due_since(kind, at, self.config.schedule)
        key = digest_key(kind, due, recipient)
        if self.exists(Delivery.create_id(key, channel)):
            return False  # this one went out; what was held since waits for the next
        items = [d for d in (self.repository.get(i) for i in ids)
                 if d.status == Status.HELD and d.created_on <= due]
        if not items:
            return False
        items.sort(key=lambda d: d.created_on)
        subject, body = compose_digest(kind, due, [Item(d.subject, d.body) for d in items])
        digest = Delivery(
            notification_id=key, provider_id=items[0].provider_id, recipient=recipient,
            channel=channel, addresses=items[-1].addresses, subject=subject, body=body,
            urgent=False, about_event_id=key, about_event_type=DIGEST, reference=None,
            items=[str(d.id) for d in items],
        )
        for item in items:
            item.bundle(key)
        try:
            self.save(digest, *items)
        except IntegrityError:
            return False
        return True
