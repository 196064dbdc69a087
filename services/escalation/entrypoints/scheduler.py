"""Checks the ladder's deadlines once a day on the real calendar (tests and demos post a date)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from services.escalation.application import Interventions
from services.escalation.entrypoints.views import uk_today

log = logging.getLogger(__name__)


async def check_daily(
    app: Interventions, stopping: asyncio.Event, every_seconds: float = 3600
) -> None:
    """Looks at the deadlines whenever the UK date has moved on since the last look."""
    checked: date | None = None
    while not stopping.is_set():
        today = uk_today()
        try:
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
