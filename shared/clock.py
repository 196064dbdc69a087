"""The council's date: one clock that every service reads and only intake moves.

In **real** mode (production) the council's date is the real UK date: every service reads it
from the machine's clock, and intake's daily schedule runs the return calendar up to it. No
route moves it.

In **training** mode (a demo, a course, loading an old data set) the date is intake's Clock
aggregate, moved by an administrator. Intake writes each new date to the JetStream key-value
bucket `<NS>_CLOCK` (the same mechanism as the relay lease); every other service reads it from
there, so any number of processes and instances agree on the day. A value that is missing or
outside the sane range is never believed: the reading falls back to the training start date.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from shared.domain import InvalidInput
from shared.uk import EARLIEST, LATEST

log = logging.getLogger(__name__)
UK = ZoneInfo("Europe/London")

# The dates a clock may name are those any date a person gives may (shared/uk.py says why).
# The furthest a training clock moves in one tick: a year runs every return cycle at least once
# (the longest, LEVEL 3 and the KPI year, are annual), so nothing needs more, and one slip of the
# keyboard cannot raise years of overdue returns, concerns and notifications at once.
MAX_STEP = timedelta(days=366)


class ClockMode(StrEnum):
    """Whose clock the council's date follows."""

    REAL = "real"
    TRAINING = "training"


def uk_today() -> date:
    """The real date in the UK (not the machine's time zone)."""
    return datetime.now(UK).date()


def is_sane(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def check_sane(day: date, field: str) -> date:
    """The date, or a 422 naming the field when it is outside the range anyone could mean."""
    if not is_sane(day):
        raise InvalidInput(f"{day.isoformat()} is outside the dates Assure accepts "
                           f"({EARLIEST:%-d %B %Y} to {LATEST:%-d %B %Y})", field=field)
    return day


class SharedDate(Protocol):
    """Where a training clock's date is kept for every service (shared/messaging/clock_bucket)."""

    async def read(self) -> bytes | None: ...

    async def write(self, value: bytes) -> None: ...


def clock_of(env: Mapping[str, str], default: ClockMode) -> Today:
    """The clock a service's environment names (ASSURE_CLOCK, ASSURE_CLOCK_START)."""
    start = env.get("ASSURE_CLOCK_START") or ""
    return Today(ClockMode(env.get("ASSURE_CLOCK") or default),
                 date.fromisoformat(start) if start else None)


def parse(value: bytes | None) -> date | None:
    """A stored date, or None when it is missing, garbled or outside the sane range."""
    try:
        day = date.fromisoformat((value or b"").decode())
    except ValueError:
        return None
    if not is_sane(day):
        log.warning("the stored council date %s is outside the sane range; ignored", day)
        return None
    return day


class Today:
    """What day it is for the council, as one service sees it."""

    def __init__(self, mode: ClockMode = ClockMode.REAL, start: date | None = None) -> None:
        self.mode = mode
        self.start = start
        self._known: date | None = None
        self._shared: SharedDate | None = None

    @property
    def training(self) -> bool:
        return self.mode is ClockMode.TRAINING

    def __call__(self) -> date:
        """The date as last known (no I/O): for code that cannot wait for NATS."""
        if not self.training:
            return uk_today()
        return self._known or self.start or uk_today()

    def now(self) -> datetime:
        """This moment of the council's day: its date at the real UK time of day."""
        real = datetime.now(UK)
        return datetime.combine(self(), real.time(), UK) if self.training else real

    async def current(self) -> date:
        """The date as the clock's owner last wrote it, read afresh (a request path)."""
        if self.training and self._shared is not None:
            self._known = parse(await self._shared.read()) or self._known
        return self()

    def attach(self, shared: SharedDate) -> None:
        """Reads (and, for the owner, writes) the date through `shared` from now on."""
        self._shared = shared

    async def publish(self, day: date) -> None:
        """The owner's new date, for every other service (training mode only)."""
        self._known = day
        if self.training and self._shared is not None:
            await self._shared.write(day.isoformat().encode())
