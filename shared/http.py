"""What every service's HTTP routes share: error answers, correlation ids, operator routes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contracts.envelope import PROVIDER_ID_PATTERN
from shared.dead_letter import DeadLetterAlreadyReplayed
from shared.domain import InvalidInput, Missing, Refused
from shared.eventstore import NotFound, ServiceApplication
from shared.observability import context as correlation
from shared.uk_types import IsoDate, IsoDateTime
from shared.views.paging import Page, Paging

__all__ = ["IsoDate", "IsoDateTime"]  # defined with the UK's ways of writing dates

# What a 422 echoes of the input, at most: enough to recognise it, never the whole of it.
ECHOED = 100
MEGABYTE = 1024 * 1024


# The dependencies below do no I/O, so they are coroutines: FastAPI runs a plain function
# dependency in its thread pool, a hand-over to a thread and back for every request (issue 16).


def application_of(service: str) -> Callable[[Request], Any]:
    """A dependency handing a route its service's application."""

    async def dependency(request: Request) -> ServiceApplication:
        return request.app.state.services[service]

    return dependency


def reading_the_clock(service: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency that reads the council's date afresh before a route of the service runs, so
    a date an administrator just set is the date every service acts on (shared/clock.py)."""

    async def dependency(request: Request) -> None:
        await request.app.state.services[service].clock.current()

    return dependency


async def correlation_id(
    x_correlation_id: Annotated[str | None, Header(max_length=100)] = None,
) -> str:
    # The id the request is handled (and logged) under, when the gateway has set one.
    return x_correlation_id or correlation.current() or uuid.uuid4().hex


CorrelationId = Annotated[str, Depends(correlation_id)]


def install_error_handlers(app: FastAPI) -> None:
    """Domain refusals become clear 4xx answers naming the field, never a 500."""

    @app.exception_handler(InvalidInput)
    async def invalid(_: Request, error: InvalidInput) -> JSONResponse:
        detail = [
            {"loc": ["body", *field.split(".")] if field else ["body"], "msg": message}
            for field, message in error.problems
        ]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(Refused)
    async def refused(_: Request, error: Refused) -> JSONResponse:
        return JSONResponse(
            status_code=409, content={"detail": error.message, "field": error.field}
        )

    @app.exception_handler(Missing)
    async def missing(_: Request, error: Missing) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": error.message})

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(DeadLetterAlreadyReplayed)
    async def replayed(_: Request, error: DeadLetterAlreadyReplayed) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": "already replayed"})

    @app.exception_handler(RequestValidationError)
    async def unreadable(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={
            "detail": [_shortened(problem) for problem in error.errors()]})

    app.add_middleware(TooLargeAsJson)


def _cut(text: str) -> str:
    return text if len(text) <= ECHOED else text[:ECHOED] + "…"


def _shortened(problem: Mapping[str, Any]) -> dict[str, Any]:
    """One validation problem, echoing at most a short prefix of what was sent (a 10 MB name
    must not come back as a 10 MB answer); a long object or list is echoed as its text, cut."""
    found = dict(jsonable_encoder(problem))
    found["loc"] = [_cut(part) if isinstance(part, str) else part for part in found["loc"]]
    sent = found.get("input")
    if isinstance(sent, str):
        found["input"] = _cut(sent)
    elif isinstance(sent, dict | list) and len(text := json.dumps(sent)) > ECHOED:
        found["input"] = _cut(text)
    return found


class TooLargeAsJson:
    """A body over a route's size limit is answered 413 in JSON, like every other refusal
    (Starlette's limiter answers in plain text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def sending(message: Message) -> None:
            nonlocal replaced
            if _plain_too_large(message):
                replaced = True
                body = json.dumps({"detail": _too_large(scope)}).encode()
                await send({"type": "http.response.start", "status": 413, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
            elif not replaced:
                await send(message)

        await self.app(scope, receive, sending)


def _too_large(scope: Scope) -> str:
    # The limiter answers while the route's own limit is still in the scope: name it.
    limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY)
    if not isinstance(limit, int):
        return ("the request is too large for this route (most take 1 MB; an evidence file "
                "10 MB; an import file 20 MB)")
    return (f"the request is too large: this route takes at most {limit // MEGABYTE} MB "
            f"({limit:,} bytes)")


def _plain_too_large(message: Message) -> bool:
    if message["type"] != "http.response.start" or message["status"] != 413:
        return False
    return dict(message.get("headers", [])).get(b"content-type", b"").startswith(b"text/plain")


def paging_of(
    limit: Annotated[int | None, Query(ge=1, le=1000, description="At most this many (all when "
                                       "not given); X-Total-Count says how many there are")]
    = None,
    offset: Annotated[int, Query(ge=0, le=10**9, description="After skipping this many")] = 0,
) -> Paging:
    """A long list's page, from the query: every item unless a limit is given."""
    return Paging(limit, offset)


PageOf = Annotated[Paging, Depends(paging_of)]

MOST_PROVIDERS_ASKED = 200  # a page's worth and more; the lists themselves are paged

ProviderIds = Annotated[list[str] | None, Query(
    alias="provider_id", max_length=MOST_PROVIDERS_ASKED,
    description="Only these providers (repeat the parameter; unknown ones are left out): what "
                "a page showing a few providers asks, rather than the whole list")]


def counted(response: Response, page: Page[Any]) -> list[Any]:
    """The page's items, with the whole list's size (and any other counts) in headers."""
    response.headers["X-Total-Count"] = str(page.total)
    for name, count in page.counts.items():
        response.headers[f"X-{name.title()}-Count"] = str(count)
    return list(page.items)


ProviderId = Annotated[str, Path(pattern=PROVIDER_ID_PATTERN, description="The provider's id")]


def reader_of(
    request: Request,
    named: Annotated[str | None, Header(alias="X-Assure-User", min_length=1, max_length=200,
                                        description="Who is reading, when sign-in is off")]
    = None,
) -> str | None:
    """Who is reading: the signed-in person when sign-in is on (the guard names them; a header
    cannot claim to be someone else), else whoever the header names."""
    identity = getattr(request.state, "identity", None)
    return identity.display if identity is not None else named


def known_provider(apps: Mapping[str, ServiceApplication], provider_id: str) -> None:
    """Missing (404) for a provider no service holds anything about: its history is not read,
    and so no read of it is recorded."""
    if not any(app.has_any_under(f"provider:{provider_id}") for app in apps.values()):
        raise Missing(f"no provider is known by the id {provider_id!r}")


def operations_router(service: str) -> APIRouter:
    """History and dead-letter routes every service offers."""
    router = APIRouter(tags=[service])
    # A default, not an Annotated alias: this module's annotations are strings, and a local
    # alias could not be resolved by FastAPI.
    app_of_service = Depends(application_of(service))
    reader_of_request = Depends(reader_of)
    paging_of_query = Depends(paging_of)

    @router.get("/providers/{provider_id}/history", summary=f"{service} events about a provider")
    def history(
        request: Request, provider_id: ProviderId, app: ServiceApplication = app_of_service,
        reader: str | None = reader_of_request,
    ) -> list[dict[str, Any]]:
        # Known to any service, not only this one: this one may not have heard of it yet.
        known_provider(request.app.state.services, provider_id)
        # Each read of a history is itself recorded, in this service's own store.
        app.record_read(provider_id, reader or "unidentified reader", f"{service} history")
        return app.history(provider_id)

    @router.get("/dead-letters", summary="Messages parked after repeated failures")
    def dead_letters(
        response: Response, paging: Paging = paging_of_query,
        app: ServiceApplication = app_of_service,
    ) -> list[dict[str, Any]]:
        """Oldest first, from the dead-letters view; paged with `limit` and `offset`."""
        return counted(response, app.dead_letters(paging))

    @router.post("/dead-letters/{letter_id}/replay", summary="Apply a parked message again")
    def replay(letter_id: UUID, app: ServiceApplication = app_of_service) -> dict[str, Any]:
        outcome = app.replay_dead_letter(letter_id)
        return {"replayed": str(letter_id), "new_events": outcome.new_events}

    return router
