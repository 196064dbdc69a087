"""notify's inboxes as a read model: each notification as its inbox shows it, who has read it
(read and unread are kept per person), each provider's contract managers (a contract manager's
own inbox shows only the providers they manage, or those with nobody named), and how many
notifications each inbox holds and each reader has read.

Why counts are kept (version 2, issue 15): an inbox's page says how many it holds and how many
its reader has not read (X-Total-Count, X-Unread-Count). Counted on each read, that tested every
notification of the inbox for the reader's read: two thirds of the inbox's time, 3.5 ms at 500
providers and about 200 ms projected at 30,000. Now the view keeps, in the transaction that
writes the rows, each inbox's notifications and reads (by anyone, and by each reader), and the
contract managers' inbox's again by provider with whether any contract names a manager for it,
so an officer's count adds up their own providers' and the unmanaged ones'. Nothing leaves an
inbox (a notification is never deleted, a read never undone), so each count grows by one when
a row is new to the view: its statement runs before the batch's others (`Row.first`) and asks
whether the row is there yet. A replay therefore gives the same counts (the tests compare).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from services.notify.application.projections import notification_shown
from services.notify.domain.notification import Notification
from services.notify.domain.provider import ProviderContacts
from services.notify.domain.rules import CONTRACT_MANAGER
from shared.views.paging import EVERYTHING, Page, Paging, sortable, to_doc
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin

# The counts' reader for the inbox itself: `held` is how many notifications it holds and `seen`
# how many anyone has read. No person's name is blank (shared/security/identity.py).
INBOX = ""

_NOTIFICATIONS = {
    "notifications": "id TEXT PRIMARY KEY, recipient TEXT NOT NULL, "
                     "provider_id TEXT NOT NULL, delivered_at TEXT NOT NULL, "
                     "read_any INTEGER NOT NULL, doc TEXT NOT NULL",
    "readers": "notification_id TEXT NOT NULL, reader TEXT NOT NULL, "
               "PRIMARY KEY (notification_id, reader)",
    "managers": "provider_id TEXT NOT NULL, contract_reference TEXT NOT NULL, "
                "manager TEXT NOT NULL, PRIMARY KEY (provider_id, contract_reference)",
}


class InboxView(TableViewMixin):
    family = "inbox"
    view_name = "inboxes"
    version = 2
    tables: ClassVar[dict[str, str]] = {
        **_NOTIFICATIONS,
        # Per inbox and reader (INBOX: the inbox itself): notifications held, and read.
        "counts": "recipient TEXT NOT NULL, reader TEXT NOT NULL, held INTEGER NOT NULL, "
                  "seen INTEGER NOT NULL, PRIMARY KEY (recipient, reader)",
        # The contract managers' inbox's, per provider; managed: a contract names its manager.
        "provider_counts": "provider_id TEXT NOT NULL, reader TEXT NOT NULL, "
                           "managed INTEGER NOT NULL, held INTEGER NOT NULL, "
                           "seen INTEGER NOT NULL, PRIMARY KEY (provider_id, reader)",
    }
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "notifications": ("recipient, delivered_at", "delivered_at"), "managers": "manager",
        "provider_counts": "managed, reader"}

    def inbox(self, recipients: Sequence[str], reader: str | None = None,
              unread_only: bool = False, unread_first: bool = False,
              paging: Paging = EVERYTHING, manager: str | None = None) -> Page[dict[str, Any]]:
        """The inboxes' notifications, newest first (unread ones first, if asked), read or
        unread by `reader` (by anyone, without one); with `manager`, the contract managers'
        inbox shows only the providers that person manages or nobody is named for."""
        total, unread = self.counted(recipients, reader, manager)
        asked = Asked(tuple(dict.fromkeys(recipients)), reader, manager)
        if unread_only:
            rows = self._page(asked, True, paging)
        elif unread_first:
            rows = self._unread_first(asked, unread, paging)
        else:
            rows = self._page(asked, None, paging)
        items = [{**self.doc(row["doc"]), "read": bool(row["seen"])} for row in rows]
        return Page(items, unread if unread_only else total, {"unread": unread})

    def _unread_first(self, asked: Asked, unread: int, paging: Paging) -> list[Any]:
        """The unread part of the page, then the read part (the count says where one ends)."""
        rows = self._page(asked, True, paging)
        if paging.limit is not None and len(rows) >= paging.limit:
            return rows
        left = None if paging.limit is None else paging.limit - len(rows)
        return rows + self._page(asked, False, Paging(left, max(0, paging.offset - unread)))

    def _page(self, asked: Asked, unread: bool | None, paging: Paging) -> list[Any]:
        """A page newest first (of the unread or the read alone, if asked): each inbox's first
        `offset + limit` by its index, merged, and the page's documents alone read."""
        if not asked.recipients:
            return []
        seen, seen_params = _seen(asked.reader)
        wanted = "" if unread is None else f" AND {'NOT ' if unread else ''}{seen}"
        limit, offset = paging.clause()[1]
        parts, params = [], []
        for condition, condition_params in self._parts(asked):
            parts.append(f"SELECT * FROM (SELECT n.id, n.delivered_at FROM {{notifications}} n "
                         f"WHERE {condition}{wanted} ORDER BY n.delivered_at DESC, n.id DESC "
                         f"LIMIT ?) AS part{len(parts)}")
            params += [*condition_params, *(seen_params if wanted else ()), offset + limit]
        return self.select(
            f"WITH page AS ({' UNION ALL '.join(parts)} "
            "ORDER BY delivered_at DESC, id DESC LIMIT ? OFFSET ?) "
            f"SELECT n.doc, CASE WHEN {seen} THEN 1 ELSE 0 END AS seen FROM page p "
            "JOIN {notifications} n ON n.id = p.id ORDER BY p.delivered_at DESC, p.id DESC",
            (*params, limit, offset, *seen_params))

    def _parts(self, asked: Asked) -> list[tuple[str, tuple[Any, ...]]]:
        """Each inbox's notifications: the contract managers' narrowed, for an officer, to the
        providers they manage and those nobody manages."""
        return [("n.recipient = ? AND n.provider_id IN (SELECT provider_id FROM {managers} "
                 "WHERE manager = ? UNION ALL SELECT provider_id FROM {provider_counts} "
                 "WHERE managed = 0 AND reader = ?)", (r, asked.manager, INBOX))
                if asked.narrowed(r) else ("n.recipient = ?", (r,))
                for r in asked.recipients]

    def counted(self, recipients: Sequence[str], reader: str | None,
                manager: str | None) -> tuple[int, int]:
        """How many notifications the inboxes hold, and how many of those the reader (anyone,
        without one) has not read: from the counts, whatever the inboxes' size."""
        who = INBOX if reader is None else reader
        asked = Asked(tuple(recipients), reader, manager)
        plain = [r for r in recipients if not asked.narrowed(r)]
        marks = ", ".join("?" * len(plain)) or "NULL"
        found = self.select(f"SELECT reader, held, seen FROM {{counts}} "
                            f"WHERE recipient IN ({marks}) AND reader IN (?, ?)",
                            (*plain, INBOX, who))
        if len(plain) < len(recipients):
            found += self.select(
                "SELECT reader, held, seen FROM {provider_counts} "
                "WHERE managed = 0 AND reader IN (?, ?) UNION ALL "
                "SELECT c.reader, c.held, c.seen FROM {provider_counts} c WHERE c.provider_id IN "
                "(SELECT provider_id FROM {managers} WHERE manager = ?) AND c.reader IN (?, ?)",
                (INBOX, who, manager, INBOX, who))
        held = sum(int(row["held"]) for row in found if row["reader"] == INBOX)
        seen = sum(int(row["seen"]) for row in found if row["reader"] == who)
        return held, held - seen


