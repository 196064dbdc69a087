"""notify's HTTP routes: inboxes by role and by person, read receipts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict

from services.notify.application import Notifications
from services.notify.application.projections import notification_shown
from services.notify.domain.notification import Notification
from services.notify.entrypoints.operations import router as operations
from shared.http import PageOf, application_of, counted, operations_router
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
    received_at: str  # when, on the council's clock (a training clock's date, if it is one)

    @classmethod
    def of(cls, n: Notification, reader: str | None = None) -> NotificationView:
        return cls.model_validate(
            {**notification_shown(n), "read": n.read_by(reader) if reader else n.read})


class ReadReceipt(BaseModel):
    """Nothing to say: the reader is the signed-in person."""

    model_config = ConfigDict(extra="forbid")


Unread = Annotated[bool, Query(description="Only those not read yet")]
UnreadFirst = Annotated[bool, Query(description="Unread ones first, each part newest first")]


@router.get("/inbox", response_model=list[NotificationView])
def own_inbox(app: App, actor: Actor, response: Response, paging: PageOf,
              unread: Unread = False, unread_first: UnreadFirst = False) -> list[dict[str, Any]]:
    """The signed-in person's inbox (who they are comes from the token): their organisation's,
    or their role's and their own, the contract managers' narrowed to the providers whose
    contracts name them. Paged and counted like a role's inbox."""
    return counted(response, app.own_inbox(actor, unread, unread_first, paging))


@router.get("/inbox/{recipient}", response_model=list[NotificationView])
def inbox(
    app: App,
    recipient: Recipient,
    response: Response,
    paging: PageOf,
    unread: Unread = False,
    unread_first: UnreadFirst = False,
    reader: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """A role's in-app inbox, newest first (e.g. operations, contract-manager); with `reader`,
    read and unread are that person's. Paged with `limit` and `offset`; X-Total-Count and
    X-Unread-Count say how many there are and how many are unread."""
    return counted(response, app.inbox(recipient, reader or None, unread, unread_first, paging))


@router.get("/users/{user_id}/inbox", response_model=list[NotificationView])
def user_inbox(
    app: App, user_id: Recipient, response: Response, paging: PageOf, unread: Unread = False,
    unread_first: UnreadFirst = False,
) -> list[dict[str, Any]]:
    """One person's inbox: their roles' and their own, read or unread by them, newest first.
    Paged like a role's inbox, with the same counts."""
    return counted(response, app.user_inbox(user_id, unread, unread_first, paging))


class AllRead(BaseModel):
    marked: int  # how many had not been read by the person before


@router.post("/inbox/read", response_model=AllRead)
def mark_all_read(app: App, body: ReadReceipt, actor: Actor) -> AllRead:
    """Marks everything in the signed-in person's own inbox (`GET /notify/inbox`) read by
    them; who they are comes from the token."""
    return AllRead(marked=app.mark_all_read(actor))


@router.post("/notifications/{notification_id}/read", response_model=NotificationView)
def mark_read(app: App, notification_id: UUID, body: ReadReceipt, actor: Actor) -> NotificationView:
    # Keyed by the person's id, as their inbox (/users/{user_id}/inbox) is.
    return NotificationView.of(app.mark_read(notification_id, actor.user))
