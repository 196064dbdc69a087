"""The notifications inbox: what notify told the signed-in person, newest first, unread ones
marked, each one markable as read, kept current without a reload.

A provider's users read their organisation's inbox. A council member with an inbox of their own
in the notify configuration reads it (their roles' inboxes and their own, as notify gathers
them); anyone else reads their role's inbox, with read and unread kept for them alone.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assure.console.client import Api, ApiError
from assure.console.live import changes
from assure.console.rendering import render
from assure.console.session import Visitor, done, visitor
from shared.security.identity import Role

router = APIRouter()

INBOX = "/console/inbox"
# The inbox names notify's rules address each role by (services/notify/domain/routing.py).
ROLE_INBOXES: dict[Role, tuple[str, ...]] = {
    Role.CONTRACT_COORDINATOR: ("contract-manager",),
    Role.COMMISSIONING_OFFICER: ("contract-manager",),
    Role.COMMISSIONING_MANAGER: ("commissioning-manager",),
    Role.HEAD_OF_STRATEGIC_PLANNING: ("head-of-strategic-planning",),
    Role.GENERAL_MANAGER: ("general-manager",),
    Role.CSWO: ("cswo",),
    Role.OPERATIONAL_STAFF: ("operations",),
    Role.ADMINISTRATOR: ("system-operators",),
}
INBOX_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")  # notify's own rule for a user id


async def _personal(api: Api, user: str) -> list[dict[str, Any]] | None:
    """The person's own inbox, if the notify configuration gives them one."""
    if not INBOX_NAME.match(user):
        return None
    try:
        return await api.get(f"/notify/users/{user}/inbox")
    except ApiError as error:
        if error.status == 404:
            return None
        raise


def inboxes_of(who: Visitor) -> tuple[str, ...]:
    """The shared inboxes the person reads: their organisation's, or their role's."""
    identity = who.identity
    if identity.provider_id is not None:
        return (f"provider-{identity.provider_id}",)
    return ROLE_INBOXES.get(identity.role, ())


async def notifications(api: Api, who: Visitor) -> list[dict[str, Any]]:
    """The person's notifications, newest first, read or unread by them."""
    if not who.is_provider:
        own = await _personal(api, who.identity.user)
        if own is not None:
            return own
    found: dict[str, dict[str, Any]] = {}
    for name in inboxes_of(who):
        for item in await api.get(f"/notify/inbox/{name}", reader=who.identity.user):
            found[item["notification_id"]] = item
    return sorted(found.values(), key=lambda item: item["delivered_at"], reverse=True)


@router.get("/inbox")
async def inbox(request: Request) -> Response:
    who = visitor(request)
    async with Api(request, who.token) as api:
        items = await notifications(api, who)
    return render(request, "inbox.html", who, items=items, reads_none=not (
        who.is_provider or inboxes_of(who)))


@router.get("/inbox/fragment")
async def inbox_fragment(request: Request) -> Response:
    """The list alone, for the page's live region to fetch again."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        items = await notifications(api, who)
    return render(request, "inbox_list.html", who, items=items)


@router.get("/inbox/changes")
async def inbox_changes(request: Request) -> Response:
    """Says when notify recorded something, for the page to fetch its list again."""
    visitor(request)
    return changes(request, ("notify",))


@router.post("/inbox/{notification_id}/read")
async def mark_read(request: Request, notification_id: UUID) -> Response:
    """Marks one notification read by the signed-in person."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        read = await api.post(f"/notify/notifications/{notification_id}/read", {})
    return done(INBOX, f"“{read['subject']}” marked as read")