@dataclass(frozen=True)
class Asked:
    """Whose inboxes are read, as whom, and the officer whose providers alone they show."""

    recipients: tuple[str, ...]
    reader: str | None
    manager: str | None

    def narrowed(self, recipient: str) -> bool:
        return self.manager is not None and recipient == CONTRACT_MANAGER


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
            return self.manager_rows(aggregate) + _marked_managed(aggregate)
        return self.counted_rows(aggregate) + self.notification_rows(aggregate)

    def manager_rows(self, contacts: ProviderContacts) -> list[Row]:
        return [Row("INSERT INTO {managers} VALUES (?, ?, ?) ON CONFLICT (provider_id, "
                    "contract_reference) DO UPDATE SET manager = excluded.manager",
                    (contacts.provider_id, reference, manager))
                for reference, manager in contacts.contract_managers.items()]

    def notification_rows(self, n: Notification) -> list[Row]:
        rows = [Row("INSERT INTO {notifications} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                    "DO UPDATE SET read_any = excluded.read_any, doc = excluded.doc",
                    (str(n.id), n.recipient, n.provider_id, sortable(n.created_on),
                     int(n.read), to_doc(notification_shown(n))))]
        return rows + [Row("INSERT INTO {readers} VALUES (?, ?) ON CONFLICT DO NOTHING",
                           (str(n.id), reader)) for reader in n.readers]

    def counted_rows(self, n: Notification) -> list[Row]:
        """One more held by its inbox if it is new to the view, and one more read by anyone
        and by each reader for whom it is (run before the rows that make it not new)."""
        nid = str(n.id)
        news = [(INBOX, 1, 0, "SELECT 1 FROM {notifications} WHERE id = ?", (nid,))]
        if n.read:
            news.append((INBOX, 0, 1, "SELECT 1 FROM {notifications} WHERE id = ? "
                                      "AND read_any = 1", (nid,)))
        news += [(reader, 0, 1, "SELECT 1 FROM {readers} WHERE notification_id = ? "
                                "AND reader = ?", (nid, reader)) for reader in n.readers]
        rows = [_added(n.recipient, *new) for new in news]
        if n.recipient == CONTRACT_MANAGER:
            rows += [_added_for_provider(n.provider_id, *new) for new in news]
        return rows


