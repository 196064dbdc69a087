"""A message that kept failing, parked so an operator can see it and replay it."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.envelope import ASSURE_NAMESPACE


class DeadLetterAlreadyReplayed(Exception):
    """This dead letter was replayed already; replaying it again would double its effects."""


class DeadLetter(Aggregate):
    """A parked upstream message with the error that stopped it."""

    @staticmethod
    def create_id(upstream: str, message_key: str, **_: object) -> UUID:
        return uuid5(ASSURE_NAMESPACE, f"dead-letter:{upstream}:{message_key}")

    @event("Parked")
    def __init__(
        self,
        upstream: str,
        message_key: str,
        subject: str,
        payload: str,
        error: str,
        attempts: int,
    ) -> None:
        self.upstream = upstream
        self.message_key = message_key
        self.subject = subject
        self.payload = payload
        self.error = error
        self.attempts = attempts
        self.replayed = False

    def replay(self) -> None:
        if self.replayed:
            raise DeadLetterAlreadyReplayed(str(self.id))
        self._replayed()

    @event("Replayed")
    def _replayed(self) -> None:
        self.replayed = True
