"""Runs the system and its HTTP entry point until interrupted."""

from __future__ import annotations

import logging

import uvicorn

from assure.system import System
from shared.settings import AssureSettings

log = logging.getLogger("assure")


async def serve(settings: AssureSettings) -> None:
    system = await System(settings).start()
    config = uvicorn.Config(
        system.http_app(), host=settings.http_host, port=settings.http_port, log_level="warning"
    )
    server = uvicorn.Server(config)
    log.info(
        "Assure is up on http://%s:%d (API docs at /docs)", settings.http_host, settings.http_port
    )
    try:
        await server.serve()
    finally:
        await system.stop()
        log.info("Assure stopped; data kept in %s", settings.data_dir)
