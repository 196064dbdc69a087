"""Live pages: a stream of server-sent events per page that says when the records behind the
page changed, so the page fetches its list again (static/live.js) instead of every 5 seconds.

What changed is read from the stores' positions: a service's last notification id moves with
every event it records, and its views catch up with the store when they are read, so a list
fetched after the signal shows the change. The signal carries nothing but its position: the
list itself is fetched as the page's own fragment, through the API's guard, as before.

sse-starlette rather than Starlette's StreamingResponse: it ends open streams when uvicorn is
told to stop (Ctrl-C, SIGTERM), where uvicorn would otherwise wait for every open response and
hang; it ends a stream when the browser goes away, and sends the keep-alive comments proxies
need. Positions are looked at each second: one indexed read of a number per service, cheaper
than the full list the page used to fetch every 5 seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import Request
from sse_starlette import EventSourceResponse

from assure.console.client import ApiError
from assure.console.session import Visitor, signed_in
from shared.security.permissions import rule_for

EVERY = 1.0  # seconds between looks at the stores' positions
KEEP_ALIVE = 15  # seconds between comments that keep proxies from closing a quiet stream


def positions(request: Request, services: Sequence[str]) -> str:
    """Where each named store is: changes whenever any of them records an event."""
    apps: dict[str, Any] = request.app.state.services
    return ".".join(str(apps[name].recorder.max_notification_id() or 0)
                    for name in services if name in apps)


async def stores_at(request: Request, services: Sequence[str]) -> str:
    """Where the stores were before a page read its list: the page keeps it (data-live-seen),
    and its stream's first event, at the same place, fetches nothing again. Without it every
    load of a live page was followed by a second of its list (the dashboard's page, twice)."""
    return await asyncio.to_thread(positions, request, services)


def changes(request: Request, who: Visitor, reads: str,
            services: Sequence[str]) -> EventSourceResponse:
    """The page's stream, for those the access matrix lets read the API route its list comes
    from (`reads`): a `changed` event at once (what changed between the page's answer and the
    stream opening, or while a dropped stream was away), then one at each change. It ends when
    the session does, the browser goes or the server stops."""
    rule = rule_for("GET", reads)
    if rule is None or not rule.allows(who.identity.role):
        raise ApiError(403, "Your role cannot see what this page lists.")

    async def stream() -> AsyncIterator[dict[str, str]]:
        seen = None
        while True:
            now = await asyncio.to_thread(positions, request, services)
            if now != seen:
                if seen is not None and not await asyncio.to_thread(signed_in, request):
                    return  # signed out elsewhere: the page's next fetch finds it so
                seen = now
                yield {"event": "changed", "id": now, "data": now}
            await asyncio.sleep(EVERY)

    return EventSourceResponse(stream(), ping=KEEP_ALIVE,
                               headers={"Cache-Control": "no-store"})
