"""One message to one recipient about one event: delivered to the in-app inbox as it is recorded.

E-mail and webhook deliveries of the same message are `Delivery` aggregates (delivery.py),
derived from it once it is recorded.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import stable_id

IN_APP = "in-app"


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
        self.read = False
        self.readers: list[str] = []

    def mark_read(self, reader: str) -> None:
        """Records who read it; each person's first reading counts once."""
        if reader not in self.readers:
            self._read(reader=reader)

    def read_by(self, reader: str) -> bool:
        return reader in self.readers

    @event("Read")
    def _read(self, reader: str) -> None:
        self.read = True
        self.readers.append(reader)
