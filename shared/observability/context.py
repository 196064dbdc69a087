"""The correlation id of what is being handled now: an HTTP request or a consumed message.

Set by the gateway's middleware for each request (from `X-Correlation-Id`, or a new one) and by
the consumers for each message (the envelope's), read by the routes (so the events a request
records carry it) and by every log line written meanwhile.
"""

from __future__ import annotations

import contextvars
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-correlation-id"
# What a caller may name its own correlation id with: enough for uuids and trace ids.
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,100}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id",
                                                                      default=None)


def current() -> str | None:
    return _current.get()


def begin(correlation_id: str | None = None) -> contextvars.Token[str | None]:
    """Starts handling something under this correlation id (a new one if none is given)."""
    return _current.set(correlation_id or uuid.uuid4().hex)


def end(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


class Correlated:
    """Each HTTP request is handled under the caller's `X-Correlation-Id` (when it is a sane
    one) or a new id, which the answer names in the same header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER, b"").decode("latin-1")
        token = begin(given if ACCEPTED.fullmatch(given) else None)
        chosen = (current() or "").encode()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((HEADER, chosen))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            end(token)
