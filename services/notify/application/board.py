"""The work outstanding: deliveries waiting for an attempt (with when each is next due),
deliveries held for a digest, and return reminders still open, read from the deliveries view
(projections.py), which follows notify's own notification log.

Because the view is kept from the log, a restart is safe and reads nothing to know what is due:
an attempt recorded as started and never finished is due again once its lease has run out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.notify.application.projections import DeliveriesIndex, DeliveriesView

if TYPE_CHECKING:
    from shared.eventstore import ServiceApplication


class DeliveryBoard:
    """Due and held deliveries and open reminders, each read caught up with the store."""

    def __init__(self, app: ServiceApplication) -> None:
        self._app = app

    def _view(self) -> DeliveriesView:
        return self._app.views.get(DeliveriesIndex)

    def due(self, now: datetime, exclude: set[UUID] | frozenset[UUID] = frozenset()) -> list[UUID]:
        """Deliveries whose next attempt may start now, oldest due first."""
        return [key for key in self._view().due(now) if key not in exclude]

    def next_due(self, exclude: set[UUID] | frozenset[UUID] = frozenset()) -> datetime | None:
        """When the next attempt not already under way here falls due, if any will."""
        soonest = self._view().next_due(skipping=len(exclude))
        return next((at for key, at in soonest if key not in exclude), None)

    def held_groups(self) -> dict[tuple[str, str, str], list[UUID]]:
        """Held deliveries by recipient, channel and digest kind."""
        groups: dict[tuple[str, str, str], list[UUID]] = {}
        for key, recipient, channel, kind in self._view().held():
            groups.setdefault((recipient, channel, kind), []).append(key)
        return groups

    def reminders_due(self, after: date, upto: date) -> list[UUID]:
        """Open reminders for returns due after one day and by another."""
        return self._view().reminders_due(after, upto)
