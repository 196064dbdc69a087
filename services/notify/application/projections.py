"""notify's read models: the in-app inboxes, and the deliveries with the work still outstanding.

Inboxes: each notification as its inbox shows it, who has read it (read and unread are kept per
person), and each provider's contract managers (a contract manager's own inbox shows only the
providers they manage, or those with nobody named). Deliveries: each e-mail and webhook
delivery as operators see it, with when its next attempt falls due and the digest it waits for;
and the return reminders still open, by due date. The dispatcher and the schedule read the
latter (board.py), so a start reads no history to know what is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.notify.domain.delivery import Delivery, Status
from services.notify.domain.notification import Notification
from services.notify.domain.provider import ProviderContacts
from services.notify.domain.reminders import ReturnReminders
from services.notify.domain.rules import CONTRACT_MANAGER
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


# Inboxes -----------------------------------------------------------------------------------------


class InboxView(TableViewMixin):
    family = "inbox"
    view_name = "inboxes"
    version = 1
    tables = {
        "notifications": "id TEXT PRIMARY KEY, recipient TEXT NOT NULL, "
                         "provider_id TEXT NOT NULL, delivered_at TEXT NOT NULL, "
                         "read_any INTEGER NOT NULL, doc TEXT NOT NULL",
        "readers": "notification_id TEXT NOT NULL, reader TEXT NOT NULL, "
                   "PRIMARY KEY (notification_id, reader)",
        "managers": "provider_id TEXT NOT NULL, contract_reference TEXT NOT NULL, "
                    "manager TEXT NOT NULL, PRIMARY KEY (provider_id, contract_reference)",
    }
    indexes = {"notifications": ("recipient, delivered_at", "delivered_at"),
               "managers": "manager"}

    def inbox(self, recipients: Sequence[str], reader: str | None = None,
              unread_only: bool = False, unread_first: bool = False,
              paging: Paging = EVERYTHING, manager: str | None = None) -> Page[dict[str, Any]]:
        """The inboxes' notifications, newest first (unread ones first, if asked), read or
        unread by `reader` (by anyone, without one); with `manager`, the contract managers'
        inbox shows only the providers that person manages or nobody is named for."""
        inboxes, inbox_params = _inboxes(recipients, manager)
        seen, seen_params = _seen(reader)
        shown = f"{inboxes} AND NOT {seen}" if unread_only else inboxes
        shown_params = (*inbox_params, *seen_params) if unread_only else inbox_params
        first = f"CASE WHEN {seen} THEN 1 ELSE 0 END, " if unread_first else ""
        clause, limits = paging.clause()
        rows = self.select(
            f"SELECT n.doc, CASE WHEN {seen} THEN 1 ELSE 0 END AS seen "
            f"FROM {{notifications}} n WHERE {shown} "
            f"ORDER BY {first}n.delivered_at DESC, n.id DESC{clause}",
            (*seen_params, *shown_params, *(seen_params if unread_first else ()), *limits))
        total = self._count(shown, shown_params)
        unread = total if unread_only else self._count(f"{inboxes} AND NOT {seen}",
                                                        (*inbox_params, *seen_params))
        items = [{**self.doc(row["doc"]), "read": bool(row["seen"])} for row in rows]
        return Page(items, total, {"unread": unread})

    def _count(self, condition: str, params: tuple[Any, ...]) -> int:
        found = self.select(f"SELECT COUNT(*) AS n FROM {{notifications}} n WHERE {condition}",
                            params)
        return int(found[0]["n"])


def _inboxes(recipients: Sequence[str], manager: str | None) -> tuple[str, tuple[Any, ...]]:
    marks = ", ".join("?" * len(recipients)) or "NULL"
    condition = f"n.recipient IN ({marks})"
    if manager is None:
        return condition, tuple(recipients)
    managed = ("(n.recipient <> ? OR NOT EXISTS (SELECT 1 FROM {managers} m "
               "WHERE m.provider_id = n.provider_id) OR EXISTS (SELECT 1 FROM {managers} m "
               "WHERE m.provider_id = n.provider_id AND m.manager = ?))")
    return f"{condition} AND {managed}", (*recipients, CONTRACT_MANAGER, manager)


def _seen(reader: str | None) -> tuple[str, tuple[Any, ...]]:
    """Whether a notification counts as read: by the reader, or by anyone."""
    if reader is None:
        return "n.read_any = 1", ()
    return ("EXISTS (SELECT 1 FROM {readers} r WHERE r.notification_id = n.id "
            "AND r.reader = ?)"), (reader,)


class InboxIndex(StoreProjection[InboxView]):
    name = "inboxes"
    view_class = InboxView
    follows = (Notification, ProviderContacts)

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, ProviderContacts):
            return [Row("INSERT INTO {managers} VALUES (?, ?, ?) ON CONFLICT (provider_id, "
                        "contract_reference) DO UPDATE SET manager = excluded.manager",
                        (aggregate.provider_id, reference, manager))
                    for reference, manager in aggregate.contract_managers.items()]
        n: Notification = aggregate
        rows = [Row("INSERT INTO {notifications} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                    "DO UPDATE SET read_any = excluded.read_any, doc = excluded.doc",
                    (str(n.id), n.recipient, n.provider_id, sortable(n.created_on),
                     int(n.read), to_doc(notification_shown(n))))]
        return rows + [Row("INSERT INTO {readers} VALUES (?, ?) ON CONFLICT DO NOTHING",
                           (str(n.id), reader)) for reader in n.readers]


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
