"""What every service's HTTP routes share: error answers, correlation ids, operator routes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator

from shared.contracts.envelope import PROVIDER_ID_PATTERN
from shared.dead_letter import DeadLetterAlreadyReplayed
from shared.domain import InvalidInput, Missing, Refused
from shared.eventstore import NotFound, ServiceApplication


def application_of(service: str) -> Callable[[Request], Any]:
    """A dependency handing a route its service's application."""

    def dependency(request: Request) -> ServiceApplication:
        return request.app.state.services[service]

    return dependency


def correlation_id(
    x_correlation_id: Annotated[str | None, Header(max_length=100)] = None,
) -> str:
    return x_correlation_id or uuid.uuid4().hex


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


ProviderId = Annotated[str, Path(pattern=PROVIDER_ID_PATTERN, description="The provider's id")]


def _written_as_a_date(value: Any) -> Any:
    # pydantic would read "0" or 20261123 as a date counted from 1970; a person writes one.
    if not isinstance(value, date) and not (
            isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("a date is written YYYY-MM-DD, e.g. 2026-11-23")
    return value


# A date in a query string or body, as an officer writes it: 2026-11-23.
IsoDate = Annotated[date, BeforeValidator(_written_as_a_date)]


def _written_as_a_moment(value: Any) -> Any:
    if not isinstance(value, datetime) and not (
            isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value)):
        raise ValueError("a moment is written YYYY-MM-DDTHH:MM with its zone, e.g. "
                         "2026-11-23T10:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_written_as_a_moment)]


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


def operations_router(service: str) -> APIRouter:
    """History and dead-letter routes every service offers."""
    router = APIRouter(tags=[service])
    # A default, not an Annotated alias: this module's annotations are strings, and a local
    # alias could not be resolved by FastAPI.
    app_of_service = Depends(application_of(service))
    reader_of_request = Depends(reader_of)

    @router.get("/providers/{provider_id}/history", summary=f"{service} events about a provider")
    def history(
        provider_id: ProviderId, app: ServiceApplication = app_of_service,
        reader: str | None = reader_of_request,
    ) -> list[dict[str, Any]]:
        # Each read of a history is itself recorded, in this service's own store.
        app.record_read(provider_id, reader or "unidentified reader", f"{service} history")
        return app.history(provider_id)

    @router.get("/dead-letters", summary="Messages parked after repeated failures")
    def dead_letters(app: ServiceApplication = app_of_service) -> list[dict[str, Any]]:
        return [
            {
                "id": str(letter.id),
                "upstream": letter.upstream,
                "subject": letter.subject,
                "error": letter.error,
                "attempts": letter.attempts,
                "parked_at": letter.created_on.isoformat(),
                "replayed": letter.replayed,
            }
            for letter in app.dead_letters()
        ]

    @router.post("/dead-letters/{letter_id}/replay", summary="Apply a parked message again")
    def replay(letter_id: UUID, app: ServiceApplication = app_of_service) -> dict[str, Any]:
        outcome = app.replay_dead_letter(letter_id)
        return {"replayed": str(letter_id), "new_events": outcome.new_events}

    return router
