"""notify's HTTP routes: inboxes by role and by person, read receipts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict

from services.notify.application import Notifications
from services.notify.domain.notification import Notification
from services.notify.entrypoints.operations import router as operations
from shared.http import application_of, operations_router
from shared.security.actor import Actor

router = APIRouter(tags=["notify"])
router.include_router(operations_router("notify"))
router.include_router(operations)
App = Annotated[Notifications, Depends(application_of("notify"))]
Recipient = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,80}$")]


class NotificationView(BaseModel):
    notification_id: UUID
    provider_id: str
    recipient: str
    channel: str
    subject: str
    body: str
    urgent: bool
    read: bool
    about_event_type: str
    about_event_id: str
    delivered_at: str

    @classmethod
    def of(cls, n: Notification, reader: str | None = None) -> NotificationView:
        return cls(
            notification_id=n.id,
            provider_id=n.provider_id,
            recipient=n.recipient,
            channel=n.channel,
            subject=n.subject,
            body=n.body,
            urgent=n.urgent,
            read=n.read_by(reader) if reader else n.read,
            about_event_type=n.about_event_type,
            about_event_id=n.about_event_id,
            delivered_at=n.created_on.isoformat(),
        )


class ReadReceipt(BaseModel):
    """Nothing to say: the reader is the signed-in person."""

    model_config = ConfigDict(extra="forbid")


@router.get("/inbox/{recipient}", response_model=list[NotificationView])
def inbox(
    app: App,
    recipient: Recipient,
    unread: Annotated[bool, Query()] = False,
    reader: Annotated[str | None, Query(max_length=200)] = None,
) -> list[NotificationView]:
    """A role's in-app inbox, newest first (e.g. operations, contract-manager); with `reader`,
    read and unread are that person's."""
    items = app.inbox(recipient)
    views = [NotificationView.of(n, reader=reader) for n in items]
    return [v for v in views if not (unread and v.read)]


@router.get("/users/{user_id}/inbox", response_model=list[NotificationView])
def user_inbox(
    app: App, user_id: Recipient, unread: Annotated[bool, Query()] = False
) -> list[NotificationView]:
    """One person's inbox: their roles' and their own, read or unread by them."""
    items = app.user_inbox(user_id, unread_only=unread)
    return [NotificationView.of(n, reader=user_id) for n in items]


@router.post("/notifications/{notification_id}/read", response_model=NotificationView)
def mark_read(app: App, notification_id: UUID, body: ReadReceipt, actor: Actor) -> NotificationView:
    # Keyed by the person's id, as their inbox (/users/{user_id}/inbox) is.
    return NotificationView.of(app.mark_read(notification_id, actor.user))
