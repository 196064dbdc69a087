"""Runs the return schedule once a day on the real calendar (a training clock is moved by hand)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.intake.application import Intake
from services.intake.domain.clock import Clock
from shared.clock import uk_today

log = logging.getLogger(__name__)


async def run_daily(app: Intake, stopping: asyncio.Event, every_seconds: float = 3600) -> None:
    """Runs the schedule to today's UK date whenever the clock is behind (real mode only)."""
    if app.clock.training:
        return  # an administrator moves a training clock; the real date must not
    while not stopping.is_set():
        try:
            await asyncio.to_thread(run_to_today, app)
        except Exception:  # noqa: BLE001 - a failed run is retried at the next interval
            log.exception("the daily schedule run failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every_seconds)


def run_to_today(app: Intake) -> None:
    """One run: the clock to the real date; a clock found ahead of it is said, not hidden."""
    today = uk_today()
    clock = app.find(Clock, Clock.create_id())
    if clock is not None and clock.sane and clock.today > today:
        log.warning("the stored clock stands at %s, ahead of the real date %s: returns due "
                    "before then were asked for early; the council's date is the real one",
                    clock.today, today)
        return
    if clock is None or clock.today != today:
        result = app.tick(today, "scheduler")
        log.info("schedule run to %s: %d requested, %d overdue",
                 today, result.requested, result.overdue)
