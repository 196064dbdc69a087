"""Moving-window rate limits kept in this process's memory (assure/security.py says which).

Why not `limits`' MemoryStorage, which this replaced: on every hit it starts a timer thread
(when none is alive) that scans every key's entries 10 ms later, so under a steady stream of
submissions a thread was started and every key scanned about every request: a tenth of the
HTTP process's time under bench.spine (issue 16). Here each key keeps the times of its hits in
the window, dropped as they age out when the key is hit again, and keys no one has hit for a
whole window are swept out at most once a window. The rules stay written as `limits` parses
them ("120/minute").
"""

from __future__ import annotations

import threading
import time
from collections import deque

from limits import RateLimitItem


class MovingWindowLimiter:
    """At most `item.amount` hits per key in any `item.get_expiry()` seconds."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, int, int], deque[float]] = {}
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def hit(self, item: RateLimitItem, key: str) -> bool:
        """Counts a hit and answers True, or answers False (and counts nothing) if the key
        has had its amount of hits in the window already."""
        window, now = item.get_expiry(), time.monotonic()
        with self._lock:
            self._sweep(now, window)
            hits = self._hits.setdefault((key, item.amount, window), deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= item.amount:
                return False
            hits.append(now)
            return True

    def _sweep(self, now: float, window: int) -> None:
        if now - self._swept < window:
            return
        self._swept = now
        for found, hits in list(self._hits.items()):
            if not hits or hits[-1] <= now - found[2]:
                del self._hits[found]
