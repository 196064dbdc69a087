"""One message through one outside channel (e-mail or a webhook), with its attempts.

The send-then-crash window: an attempt is recorded, with a lease, *before* the message is handed
over and `Sent` after. A process that dies in between leaves the attempt unfinished; once its
lease runs out the message is sent again under the same delivery id, which travels with it (the
e-mail's Message-ID, the webhook's X-Assure-Delivery header), so a receiver can recognise the
copy. We choose at-least-once on the wire with an idempotency key over at-most-once, because a
safety alert lost is worse than one received twice. Our own record holds one delivery per event,
recipient and channel, sent once.

Two events for a delivery that goes at once and gets through: `Queued` and `Sent`. A delivery
that is not held starts its first attempt in its `Queued` event (its `attempt` and
`lease_until`), which is exactly what an `AttemptStarted` event committed in the same
transaction used to record (they always were committed together), so the guarantee above is
unchanged: the lease is in the store before anything leaves, and a crash before `Sent` brings
the message back when the lease runs out, under the same id. Only one instance can record a
`Queued` and so send the first attempt: the delivery's id is fixed by its notification and
channel, and deliveries are derived under a tracking record (deliveries.py). Later attempts (a
retry after `AttemptFailed`, an operator's `Retried`, a lost attempt taken over, a digest)
still record `AttemptStarted` first, because an attempt that starts on a delivery already
stored must win the delivery's next version before it sends: that is what stops two instances
sending it at once. Deliveries stored before (`Queued` without an attempt, then `Dispatching`,
as `AttemptStarted` was called until it was named for what happened) replay to the same state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import Refused, stable_id
from shared.topics import renamed

EMAIL = "email"
WEBHOOK = "webhook"  # channels are "webhook:<name>", one per configured webhook


class Status(StrEnum):
    HELD = "held"  # waiting for the recipient's digest
    PENDING = "pending"
    DISPATCHING = "dispatching"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    BUNDLED = "bundled"  # went out inside a digest


class NotDue(Exception):
    """The delivery is not ready for an attempt: sent, held, or another attempt holds it."""


class DeliveryNotFailed(Refused):
    """Only a delivery that failed can be sent again by hand."""


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts before giving up, and the wait before each retry: doubling, with a ceiling."""

    max_attempts: int = 5
    first_delay: float = 30.0
    ceiling: float = 3600.0
    lease: float = 60.0  # how long an attempt may take before it counts as lost

    def lease_from(self, now: datetime) -> datetime:
        """When an attempt started now counts as lost."""
        return now + timedelta(seconds=self.lease)

    def delay(self, failures: int) -> timedelta:
        return timedelta(seconds=min(self.first_delay * 2 ** (failures - 1), self.ceiling))


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs to send one attempt of one delivery."""

    delivery_id: UUID
    attempt: int
    channel: str
    addresses: tuple[str, ...]
    subject: str
    body: str
    urgent: bool
    provider_id: str
    about_event_type: str
    about_event_id: str
    recipient: str
    traceparent: str | None = None  # the trace that caused it (shared/observability/tracing)

    @property
    def message_id(self) -> str:
        """The same for every attempt, so a copy sent after a crash is recognisable."""
        return f"<{self.delivery_id}@assure.notify>"


class Delivery(Aggregate):
    """A notification's e-mail or webhook delivery: held, attempted, sent or failed."""

    @staticmethod
    def create_id(notification_id: str, channel: str, **_: object) -> UUID:
        return stable_id("delivery", notification_id, channel)

    @event("Queued")
    def __init__(
        self,
        notification_id: str,
        provider_id: str,
        recipient: str,
        channel: str,
        addresses: list[str],
        subject: str,
        body: str,
        urgent: bool,
        about_event_id: str,
        about_event_type: str,
        reference: str | None,
        hold: str | None = None,
        items: list[str] | None = None,
        traceparent: str | None = None,
        attempt: int = 0,  # absent from deliveries queued before the first attempt rode along
        lease_until: datetime | None = None,
    ) -> None:
        self.notification_id = notification_id
        self.provider_id = provider_id
        self.recipient = recipient
        self.channel = channel
        self.addresses = list(addresses)
        self.subject = subject
        self.body = body
        self.urgent = urgent
        self.about_event_id = about_event_id
        self.about_event_type = about_event_type
        self.reference = reference
        self.hold = hold
        self.items = list(items or [])
        self.traceparent = traceparent
        self.status = Status.HELD if hold else Status.DISPATCHING if attempt else Status.PENDING
        self.attempts = attempt
        self.failures = 0  # since it was last queued or retried by hand
        self.last_error = ""
        self.lease_until: datetime | None = lease_until
        self.retry_at: datetime | None = None
        self.bundled_into: str | None = None
        self.sent_at: datetime | None = None

    @classmethod
    def queue(cls, now: datetime, policy: RetryPolicy, **fields: Any) -> Delivery:
        """A new delivery; unless it is held for a digest, its first attempt starts with it."""
        if fields.get("hold"):
            return cls(**fields)
        return cls(**fields, attempt=1, lease_until=policy.lease_from(now))

    # Attempts -----------------------------------------------------------------------------------

    def due_at(self) -> datetime | None:
        """When an attempt may next start; None if none ever will (sent, failed, held)."""
        if self.status == Status.DISPATCHING:
            return self.lease_until
        if self.status == Status.RETRYING:
            return self.retry_at
        if self.status == Status.PENDING:
            return datetime.min.replace(tzinfo=self.created_on.tzinfo)
        return None

    def begin_attempt(self, now: datetime, policy: RetryPolicy) -> Outgoing:
        """Starts the next attempt; refused unless it is due (see `due_at`)."""
        due = self.due_at()
        if due is None or due > now:
            raise NotDue(f"delivery {self.id} is {self.status.value}")
        self._attempt_started(attempt=self.attempts + 1, lease_until=policy.lease_from(now))
        return self.outgoing()

    @event("AttemptStarted")
    def _attempt_started(self, attempt: int, lease_until: datetime) -> None:
        self.status = Status.DISPATCHING
        self.attempts = attempt
        self.lease_until = lease_until

    def outgoing(self) -> Outgoing:
        return Outgoing(
            delivery_id=self.id, attempt=self.attempts, channel=self.channel,
            addresses=tuple(self.addresses), subject=self.subject, body=self.body,
            urgent=self.urgent, provider_id=self.provider_id,
            about_event_type=self.about_event_type, about_event_id=self.about_event_id,
            recipient=self.recipient, traceparent=self.traceparent,
        )

    def sent(self, attempt: int, at: datetime) -> bool:
        """Records the hand-over; False when it was recorded already (or not this attempt's)."""
        if not self._owns(attempt):
            return False
        self._sent(attempt=attempt, at=at, about=self.about())
        return True

    def about(self) -> dict[str, Any]:
        """Who and what the delivery is for, carried by its Sent and Failed events."""
        return {
            "provider_id": self.provider_id, "notification_id": self.notification_id,
            "delivery_id": str(self.id), "recipient": self.recipient, "channel": self.channel,
            "about_event_id": self.about_event_id, "about_event_type": self.about_event_type,
            "reference": self.reference,
        }

    @event("Sent")
    def _sent(self, attempt: int, at: datetime, about: dict[str, Any]) -> None:
        self.status = Status.SENT
        self.sent_at = at

    def attempt_failed(self, attempt: int, error: str, now: datetime, policy: RetryPolicy) -> bool:
        """Records a failed attempt; True when that was the last one allowed (it failed)."""
        if not self._owns(attempt):
            return False
        if self.failures + 1 >= policy.max_attempts:
            self._failed(attempts=attempt, error=error, about=self.about())
            return True
        self._attempt_failed(attempt=attempt, error=error,
                             retry_at=now + policy.delay(self.failures + 1))
        return False

    def _owns(self, attempt: int) -> bool:
        # A late answer from an attempt whose lease ran out and was taken over changes nothing.
        return self.status == Status.DISPATCHING and attempt == self.attempts

    @event("AttemptFailed")
    def _attempt_failed(self, attempt: int, error: str, retry_at: datetime) -> None:
        self.status = Status.RETRYING
        self.failures += 1
        self.last_error = error
        self.retry_at = retry_at

    @event("Failed")
    def _failed(self, attempts: int, error: str, about: dict[str, Any]) -> None:
        self.status = Status.FAILED
        self.failures += 1
        self.last_error = error

    def retry(self, by: str) -> None:
        """An operator sends a failed delivery again, under the same id."""
        if self.status != Status.FAILED:
            raise DeliveryNotFailed(f"delivery {self.id} is {self.status.value}, not failed")
        self._retried(by=by)

    @event("Retried")
    def _retried(self, by: str) -> None:
        self.status = Status.PENDING
        self.failures = 0

    # Digests ------------------------------------------------------------------------------------

    def bundle(self, digest_id: str) -> None:
        """Goes out inside a digest instead of on its own."""
        if self.status != Status.HELD:
            raise NotDue(f"delivery {self.id} is {self.status.value}, not held")
        self._bundled(digest_id=digest_id)

    @event("Bundled")
    def _bundled(self, digest_id: str) -> None:
        self.status = Status.BUNDLED
        self.bundled_into = digest_id


# Stored before the event was named for what happened (issue 17): read as AttemptStarted.
renamed("services.notify.domain.delivery:Delivery.Dispatching", Delivery.AttemptStarted)
