"""The event loop `assure up` and its service processes run on: uvloop's where it is installed
(a declared dependency), else asyncio's own.

Why: each process spends a tenth or more of its time in the event loop's own machinery
(selecting, scheduling callbacks and timers, handing results back from threads) for the many
small steps of every message and request; uvloop does that part in C (issue 16).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Runs `main` to completion on a new event loop, as `asyncio.run` does."""
    try:
        import uvloop
    except ImportError:  # an install without it (it is not built for every platform)
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
