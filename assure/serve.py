"""Runs the system and its HTTP entry point until interrupted (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

import uvicorn

from assure.system import composed
from shared.clock import ClockMode
from shared.settings import AssureSettings

log = logging.getLogger("assure")


class _Server(uvicorn.Server):
    """uvicorn re-raises the signal that stopped it, which would cut our own shutdown short."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


async def serve(settings: AssureSettings) -> None:
    async with composed(settings) as system:
        config = uvicorn.Config(
            system.http_app(), host=settings.http_host, port=settings.http_port,
            log_level="warning"
        )
        log.info("Assure is up on http://%s:%d (API docs at /docs); the clock %s",
                 settings.http_host, settings.http_port, _clock_said(settings))
        await _Server(config).serve()
    log.info("Assure stopped; data kept in %s", settings.data_dir)


def _clock_said(settings: AssureSettings) -> str:
    if settings.clock is ClockMode.REAL:
        return "follows the real date"
    start = f", starting {settings.clock_start}" if settings.clock_start else ""
    return f"is a training clock an administrator moves (assure tick){start}"
