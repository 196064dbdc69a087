"""Inboxes: what each recipient, person and signed-in reader sees, and marking it read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.notify.application.inbox_view import InboxIndex
from services.notify.application.readers import reading_for
from services.notify.application.records import NotifyRecords
from services.notify.domain.directory import users_inboxes
from services.notify.domain.notification import Notification
from shared.eventstore import NotFound
from shared.security.identity import Identity
from shared.views.paging import EVERYTHING, Page, Paging


class Inboxes(NotifyRecords):
    """Reading the in-app inboxes."""

    def inbox(self, recipient: str, reader: str | None = None, unread_only: bool = False,
              unread_first: bool = False, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """A recipient's notifications, newest first (unread ones first, if asked), read or
        unread by the reader (by anyone, if none is named), with how many are unread."""
        return self.views.get(InboxIndex).inbox(
            (recipient,), reader, unread_only, unread_first, paging)

    def user_inbox(self, user_id: str, unread_only: bool = False, unread_first: bool = False,
                   paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What one person reads: their roles' inboxes (a contract manager's own providers only)
        and their own, with read and unread kept per person."""
        user = self.config.users.get(user_id)
        if user is None:
            raise NotFound(f"no user {user_id} in the notify configuration")
        return self.views.get(InboxIndex).inbox(
            users_inboxes(user_id, self.config), user_id, unread_only, unread_first, paging,
            manager=user.name)

    def own_inbox(self, identity: Identity, unread_only: bool = False,
                  unread_first: bool = False,
                  paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What the signed-in person reads: a configured user's inboxes, else their role's and
        their own, with only their own providers' of the contract managers' (readers.py)."""
        if identity.provider_id is None and identity.user in self.config.users:
            return self.user_inbox(identity.user, unread_only, unread_first, paging)
        reading = reading_for(identity)
        return self.views.get(InboxIndex).inbox(
            reading.recipients, reading.reader, unread_only, unread_first, paging,
            manager=reading.manager)

    def mark_all_read(self, identity: Identity) -> int:
        """Marks everything in the signed-in person's inbox read by them; how many were not."""
        unread = [self.get(Notification, UUID(str(item["notification_id"])))
                  for item in self.own_inbox(identity, unread_only=True)]
        for notification in unread:
            notification.mark_read(identity.user)
        if unread:
            self.save(*unread)  # one transaction: all read, or none
        return len(unread)

    def mark_read(self, notification_id: UUID, reader: str) -> Notification:
        """Marks one notification read by the reader."""
        notification = self.get(Notification, notification_id)
        notification.mark_read(reader)
        self.save(notification)
        return notification
