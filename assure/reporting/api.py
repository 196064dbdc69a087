"""`GET /views` and `POST /views/{view}/rebuild`: how far every read model has read, and
rebuilding one (or a service's every view) while the system runs (`assure views rebuild`).

The governance view is fed from the streams (assure/reporting/feed.py); each service's views
from the service's own store (shared/views/store.py).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from shared.eventstore import NotFound

router = APIRouter(tags=["views"])

GOVERNANCE = "governance"
EVERY = "all"


async def _statuses(request: Request) -> list[dict[str, Any]]:
    found = []
    feed = getattr(request.app.state, "governance_feed", None)
    if feed is not None:
        found.append(await feed.status())
    for service in request.app.state.services.values():
        found += await asyncio.to_thread(service.views.status)
    return found


@router.get("/views")
async def views(request: Request) -> list[dict[str, Any]]:
    """Each read model: the governance report's, then each service's, with its version and
    how far it has read (its stream's messages, or its store's events)."""
    return await _statuses(request)


@router.post("/views/{view}/rebuild", status_code=202, response_model=None)
async def rebuild(
    request: Request, view: str,
    service: Annotated[str | None, Query(description="The service whose views to rebuild: "
                                         "`view` is one of its views, or `all`.")] = None,
) -> JSONResponse:
    """Empties the view and reads its source again from the start (202), while the system
    runs; 409 if a rebuild of it is under way already. `governance` reads every stream;
    with `service`, a view of that service (or `all` of them) reads the service's store."""
    if service is None:
        if view != GOVERNANCE:
            raise NotFound(f"no view called {view!r}: name its service "
                           f"(?service=intake) or ask for {GOVERNANCE!r}")
        feed = getattr(request.app.state, "governance_feed", None)
        if feed is None:
            raise NotFound("the reporting view does not run here")
        started = feed.rebuild_in_background()
        return JSONResponse([await feed.status()], status_code=202 if started else 409)
    app = request.app.state.services.get(service)
    if app is None:
        raise NotFound(f"no service called {service!r}")
    try:
        started = app.views.rebuild_in_background(None if view == EVERY else view)
    except LookupError as error:
        raise NotFound(str(error)) from None
    found = [s for s in await asyncio.to_thread(app.views.status)
             if view in (EVERY, s["view"])]
    return JSONResponse(found, status_code=202 if started else 409)
