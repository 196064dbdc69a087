"""One active relay per service, however many instances run: a lease in a JetStream KV bucket.

Several instances of a service share one event store, and each would otherwise publish the same
outbox. The instance holding the service's lease relays; the others wait. The lease is a key
in a key-value bucket whose entries expire `ttl` seconds after their last write, so a holder
that dies (SIGKILL, a lost machine) frees it within `ttl`; the holder renews it every `ttl / 3`.

A holder is named by its instance (`ASSURE_INSTANCE_ID`, by default the host and data
directory), so an instance restarted after a crash takes its own lease straight back.

The lease is for efficiency, not for correctness: should two relays overlap (a holder paused
past its ttl), JetStream's duplicate window and the expected-last-message-id check still keep
every event in the stream once and in order (relay.py).
"""

from __future__ import annotations

import contextlib
import logging
import uuid

from nats.js.api import KeyValueConfig, StorageType
from nats.js.client import JetStreamContext
from nats.js.errors import (
    BadRequestError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)
DEFAULT_TTL_SECONDS = 10.0


def bucket_name(namespace: str) -> str:
    """`<NAMESPACE>_LEASES`, or `ASSURE_LEASES` with no namespace."""
    return f"{namespace.upper()}_LEASES" if namespace else "ASSURE_LEASES"


class Lease:
    """The right to do one job (`name`) alone, renewed while held."""

    def __init__(self, js: JetStreamContext, bucket: str, name: str,
                 ttl: float = DEFAULT_TTL_SECONDS, holder: str | None = None,
                 replicas: int = 1) -> None:
        self.js = js
        self.bucket = bucket
        self.name = name
        self.ttl = ttl
        self.holder = holder or uuid.uuid4().hex
        self.replicas = replicas
        self.revision: int | None = None
        self._kv: KeyValue | None = None

    @property
    def renew_every(self) -> float:
        return self.ttl / 3

    @property
    def held(self) -> bool:
        return self.revision is not None

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self.js.key_value(self.bucket)
            except (NotFoundError, BadRequestError):
                config = KeyValueConfig(bucket=self.bucket, ttl=self.ttl, history=1,
                                        storage=StorageType.FILE, replicas=self.replicas)
                self._kv = await self.js.create_key_value(config)
        return self._kv

    async def acquire(self) -> bool:
        """Takes the lease if nobody holds it, or if it is this holder's own from before a
        restart; True if this holder has it now."""
        kv = await self._bucket()
        try:
            self.revision = await kv.create(self.name, self.holder.encode())
        except KeyWrongLastSequenceError:
            self.revision = await self._reclaim(kv)
        except KeyNotFoundError:
            # nats-py's create looks the key up after a clash; it expired in between: free.
            self.revision = None
        return self.held

    async def _reclaim(self, kv: KeyValue) -> int | None:
        try:
            entry = await kv.get(self.name)
        except KeyNotFoundError:
            return None
        if entry.value != self.holder.encode() or entry.revision is None:
            return None
        try:
            return await kv.update(self.name, self.holder.encode(), last=entry.revision)
        except KeyWrongLastSequenceError:
            return None

    async def renew(self) -> bool:
        """Keeps the lease; False (and no longer held) if someone else has taken it."""
        if self.revision is None:
            return await self.acquire()
        kv = await self._bucket()
        try:
            self.revision = await kv.update(self.name, self.holder.encode(), last=self.revision)
        except KeyWrongLastSequenceError:
            log.warning("%s: lease %s lost to another instance", self.holder, self.name)
            self.revision = None
        return self.held

    async def release(self) -> None:
        """Gives the lease up at once, so another instance need not wait for it to expire."""
        if self.revision is None:
            return
        kv = await self._bucket()
        with contextlib.suppress(KeyWrongLastSequenceError):  # someone else holds it already
            await kv.delete(self.name, last=self.revision)
        self.revision = None
