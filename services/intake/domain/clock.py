"""The council's calendar clock: how far the return schedule has been run."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import InvalidInput, stable_id


class Clock(Aggregate):
    """One per installation; tests and the demo move it with `assure tick --to DATE`."""

    @staticmethod
    def create_id(**_: object) -> UUID:
        return stable_id("clock")

    @event("Started")
    def __init__(self, today: date) -> None:
        self.today = today

    def advance(self, to: date) -> None:
        if to < self.today:
            raise InvalidInput(
                f"the clock is at {self.today:%-d %B %Y} and cannot go back", field="to"
            )
        if to > self.today:
            self._advanced(today=to)

    @event("Advanced")
    def _advanced(self, today: date) -> None:
        self.today = today
