"""The notifications inbox: what notify told the signed-in person, newest first, a page at a
time (or the unread ones alone), how many are unread, each one markable as read and all of
them at once, kept current without a reload.

Each person reads their own inbox, as notify gathers it from who the token says they are: a
provider's users their organisation's; a council member with an inbox in the notify
configuration theirs; anyone else their role's list and their own, an officer only the
providers whose contracts name them. Read and unread are kept for each person alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assure.console.client import Api
from assure.console.live import changes
from assure.console.paging import Paging, page_number
from assure.console.plain_words import Plain, provider_names
from assure.console.rendering import render
from assure.console.session import Visitor, done, visitor
from services.notify.entrypoints.inbox_roles import ROLE_INBOXES

router = APIRouter()

INBOX = "/console/inbox"
INBOX_PAGE = 25  # notifications to a page
UNREAD = "unread"  # `show`: the unread ones alone


@dataclass(frozen=True)
class Shown:
    """Which page of the inbox is shown, and whether of the unread notifications alone."""

    page: int = 1
    unread: bool = False

    @classmethod
    def asked(cls, page: str, show: str) -> Shown:
        """What the address asks for; anything else is the first page of every notification."""
        return cls(page_number(page), show == UNREAD)

    def query(self) -> dict[str, str]:
        return {"show": UNREAD if self.unread else ""}

    def asked_for(self) -> str:
        """The page and the filter as an address's query ("" for the first page of all)."""
        kept = {**self.query(), "page": str(self.page) if self.page > 1 else ""}
        return urlencode({k: v for k, v in kept.items() if v})

    def address(self, path: str = INBOX) -> str:
        """The address of this page (of the list alone, at its fragment's path)."""
        query = self.asked_for()
        return f"{path}?{query}" if query else path


def reads_none(who: Visitor) -> bool:
    """Whether notify's rules address nobody in the person's role (auditors)."""
    return not who.is_provider and who.identity.role not in ROLE_INBOXES


async def notifications(api: Api, shown: Shown) -> tuple[list[dict[str, Any]], Paging, int]:
    """A page of the person's notifications, newest first, read or unread by them (notify knows
    whose they are from the token: services/notify/application/readers.py), with the paging
    and how many of the whole inbox are unread, as notify counts them."""
    paging = Paging(shown.page, 0, INBOX_PAGE, INBOX, shown.query(), "Pages of notifications")
    items, paging, unread = await _page(api, shown, paging)
    if not items and paging.number > paging.pages:  # past the end: show the last page
        items, paging, unread = await _page(api, shown, replace(paging, number=paging.pages))
    return items, paging, unread


async def _page(api: Api, shown: Shown,
                paging: Paging) -> tuple[list[dict[str, Any]], Paging, int]:
    answer = await api.raw("/notify/inbox", limit=paging.size, offset=paging.offset,
                           unread="true" if shown.unread else "")
    return (answer.json(), replace(paging, total=int(answer.headers["x-total-count"])),
            int(answer.headers["x-unread-count"]))


async def told_plainly(api: Api, who: Visitor, shown: Shown) -> dict[str, Any]:
    """A page of the person's notifications in plain words (the page's providers named, no
    references for machines in their subjects and bodies), for the list's template."""
    items, paging, unread = await notifications(api, shown)
    plain = Plain(await provider_names(api, who, {item["provider_id"] for item in items}))
    return {"items": [{**item, "subject": plain.text(item.get("subject") or ""),
                       "body": plain.text(item.get("body") or ""),
                       "provider": plain.name(item["provider_id"])} for item in items],
            "paging": paging, "unread": unread, "shown": replace(shown, page=paging.number)}


@router.get("/inbox")
async def inbox(request: Request, page: str = "", show: str = "") -> Response:
    who = visitor(request)
    shown = Shown.asked(page, show)
    async with Api(request, who.token) as api:
        listed = (await told_plainly(api, who, shown) if not reads_none(who)
                  else {"shown": shown})
    return render(request, "inbox.html", who, reads_none=reads_none(who), **listed)


@router.get("/inbox/fragment")
async def inbox_fragment(request: Request, page: str = "", show: str = "") -> Response:
    """The list alone (the page asked for), for the page's live region to fetch again."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        listed = await told_plainly(api, who, Shown.asked(page, show))
    return render(request, "inbox_list.html", who, **listed)


@router.get("/inbox/changes")
async def inbox_changes(request: Request) -> Response:
    """Says when notify recorded something, for the page to fetch its list again."""
    return changes(request, visitor(request), "/notify/inbox", ("notify",))


@router.post("/inbox/read")
async def mark_all_read(request: Request, show: str = "") -> Response:
    """Marks every notification in the signed-in person's inbox read by them."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        marked = (await api.post("/notify/inbox/read", {}))["marked"]
    return done(Shown.asked("", show).address(),
                f"{marked} {'notification' if marked == 1 else 'notifications'} marked as read")


@router.post("/inbox/{notification_id}/read")
async def mark_read(request: Request, notification_id: UUID, page: str = "",
                    show: str = "") -> Response:
    """Marks one notification read by the signed-in person; back to the page it was on."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        read = await api.post(f"/notify/notifications/{notification_id}/read", {})
        plain = Plain(await provider_names(api, who, {read["provider_id"]}))
    return done(Shown.asked(page, show).address(),
                f"“{plain.text(read['subject'])}” marked as read")
