"""Real receivers for notify's tests: an SMTP server (aiosmtpd) and a webhook endpoint.

Helpers, not tests (they live here because tests/support.py belongs to the whole suite). The SMTP
sink speaks the real protocol on a free loopback port and keeps every message it accepted, with
the connection it came over; it can be told to refuse messages with a real SMTP error, and be
restarted, dropping its open connections. The webhook receiver is a Starlette app under
uvicorn that checks each request's signature as a chat tool would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.notify.domain.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from shared.nats_server import free_port


@dataclass
class Received:
    message: EmailMessage
    recipients: list[str]
    at: float  # time.time() when the server accepted it
    connection: int = 0  # which connection it came over, counted from 1 as they were opened

    @property
    def text(self) -> str:
        return self.message.get_content()


class SmtpSink:
    """An SMTP server's DATA handler that keeps what it accepts (or refuses, when told to)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.refused = 0
        self.connections: list[SMTP] = []  # every connection the server accepted, in order
        self.quits = 0  # connections the client closed politely (QUIT)
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_with:
            self.refused += 1
            return self.refuse_with
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        with self._lock:
            self.received.append(Received(message, list(envelope.rcpt_tos), time.time(),
                                          self.connections.index(server) + 1))
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            self.quits += 1
        return "221 Bye"

    def open_connections(self) -> int:
        """Connections the server still holds open."""
        with self._lock:
            return sum(1 for smtp in self.connections if smtp.transport is not None)

    def restart(self) -> None:
        """Stops the server, dropping every open connection as a real restart does, and starts
        it again on the same port (aiosmtpd's stop alone leaves open connections served)."""
        controller = self._controller
        assert controller is not None
        dropped = threading.Event()

        def drop() -> None:
            for smtp in self.connections:
                if smtp.transport is not None:
                    smtp.transport.abort()
            dropped.set()

        controller.loop.call_soon_threadsafe(drop)
        dropped.wait(10)
        controller.stop()
        self._serve(controller.hostname, controller.port)

    def _serve(self, host: str, port: int) -> None:
        sink = self

        class Counted(Controller):
            def factory(self) -> SMTP:
                smtp = super().factory()
                with sink._lock:
                    sink.connections.append(smtp)
                return smtp

        self._controller = Counted(self, hostname=host, port=port)
        before = len(self.connections)
        self._controller.start()
        with self._lock:  # start() connects once itself, to see the server answer
            del self.connections[before:]

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self, subject_contains: str = "") -> list[Received]:
        with self._lock:
            return [r for r in self.received if subject_contains in str(r.message["Subject"])]

    def distinct(self) -> set[str]:
        """Message-IDs received: a copy sent again after a crash has the same one."""
        with self._lock:
            return {str(r.message["Message-ID"]) for r in self.received}


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    """A real SMTP server on a free loopback port, for the duration of the block."""
    sink = SmtpSink()
    port = free_port()
    sink._serve("127.0.0.1", port)
    try:
        yield sink, port
    finally:
        sink.stop()


@dataclass
class Hook:
    body: dict[str, Any]
    delivery_id: str
    signed: bool
    traceparent: str | None = None  # the W3C trace context it came with, if any


@dataclass
class WebhookReceiver:
    """Keeps every request with whether its signature checked out."""

    secret: str
    status: int = 200
    hooks: list[Hook] = field(default_factory=list)

    async def receive(self, request: Request) -> Response:
        raw = await request.body()
        signed = verify(self.secret, request.headers.get(TIMESTAMP_HEADER, ""), raw,
                        request.headers.get(SIGNATURE_HEADER, ""), time.time())
        self.hooks.append(Hook(json.loads(raw), request.headers.get(DELIVERY_HEADER, ""),
                               signed, request.headers.get("traceparent")))
        return Response(status_code=self.status if signed else 401)


@contextlib.asynccontextmanager
async def webhook_receiver(secret: str) -> AsyncIterator[tuple[WebhookReceiver, str]]:
    """A webhook endpoint on a free loopback port; yields the receiver and its URL."""
    receiver = WebhookReceiver(secret)
    app = Starlette(routes=[Route("/hook", receiver.receive, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield receiver, f"http://127.0.0.1:{port}/hook"
    finally:
        server.should_exit = True
        await task


SECRET = "not-a-real-secret"
DUTY = "duty@council.test"
CARE_HOMES = "care-homes@council.test"
CONTRACTS = "contracts@council.test"


def notify_settings(settings: Any, tmp_path: Any, smtp_port: int | None,
                    webhook_url: str = "http://127.0.0.1:9/none", **overrides: Any) -> Any:
    """The test's settings with a notify configuration file, an SMTP server and a webhook."""
    config = {
        "sender": "Contract Monitoring Team <monitoring@council.test>",
        "contacts": {
            "operations": {"email": [DUTY], "webhooks": ["ops-chat"],
                           "by_service_type": {"care-home": {"email": [CARE_HOMES]}}},
            "contract-manager": {"email": [CONTRACTS]},
            "provider": {"email": ["returns@{provider_id}.test"]},
            "locality-manager": {"email": ["localities@council.test"],
                                 "by_locality": {"north": {"email": ["north@council.test"]}}},
        },
        "webhooks": {"ops-chat": {"url": webhook_url, "secret": SECRET}},
        **overrides.pop("config", {}),
    }
    path = tmp_path / "notify.json"
    path.write_text(json.dumps(config))
    return settings.model_copy(update={
        "notify_config_file": path, "smtp_host": "127.0.0.1" if smtp_port else None,
        "smtp_port": smtp_port or 25, "smtp_tls": "none", "notify_retry_seconds": 0.05,
        "notify_max_attempts": 3, "notify_send_timeout_seconds": 1.0, **overrides,
    })
