"""Runs the system and its HTTP entry point until interrupted (Ctrl-C or SIGTERM): each service
in a process of its own (assure/supervisor.py), or all in this one (ASSURE_PROCESSES=one)."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from assure.supervisor import supervised
from assure.system import composed
from shared.clock import ClockMode
from shared.settings import AssureSettings, check_sign_in_is_safe

log = logging.getLogger("assure")


class _Server(uvicorn.Server):
    """uvicorn re-raises the signal that stopped it, which would cut our own shutdown short.
    `on_exit` is told at once when a signal asks it to stop."""

    on_exit: Callable[[], None] | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.on_exit is not None:
            self.on_exit()
        super().handle_exit(sig, frame)

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


def server_config(app: ASGIApp, settings: AssureSettings) -> uvicorn.Config:
    """uvicorn's settings for the entry point."""
    return uvicorn.Config(
        app, host=settings.http_host, port=settings.http_port, log_level="warning",
        # uvicorn by default believes X-Forwarded-For from 127.0.0.1, so anyone on this machine
        # (or a proxy on it) could name any client address: only the configured proxies count.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=[str(n) for n in settings.trusted_proxy_networks] or "",
    )


async def serve(settings: AssureSettings) -> None:
    """Runs everything until stopped; refuses, before anything starts, an unsafe sign-in."""
    check_sign_in_is_safe(settings)
    one = settings.processes == "one"
    async with (composed(settings) if one else supervised(settings)) as system:
        server = _Server(server_config(system.http_app(), settings))
        # A worker that ends from now on is stopping with the system, not crashing.
        server.on_exit = getattr(system, "stopping", None)
        log.info("Assure is up on http://%s:%d (API docs at /docs); the clock %s; %s",
                 settings.http_host, settings.http_port, _clock_said(settings),
                 "all services in this process" if one else "each service in its own process")
        log.info(settings.describe_sign_in())
        await server.serve()
    log.info("Assure stopped; data kept in %s", settings.data_dir)


def _clock_said(settings: AssureSettings) -> str:
    if settings.clock is ClockMode.REAL:
        return "follows the real date"
    start = f", starting {settings.clock_start}" if settings.clock_start else ""
    return f"is a training clock an administrator moves (assure tick){start}"
