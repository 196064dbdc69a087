"""`GET /views` and `POST /views/{view}/rebuild`: how far the read models have read, and
rebuilding one from the streams while the system runs (`assure views rebuild`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.eventstore import NotFound

router = APIRouter(tags=["views"])


def _feed(request: Request) -> Any:
    feed = getattr(request.app.state, "governance_feed", None)
    if feed is None:
        raise NotFound("the reporting view does not run here")
    return feed


@router.get("/views")
async def views(request: Request) -> list[dict[str, Any]]:
    """Each read model of the composition root: its version and how far it has read."""
    return [await _feed(request).status()]


@router.post("/views/{view}/rebuild", status_code=202, response_model=None)
async def rebuild(request: Request, view: Literal["governance"]) -> JSONResponse:
    """Empties the view and reads every stream again from its first message (202); 409 if a
    rebuild is under way already."""
    feed = _feed(request)
    started = feed.rebuild_in_background()
    status = await feed.status()
    return JSONResponse(status, status_code=202 if started else 409)
