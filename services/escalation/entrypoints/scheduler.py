"""Checks the ladder's deadlines once a day on the council's date (shared/clock.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from services.escalation.application import Interventions

log = logging.getLogger(__name__)


async def check_daily(
    app: Interventions, stopping: asyncio.Event, every_seconds: float | None = None
) -> None:
    """Looks at the deadlines whenever the council's date has moved on since the last look
    (in training mode, soon after an administrator moves the clock)."""
    checked: date | None = None
    # A training clock jumps when an administrator moves it: look each minute, not each hour.
    every_seconds = every_seconds or (60.0 if app.clock.training else 3600.0)
    while not stopping.is_set():
        try:
            today = await app.clock.current()
            if checked != today:
                result = await asyncio.to_thread(app.check_deadlines, today, "scheduler")
                checked = today
                log.info(
                    "deadlines checked for %s: %d missed, %d breach notices failed",
                    today,
                    result.missed,
                    result.notices_failed,
                )
        except Exception:  # noqa: BLE001 - a failed check is retried at the next interval
            log.exception("the daily deadline check failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every_seconds)
