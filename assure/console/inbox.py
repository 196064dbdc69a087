"""The notifications inbox: what notify told the signed-in person, newest first, unread ones
marked, each one markable as read, kept current without a reload.

Each person reads their own inbox, as notify gathers it from who the token says they are: a
provider's users their organisation's; a council member with an inbox in the notify
configuration theirs; anyone else their role's list and their own, an officer only the
providers whose contracts name them. Read and unread are kept for each person alone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assure.console.client import Api
from assure.console.live import changes
from assure.console.plain_words import Plain, provider_names
from assure.console.rendering import render
from assure.console.session import Visitor, done, visitor
from services.notify.entrypoints.inbox_roles import ROLE_INBOXES

router = APIRouter()

INBOX = "/console/inbox"


def reads_none(who: Visitor) -> bool:
    """Whether notify's rules address nobody in the person's role (auditors)."""
    return not who.is_provider and who.identity.role not in ROLE_INBOXES


async def notifications(api: Api) -> list[dict[str, Any]]:
    """The person's notifications, newest first, read or unread by them: notify knows whose
    they are from the token (services/notify/application/readers.py)."""
    return await api.get("/notify/inbox")


async def told_plainly(api: Api, who: Visitor) -> list[dict[str, Any]]:
    """The person's notifications in plain words: the provider named, and no references for
    machines (ids, UUIDs, ISO dates) in their subjects and bodies."""
    items = await notifications(api)
    plain = Plain(await provider_names(api, who, {item["provider_id"] for item in items}))
    return [{**item, "subject": plain.text(item.get("subject") or ""),
             "body": plain.text(item.get("body") or ""),
             "provider": plain.name(item["provider_id"])} for item in items]


@router.get("/inbox")
async def inbox(request: Request) -> Response:
    who = visitor(request)
    async with Api(request, who.token) as api:
        items = await told_plainly(api, who)
    return render(request, "inbox.html", who, items=items, reads_none=reads_none(who))


@router.get("/inbox/fragment")
async def inbox_fragment(request: Request) -> Response:
    """The list alone, for the page's live region to fetch again."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        items = await told_plainly(api, who)
    return render(request, "inbox_list.html", who, items=items)


@router.get("/inbox/changes")
async def inbox_changes(request: Request) -> Response:
    """Says when notify recorded something, for the page to fetch its list again."""
    return changes(request, visitor(request), "/notify/inbox", ("notify",))


@router.post("/inbox/read")
async def mark_all_read(request: Request) -> Response:
    """Marks every notification in the signed-in person's inbox read by them."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        marked = (await api.post("/notify/inbox/read", {}))["marked"]
    return done(INBOX, f"{marked} {'notification' if marked == 1 else 'notifications'} "
                       "marked as read")


@router.post("/inbox/{notification_id}/read")
async def mark_read(request: Request, notification_id: UUID) -> Response:
    """Marks one notification read by the signed-in person."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        read = await api.post(f"/notify/notifications/{notification_id}/read", {})
        plain = Plain(await provider_names(api, who, {read["provider_id"]}))
    return done(INBOX, f"“{plain.text(read['subject'])}” marked as read")
