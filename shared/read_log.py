"""Who read which provider's history, and when: each read is itself recorded (issue 7).

A read is its own small aggregate, found under `reads:<provider>`, and deliberately not under
the provider's own key: reading a history must not change the history being read.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event


class HistoryRead(Aggregate):
    """One reading of a provider's history (or its state as at a date, or an export)."""

    @staticmethod
    def create_id(**_: object) -> UUID:
        return uuid4()

    @event("Recorded")
    def __init__(self, about_provider: str, reader: str, what: str, at: datetime) -> None:
        self.about_provider = about_provider
        self.reader = reader
        self.what = what
        self.at = at

    def describe(self) -> dict[str, str]:
        return {"provider_id": self.about_provider, "reader": self.reader, "what": self.what,
                "at": self.at.isoformat()}
