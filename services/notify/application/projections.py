"""notify's read models: what a notification and a delivery show in their lists, and the
deliveries with the work still outstanding (the in-app inboxes' model is inbox_view.py).

Deliveries: each e-mail and webhook delivery as operators see it, with when its next attempt
falls due and the digest it waits for; and the return reminders still open, by due date. The
dispatcher and the schedule read the latter (board.py), so a start reads no history to know
what is due.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.notify.domain.delivery import Delivery, Status
from services.notify.domain.notification import Notification
from services.notify.domain.reminders import ReturnReminders
from shared.views.paging import (
    EVERYTHING,
    Page,
    Paging,
    read_page,
    sortable,
    to_doc,
    where,
)
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin

# What each list shows ----------------------------------------------------------------------------


def notification_shown(n: Notification) -> dict[str, Any]:
    """A notification in an inbox; `read` is anyone's until a reader is named."""
    return {
        "notification_id": n.id, "provider_id": n.provider_id, "recipient": n.recipient,
        "channel": n.channel, "subject": n.subject, "body": n.body, "urgent": n.urgent,
        "read": n.read, "about_event_type": n.about_event_type,
        "about_event_id": n.about_event_id, "delivered_at": n.created_on.isoformat(),
        "received_at": n.received_at().isoformat(),  # on the council's clock
        "reference": n.reference, "may_wait": n.may_wait,
    }


def delivery_shown(d: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": d.id, "notification_id": d.notification_id,
        "provider_id": d.provider_id, "recipient": d.recipient, "channel": d.channel,
        "addresses": d.addresses, "subject": d.subject, "urgent": d.urgent,
        "status": d.status.value, "attempts": d.attempts, "last_error": d.last_error,
        "about_event_type": d.about_event_type, "about_event_id": d.about_event_id,
        "queued_at": d.created_on, "sent_at": d.sent_at, "digest": d.bundled_into or d.hold,
        "hold": d.hold,
    }


# Deliveries and the work outstanding -------------------------------------------------------------


class DeliveriesView(TableViewMixin):
    family = "dlv"
    view_name = "deliveries"
    version = 1
    tables = {
        # due_at: when its next attempt may start (none once sent, failed or held); hold: the
        # digest it was held for; changed_at: its latest event's time (a failure's).
        "deliveries": "id TEXT PRIMARY KEY, status TEXT NOT NULL, recipient TEXT NOT NULL, "
                      "channel TEXT NOT NULL, hold TEXT, due_at TEXT, queued_at TEXT NOT NULL, "
                      "changed_at TEXT NOT NULL, doc TEXT NOT NULL",
        "reminders": "id TEXT PRIMARY KEY, due_on TEXT NOT NULL",  # the open ones only
    }
    indexes = {"deliveries": ("queued_at", "status, queued_at", "recipient, queued_at",
                              "status, changed_at", "due_at"),
               "reminders": "due_on"}

    def outcomes(self) -> list[dict[str, Any]]:
        """How many deliveries were sent or failed, by status, recipient and channel."""
        return self.select("SELECT status, recipient, channel, COUNT(*) AS n FROM {deliveries} "
                           "WHERE status IN ('sent', 'failed', 'bundled') "
                           "GROUP BY status, recipient, channel")

    def listed(self, status: str | None = None, recipient: str | None = None,
               paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Deliveries (with the status, to the recipient, if given), newest first."""
        clause, params = where(status=status, recipient=recipient)
        return read_page(self, f"SELECT doc FROM {{deliveries}}{clause} "
                               "ORDER BY queued_at DESC, id DESC",
                         f"SELECT COUNT(*) AS n FROM {{deliveries}}{clause}", params, paging)

    def failures(self, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Deliveries given up and not sent again, in the order they failed."""
        return read_page(self, "SELECT doc FROM {deliveries} WHERE status = ? "
                               "ORDER BY changed_at, id",
                         "SELECT COUNT(*) AS n FROM {deliveries} WHERE status = ?",
                         (Status.FAILED.value,), paging)

    def due(self, now: datetime) -> list[UUID]:
        """Deliveries whose next attempt may start by `now`, the longest due first."""
        rows = self.select("SELECT id FROM {deliveries} WHERE due_at <= ? ORDER BY due_at, id",
                           (sortable(now),))
        return [UUID(row["id"]) for row in rows]

    def next_due(self, skipping: int) -> list[tuple[UUID, datetime]]:
        """The next `skipping + 1` attempts to fall due, soonest first."""
        rows = self.select("SELECT id, due_at FROM {deliveries} WHERE due_at IS NOT NULL "
                           "ORDER BY due_at, id LIMIT ?", (skipping + 1,))
        return [(UUID(row["id"]), datetime.fromisoformat(row["due_at"])) for row in rows]

    def held(self) -> list[tuple[UUID, str, str, str]]:
        """Held deliveries: id, recipient, channel and the digest each waits for."""
        rows = self.select("SELECT id, recipient, channel, hold FROM {deliveries} "
                           "WHERE status = ? ORDER BY queued_at, id", (Status.HELD.value,))
        return [(UUID(r["id"]), r["recipient"], r["channel"], r["hold"]) for r in rows]

    def reminders_due(self, after: date, upto: date) -> list[UUID]:
        """Open reminders whose return falls due after one day and by another."""
        rows = self.select("SELECT id FROM {reminders} WHERE due_on > ? AND due_on <= ? "
                           "ORDER BY due_on, id", (after.isoformat(), upto.isoformat()))
        return [UUID(row["id"]) for row in rows]


class DeliveriesIndex(StoreProjection[DeliveriesView]):
    name = "deliveries"
    view_class = DeliveriesView
    follows = (Delivery, ReturnReminders)

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, ReturnReminders):
            return [_reminder_row(aggregate)]
        d: Delivery = aggregate
        due = d.due_at()
        return [Row("INSERT INTO {deliveries} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                    "DO UPDATE SET status = excluded.status, due_at = excluded.due_at, "
                    "changed_at = excluded.changed_at, doc = excluded.doc",
                    (str(d.id), d.status.value, d.recipient, d.channel,
                     d.hold,
                     None if due is None else sortable(due), sortable(d.created_on),
                     sortable(d.modified_on), to_doc(delivery_shown(d))))]


def _reminder_row(reminders: ReturnReminders) -> Row:
    if reminders.closed or reminders.due_on is None:
        return Row("DELETE FROM {reminders} WHERE id = ?", (str(reminders.id),))
    return Row("INSERT INTO {reminders} VALUES (?, ?) ON CONFLICT (id) "
               "DO UPDATE SET due_on = excluded.due_on",
               (str(reminders.id), reminders.due_on.isoformat()))
