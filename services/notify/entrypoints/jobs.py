"""notify's long-running jobs: the dispatcher (always) and the schedule on the real clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.notify.application import Notifications
from services.notify.application.dispatcher import Dispatcher

if TYPE_CHECKING:
    from services.notify.adapters.channels import Channels

log = logging.getLogger(__name__)


async def dispatch(app: Notifications, channels: Channels, stopping: asyncio.Event) -> None:
    """Sends e-mail and webhook deliveries through the channels handed in (bootstrap.py) while
    the service runs, and closes them after."""
    try:
        await Dispatcher(app, channels).run(stopping)
    finally:
        await channels.close()


async def run_schedule(app: Notifications, stopping: asyncio.Event,
                       every_seconds: float = 60) -> None:
    """Sends due reminders and digests each minute (tests and demos run it by hand)."""
    while not stopping.is_set():
        try:
            result = await asyncio.to_thread(app.run_schedule, datetime.now(UTC))
            if result.reminders or result.digests:
                log.info("notify schedule: %d reminder(s), %d digest(s)",
                         result.reminders, result.digests)
        except Exception:  # noqa: BLE001 - a failed run is retried at the next interval
            log.exception("the notify schedule run failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every_seconds)
