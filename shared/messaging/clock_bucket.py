"""The council's training clock on NATS: the JetStream key-value bucket `<NS>_CLOCK`.

Intake, which owns the clock, writes the key `today` each time an administrator moves it;
every other service reads the key before acting on "today" (shared/clock.py). One bucket with
one key and no history: the date is a fact of now, its history is intake's Clock aggregate.
"""

from __future__ import annotations

import contextlib

from nats.js.api import KeyValueConfig, StorageType
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, BucketNotFoundError, KeyNotFoundError, NotFoundError
from nats.js.kv import KeyValue

KEY = "today"


def bucket_name(namespace: str) -> str:
    """`<NAMESPACE>_CLOCK`, or `ASSURE_CLOCK` with no namespace."""
    return f"{namespace.upper()}_CLOCK" if namespace else "ASSURE_CLOCK"


class ClockBucket:
    """The shared date as stored bytes (`YYYY-MM-DD`), or None before anyone wrote it."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str, replicas: int = 1) -> ClockBucket:
        """Opens the bucket, creating it if no service has yet."""
        with contextlib.suppress(BucketNotFoundError, NotFoundError, BadRequestError):
            return cls(await js.key_value(bucket))
        config = KeyValueConfig(bucket=bucket, history=1, storage=StorageType.FILE,
                                replicas=replicas)
        with contextlib.suppress(BadRequestError):  # another service made it a moment ago
            return cls(await js.create_key_value(config))
        return cls(await js.key_value(bucket))

    async def read(self) -> bytes | None:
        try:
            return (await self.kv.get(KEY)).value
        except KeyNotFoundError:
            return None

    async def write(self, value: bytes) -> None:
        await self.kv.put(KEY, value)
