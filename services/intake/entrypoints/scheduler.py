"""Runs the return schedule once a day on the real calendar (tests and demos tick by hand)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from services.intake.application import Intake

log = logging.getLogger(__name__)
UK = ZoneInfo("Europe/London")


async def run_daily(app: Intake, stopping: asyncio.Event, every_seconds: float = 3600) -> None:
    """Ticks the clock to today's UK date whenever it is behind."""
    while not stopping.is_set():
        today = datetime.now(UK).date()
        try:
            if app.today() < today or not app.exists_clock():
                result = await asyncio.to_thread(app.tick, today, "scheduler")
                log.info("schedule run to %s: %d requested, %d overdue",
                         today, result.requested, result.overdue)
        except Exception:  # noqa: BLE001 - a failed run is retried at the next interval
            log.exception("the daily schedule run failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every_seconds)
