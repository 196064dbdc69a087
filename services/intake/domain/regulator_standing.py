"""What a regulator last published about one service: the date of the grades held, and whether
the service is still registered.

Monthly datastore files and CQC's answers arrive in any order (an officer imports last year's
file after this month's), so grades count only when they are newer than the ones held: "newest
wins" (issue 21). A service the regulator shows as inactive, cancelled or deregistered is a
closure, an event of its own that a contract manager must hear about; its old grades raise
nothing new.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import stable_id


class RegulatorStanding(Aggregate):
    """One regulated service as its regulator last showed it."""

    @staticmethod
    def create_id(regulator: str, service_id: str, **_: object) -> UUID:
        return stable_id("regulator-standing", regulator, service_id)

    @event("Opened")
    def __init__(self, regulator: str, service_id: str) -> None:
        self.regulator = regulator
        self.service_id = service_id
        self.graded_on: date | None = None
        self.closed = False
        self.status = "registered"

    def is_newer(self, graded_on: date) -> bool:
        """Grades published on that date are newer than the ones held (or none are held)."""
        return self.graded_on is None or graded_on > self.graded_on

    def hold_grades(self, graded_on: date) -> None:
        """The grades published on that date are now the service's current ones."""
        if self.is_newer(graded_on):
            self._grades_held(graded_on=graded_on)

    @event("GradesHeld")
    def _grades_held(self, graded_on: date) -> None:
        self.graded_on = graded_on

    def close(self, status: str, provider_id: str, contract_reference: str,
              contract_manager: str, correlation_id: str, closed_on: date | None = None,
              as_of: date | None = None) -> bool:
        """Records that the regulator shows the service as no longer registered; False when it
        already did (a closure is told once, however many files repeat it). `as_of` dates what
        the regulator showed (the grades on the same row): only grades newer than that reopen."""
        if as_of is not None:
            self.hold_grades(as_of)
        if self.closed:
            return False
        self._closed(regulator=self.regulator, service_id=self.service_id, status=status,
                     provider_id=provider_id,
                     contract_reference=contract_reference, contract_manager=contract_manager,
                     closed_on=closed_on, correlation_id=correlation_id)
        return True

    @event("Closed")
    def _closed(self, regulator: str, service_id: str, status: str, provider_id: str,
                contract_reference: str, contract_manager: str, closed_on: date | None,
                correlation_id: str) -> None:
        self.closed = True
        self.status = status

    def reopen(self, status: str) -> None:
        """The regulator shows the service registered again. Callers reopen only on grades newer
        than the ones held, so a file older than the closure does not undo it."""
        if self.closed:
            self._reopened(status=status)

    @event("Reopened")
    def _reopened(self, status: str) -> None:
        self.closed = False
        self.status = status
