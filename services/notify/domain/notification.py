"""One message to one recipient about one event: delivered to the in-app inbox as it is recorded.

E-mail and webhook deliveries of the same message are `Delivery` aggregates (delivery.py),
derived from it once it is recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event

from shared.domain import stable_id

IN_APP = "in-app"
UK = ZoneInfo("Europe/London")


class Notification(Aggregate):
    """Delivered at most once per event, recipient and channel: its id says so."""

    @staticmethod
    def create_id(about_event_id: str, recipient: str, channel: str, **_: object) -> UUID:
        return stable_id("notification", about_event_id, recipient, channel)

    @event("Delivered")
    def __init__(
        self,
        provider_id: str,
        recipient: str,
        channel: str,
        about_event_id: str,
        about_event_type: str,
        subject: str,
        body: str,
        urgent: bool,
        reference: str | None,
        correlation_id: str,
        causation_id: str,
        may_wait: bool = True,  # absent from notifications recorded before digests existed
        # The council's date when it was delivered, on a training clock (shared/clock.py): on
        # the real clock (and before it was recorded) the date of the moment it was recorded.
        received_on: date | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.recipient = recipient
        self.channel = channel
        self.about_event_id = about_event_id
        self.about_event_type = about_event_type
        self.subject = subject
        self.body = body
        self.urgent = urgent
        self.reference = reference
        self.may_wait = may_wait
        self.received_on = received_on
        self.read = False
        self.readers: list[str] = []

    def mark_read(self, reader: str) -> None:
        """Records who read it; each person's first reading counts once."""
        if reader not in self.readers:
            self._read(reader=reader)

    def received_at(self) -> datetime:
        """When it was delivered on the council's clock: its date (a training clock's) at the
        UK time of day it was recorded, as the council's `now` is (shared/clock.py)."""
        recorded = self.created_on.astimezone(UK)
        council = getattr(self, "received_on", None)  # a snapshot from before it was kept
        return recorded if council is None else datetime.combine(council, recorded.timetz())

    def read_by(self, reader: str) -> bool:
        return reader in self.readers

    @event("Read")
    def _read(self, reader: str) -> None:
        self.read = True
        self.readers.append(reader)
