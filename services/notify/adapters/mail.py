"""E-mail: a real SMTP client (aiosmtplib), or .eml files in a folder when no server is set.

The messages themselves are written by mime.py.

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
from pathlib import Path

import aiosmtplib

from services.notify.adapters.mime import Email
from shared.at_rest import PRIVATE_FILE, Sealer, private_directory


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
    """Hands each message to an SMTP server over kept-open connections.

    A connection is opened once and reused for message after message: a new one costs three
    more round trips (greeting, EHLO, QUIT), each of which waits for the event loop. While
    messages come one at a time that is one connection; only messages sent at the same moment
    open more, up to `connections` (the dispatcher's concurrency: one connection carries one
    message at a time). The most recently used is reused first, so the others fall idle, and a
    connection idle for `idle_seconds` is closed with QUIT: no connection is held open for
    nothing, and servers that drop idle clients (many do, after a minute or so) rarely get to.
    """

    def __init__(self, server: SmtpServer, connections: int = 8,
                 idle_seconds: float = 15.0) -> None:
        self.server = server
        self.idle_seconds = idle_seconds
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []  # most recently used last
        self._slots = asyncio.Semaphore(connections)
        self._reaper: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def kept(self) -> int:
        """Connections open and idle, waiting for the next message."""
        return len(self._idle)

    async def send(self, message: Email) -> None:
        async with self._slots:
            client, kept = await self._client()
            try:
                try:
                    await _send(client, message)
                except aiosmtplib.SMTPException as error:
                    if not (kept and _dropped(error)):
                        raise
                    # The server dropped the kept connection while it was idle (a restart, or
                    # an idle timeout shorter than ours) before we noticed: once more on a new
                    # one. Should it have dropped it after accepting the message, the copy has
                    # the same Message-ID, as a resend after a crash has (domain/delivery.py).
                    client.close()
                    client = await self._connect()
                    await _send(client, message)
            except BaseException:
                client.close()
                raise
            self._keep(client)

    async def _client(self) -> tuple[aiosmtplib.SMTP, bool]:
        """A kept connection (True) if one is still open, else a new one (False)."""
        while self._idle:
            client, _ = self._idle.pop()
            if client.is_connected:
                return client, True
            client.close()
        return await self._connect(), False

    def _keep(self, client: aiosmtplib.SMTP) -> None:
        self._idle.append((client, time.monotonic()))
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().call_later(self.idle_seconds, self._reap)

    def _reap(self) -> None:
        """Closes the connections idle for `idle_seconds`; looks again when the next will be."""
        self._reaper = None
        cutoff = time.monotonic() - self.idle_seconds
        expired = [client for client, since in self._idle if since <= cutoff]
        self._idle = [(client, since) for client, since in self._idle if since > cutoff]
        for client in expired:
            task = asyncio.create_task(_quit(client))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        if self._idle:
            oldest = min(since for _, since in self._idle)
            self._reaper = asyncio.get_running_loop().call_later(
                max(oldest + self.idle_seconds - time.monotonic(), 0.0), self._reap)

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
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        while self._idle:
            client, _ = self._idle.pop()
            await _quit(client)
        if self._closing:
            await asyncio.wait(self._closing)


async def _send(client: aiosmtplib.SMTP, message: Email) -> None:
    # The message is 7-bit ASCII (mime.py), so it needs no 8BITMIME; an address that is not
    # needs SMTPUTF8, as aiosmtplib's send_message would ask for it.
    utf8 = not (message.sender + "".join(message.recipients)).isascii()
    await client.sendmail(message.sender, list(message.recipients), message.data,
                          mail_options=["SMTPUTF8"] if utf8 else [])


def _dropped(error: aiosmtplib.SMTPException) -> bool:
    """The server closed the connection: gone, or a 421 reply (RFC 5321: closing the channel)."""
    return isinstance(error, aiosmtplib.SMTPServerDisconnected) or (
        isinstance(error, aiosmtplib.SMTPResponseException) and error.code == 421)


async def _quit(client: aiosmtplib.SMTP) -> None:
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

    async def send(self, message: Email) -> None:
        await asyncio.to_thread(self._write, message)

    async def close(self) -> None:
        """Nothing to close: each message is a file."""

    def _write(self, message: Email) -> None:
        self._store(f"{message.delivery_id}.eml", self.sealer.seal(message.data))

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