def _marked_managed(contacts: ProviderContacts) -> list[Row]:
    """A provider with a contract is managed from then on (no contract is taken away)."""
    if not contacts.contract_managers:
        return []
    return [Row("UPDATE {provider_counts} SET managed = 1 WHERE provider_id = ?",
                (contacts.provider_id,))]


def _added(recipient: str, reader: str, held: int, seen: int, unless: str,
           params: tuple[Any, ...]) -> Row:
    """Adds to an inbox's counts for the reader, unless the row counted is there already."""
    return Row("INSERT INTO {counts} AS c (recipient, reader, held, seen) "
               "SELECT CAST(? AS TEXT), CAST(? AS TEXT), ?, ? "
               f"WHERE NOT EXISTS ({unless}) ON CONFLICT (recipient, reader) "
               "DO UPDATE SET held = c.held + excluded.held, seen = c.seen + excluded.seen",
               (recipient, reader, held, seen, *params), first=True)


def _added_for_provider(provider_id: str, reader: str, held: int, seen: int, unless: str,
                        params: tuple[Any, ...]) -> Row:
    """The same in the contract managers' counts by provider (managed or not as it stands
    before the batch: a batch that names its first manager marks it after)."""
    return Row("INSERT INTO {provider_counts} AS c (provider_id, reader, managed, held, seen) "
               "SELECT CAST(? AS TEXT), CAST(? AS TEXT), CASE WHEN EXISTS (SELECT 1 FROM "
               "{managers} m WHERE m.provider_id = ?) THEN 1 ELSE 0 END, ?, ? "
               f"WHERE NOT EXISTS ({unless}) ON CONFLICT (provider_id, reader) "
               "DO UPDATE SET held = c.held + excluded.held, seen = c.seen + excluded.seen",
               (provider_id, reader, provider_id, held, seen, *params), first=True)


# Version 1, kept for the release that brings version 2: it answers, counting as it reads,
# while version 2 is built in the background at the first start (shared/views/store.py,
# succession), then is dropped.

class InboxViewV1(InboxView):
    """The inboxes before their counts were kept: each read counts the inboxes' rows."""

    version = 1
    tables: ClassVar[dict[str, str]] = dict(_NOTIFICATIONS)
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "notifications": ("recipient, delivered_at", "delivered_at"), "managers": "manager"}

    def inbox(self, recipients: Sequence[str], reader: str | None = None,
              unread_only: bool = False, unread_first: bool = False,
              paging: Paging = EVERYTHING, manager: str | None = None) -> Page[dict[str, Any]]:
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
        total, unread = self.counted(recipients, reader, manager)
        # Its documents, written before notifications kept the council's date, were received
        # when they were recorded.
        items = [{"received_at": doc["delivered_at"], **doc, "read": bool(row["seen"])}
                 for row in rows for doc in (self.doc(row["doc"]),)]
        return Page(items, unread if unread_only else total, {"unread": unread})

    def counted(self, recipients: Sequence[str], reader: str | None,
                manager: str | None) -> tuple[int, int]:
        inboxes, inbox_params = _inboxes(recipients, manager)
        seen, seen_params = _seen(reader)
        total = self._count(inboxes, inbox_params)
        return total, self._count(f"{inboxes} AND NOT {seen}", (*inbox_params, *seen_params))

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


class InboxIndexV1(InboxIndex):
    view_class = InboxViewV1  # type: ignore[assignment]
    previous = None

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, ProviderContacts):
            return self.manager_rows(aggregate)
        return self.notification_rows(aggregate)


InboxIndex.previous = InboxIndexV1
