"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import uvicorn

from assure.system import System
from shared.nats_server import free_port
from shared.settings import AssureSettings

T = TypeVar("T")

SECTIONS_GREEN = dict.fromkeys(
    ("leadership_and_management", "sustainability", "finance", "safety_and_quality", "outcomes"),
    "green",
)
SECTIONS_UNSAFE = {**SECTIONS_GREEN, "safety_and_quality": "red", "finance": "red"}


def return_form(sections: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "period_start": "2026-04-01",
        "period_end": "2026-07-31",
        "sections": sections or SECTIONS_GREEN,
        "submitted_by": "Registered manager",
        **overrides,
    }


async def eventually(
    probe: Callable[[], Awaitable[T | None]], timeout: float = 20.0, what: str = "condition"
) -> T:
    """Polls until probe returns something truthy; the system is asynchronous by design."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(settings: AssureSettings, **kwargs: Any) -> AsyncIterator[System]:
    system = await System(settings, **kwargs).start()
    try:
        yield system
    finally:
        await system.stop()


@contextlib.asynccontextmanager
async def serving(system: System) -> AsyncIterator[str]:
    """Serves the system's HTTP entry point on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(system.http_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
