"""E-mail: a real SMTP client (aiosmtplib), or .eml files in a folder when no server is set.

aiosmtplib rather than the standard library's smtplib: the dispatcher runs in the service's
event loop, and a blocking smtplib call would need a worker thread from the same small default
pool that the consumers use for every event-store call, so a slow mail server could stall the
consumption of events. aiosmtplib sends without holding a thread, with a timeout on each step.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import aiosmtplib

from services.notify.domain.delivery import Outgoing
from shared.at_rest import PRIVATE_FILE, Sealer, private_directory

FOOTER = (
    "\n\n--\nSent by Assure for the contract monitoring team, from the team's shared mailbox. "
    "Reference {reference}."
)


def email_for(outgoing: Outgoing, sender: str, now: datetime | None = None) -> EmailMessage:
    """The message as sent: plain text, UK wording, and headers that identify a resend."""
    message = EmailMessage()
    message["From"] = sender
    message["Reply-To"] = sender
    message["To"] = ", ".join(outgoing.addresses)
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    # The same Message-ID on every attempt: a copy sent after a crash is a duplicate by RFC 5322.
    message["Message-ID"] = outgoing.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message["X-Assure-Delivery"] = str(outgoing.delivery_id)
    message["X-Assure-Event-Type"] = outgoing.about_event_type
    message["X-Assure-Event-Id"] = outgoing.about_event_id  # the event it tells of, for tracing
    if outgoing.urgent:
        message["Importance"] = "high"
        message["X-Priority"] = "1"
    message.set_content(outgoing.body + FOOTER.format(reference=outgoing.delivery_id))
    return message


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand messages over; `tls` is auto, starttls, tls or none."""

    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    tls: str = "auto"
    timeout: float = 30.0


class SmtpMailer:
    """Hands each message to an SMTP server over a few kept-open connections.

    A connection is reused while it has been idle for less than `idle_seconds`: a new one costs
    three more round trips (greeting, EHLO, QUIT), each of which waits for the event loop. A kept
    connection the server has closed meanwhile is replaced once, before anything was sent on it.
    """

    def __init__(self, server: SmtpServer, connections: int = 8,
                 idle_seconds: float = 15.0) -> None:
        self.server = server
        self.idle_seconds = idle_seconds
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._slots = asyncio.Semaphore(connections)

    async def send(self, message: EmailMessage) -> None:
        async with self._slots:
            client = await self._client()
            try:
                try:
                    await client.send_message(message)
                except aiosmtplib.SMTPServerDisconnected:
                    client.close()  # closed while idle: the message never left
                    client = await self._connect()
                    await client.send_message(message)
            except BaseException:
                client.close()
                raise
            self._idle.append((client, time.monotonic()))

    async def _client(self) -> aiosmtplib.SMTP:
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and time.monotonic() - since < self.idle_seconds:
                return client
            client.close()
        return await self._connect()

    async def _connect(self) -> aiosmtplib.SMTP:
        server = self.server
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username or None,
            password=server.password or None,
            use_tls=server.tls == "tls",
            start_tls={"starttls": True, "none": False}.get(server.tls),
            timeout=server.timeout,
        )
        await client.connect()
        return client

    async def close(self) -> None:
        while self._idle:
            client, _ = self._idle.pop()
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
            client.close()


class FolderMailer:
    """Writes each message to `<folder>/<delivery id>.eml`: nothing leaves the machine.

    A resend after a crash overwrites the same file, so the folder holds one copy of each. With
    a cipher key configured the file is sealed (shared/at_rest.py; `assure unseal` reads one).
    """

    def __init__(self, folder: Path, sealer: Sealer | None = None) -> None:
        self.folder = folder
        self.sealer = sealer or Sealer([], "mail")

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)

    async def close(self) -> None:
        """Nothing to close: each message is a file."""

    def _write(self, message: EmailMessage) -> None:
        self._store(f"{message['X-Assure-Delivery']}.eml", self.sealer.seal(bytes(message)))

    def _store(self, name: str, stored: bytes) -> None:
        private_directory(self.folder)
        partial = self.folder / f".{name}.partial"
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE),
                  "wb") as handle:
            handle.write(stored)
        os.replace(partial, self.folder / name)

    def read(self, path: Path) -> bytes:
        """A spooled message as it was written, opened if sealed."""
        return self.sealer.open_(path.read_bytes())

    def reseal(self) -> int:
        """Seals every message under the current key that is not (key rotation)."""
        count = 0
        for path in sorted(self.folder.glob("*.eml")):
            if (resealed := self.sealer.resealed(path.read_bytes())) is not None:
                self._store(path.name, resealed)
                count += 1
        return count
