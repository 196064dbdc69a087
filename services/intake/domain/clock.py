"""The council's calendar clock: how far the return schedule has been run."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.clock import MAX_STEP, check_sane, is_sane
from shared.domain import InvalidInput, stable_id


class Clock(Aggregate):
    """One per installation: the daily schedule keeps it at the real date; in training mode an
    administrator moves it by hand (shared/clock.py).

    It also keeps the last schedule run that finished: the day it ran to, how far into the store
    it had read and the calendar it ran on, so the next run need only look at what came after
    (application/due_dates.py). A clock stored before runs were recorded has none."""

    @staticmethod
    def create_id(**_: object) -> UUID:
        return stable_id("clock")

    @event("Started")
    def __init__(self, today: date) -> None:
        self.today = today
        self.ran_to: date | None = None
        self.read_through: int | None = None
        self.calendar: str | None = None

    @property
    def sane(self) -> bool:
        """False for a date stored before dates were checked (e.g. 9999-12-31)."""
        return is_sane(self.today)

    def advance(self, to: date) -> None:
        check_sane(to, "to")
        # A clock outside the sane range is a fault, not a date: moving it to a sane one mends it.
        if self.sane and to < self.today:
            raise InvalidInput(
                f"the clock is at {self.today:%-d %B %Y} and cannot go back", field="to"
            )
        if to != self.today:
            self._advanced(today=to)

    def check_step(self, to: date) -> None:
        """A training clock moves at most MAX_STEP at a time (shared/clock.py says why)."""
        if self.sane and to - self.today > MAX_STEP:
            furthest = self.today + MAX_STEP
            raise InvalidInput(
                f"the clock moves at most {MAX_STEP.days} days at a time: from "
                f"{self.today:%-d %B %Y} to {furthest:%-d %B %Y} at the furthest", field="to")

    @event("Advanced")
    def _advanced(self, today: date) -> None:
        self.today = today

    def finish_run(self, read_through: int, calendar: str) -> None:
        """Records that the schedule has run to today, having read the store up to a position,
        on a calendar; running again the same day on the same calendar records nothing."""
        if (self.ran_to, self.calendar) != (self.today, calendar):
            self._run_finished(ran_to=self.today, read_through=read_through, calendar=calendar)

    @event("RunFinished")
    def _run_finished(self, ran_to: date, read_through: int, calendar: str) -> None:
        self.ran_to = ran_to
        self.read_through = read_through
        self.calendar = calendar
