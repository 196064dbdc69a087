"""Signed webhooks for chat tools, over httpx.

The body is JSON with a `text` line (what chat tools show) and the delivery's id; it carries the
subject only, never the message body, because a chat channel is read by more people than an inbox.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx

from services.notify.domain.delivery import Outgoing
from services.notify.domain.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from shared.observability import tracing


class WebhookRefused(Exception):
    """The receiver answered with something other than success."""


class UnknownWebhook(Exception):
    """A delivery names a webhook the configuration no longer has."""


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str


def payload_for(outgoing: Outgoing) -> bytes:
    urgent = "URGENT: " if outgoing.urgent and not outgoing.subject.startswith("URGENT") else ""
    return json.dumps({
        "text": f"{urgent}{outgoing.subject} (Assure reference {outgoing.delivery_id})",
        "subject": outgoing.subject,
        "urgent": outgoing.urgent,
        "provider_id": outgoing.provider_id,
        "about": outgoing.about_event_type,
        "delivery_id": str(outgoing.delivery_id),
    }, separators=(",", ":")).encode()


class WebhookSender:
    """Posts signed JSON to the configured webhooks, one client for all of them."""

    def __init__(self, targets: dict[str, WebhookTarget], timeout: float = 30.0) -> None:
        self.targets = targets
        self.client = httpx.AsyncClient(timeout=timeout)

    async def send(self, name: str, outgoing: Outgoing) -> None:
        target = self.targets.get(name)
        if target is None:
            raise UnknownWebhook(f"no webhook named {name!r} is configured")
        body = payload_for(outgoing)
        timestamp = int(time.time())
        response = await self.client.post(target.url, content=body, headers={
            "Content-Type": "application/json",
            "User-Agent": "Assure-notify",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(target.secret, timestamp, body),
            DELIVERY_HEADER: str(outgoing.delivery_id),
            **tracing.headers(),  # the receiver may continue the trace
        })
        if not response.is_success:
            raise WebhookRefused(f"{name} answered HTTP {response.status_code}")

    async def close(self) -> None:
        await self.client.aclose()
