"""Runs the system and its HTTP entry point until interrupted (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

import uvicorn

from assure.system import System
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
    system = await System(settings).start()
    config = uvicorn.Config(
        system.http_app(), host=settings.http_host, port=settings.http_port, log_level="warning"
    )
    server = _Server(config)
    log.info("Assure is up on http://%s:%d (API docs at /docs)",
             settings.http_host, settings.http_port)
    try:
        await server.serve()
    finally:
        await system.stop()
        log.info("Assure stopped; data kept in %s", settings.data_dir)
