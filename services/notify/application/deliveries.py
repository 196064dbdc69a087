"""Deliveries by e-mail and webhook: derived from notifications, attempted, retried, given up.

Each in-app notification, once recorded, is turned into one delivery per outside channel its
recipient has (tracked, so exactly once, even with several instances reading one store). An
attempt is recorded before the message leaves and its outcome after (see domain/delivery.py for
the send-then-crash window; a first attempt is recorded in the delivery's `Queued` event). A
delivery that keeps failing becomes `NotificationFailed`, is listed for operators (from the
deliveries view, projections.py), and alerts them in their in-app inbox; it is never dropped
silently.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from services.notify.application.projections import DeliveriesIndex
from services.notify.application.records import NotifyRecords
from services.notify.domain.config import IMMEDIATE
from services.notify.domain.delivery import (
    EMAIL,
    WEBHOOK,
    Delivery,
    NotDue,
    Outgoing,
    Status,
)
from services.notify.domain.directory import ProviderFacts, addresses_for
from services.notify.domain.facts import NOTIFICATION_FAILED, Fact
from services.notify.domain.notification import Notification
from shared.eventstore import Processing
from shared.views.paging import EVERYTHING, Page, Paging

log = logging.getLogger(__name__)
alerts = logging.getLogger("assure.alerts")

DERIVED = "derived"  # tracking name: how far notifications have been turned into deliveries
PAGE = 200
# Notifications older than this when first seen (recorded before e-mail was configured, e.g.) are
# left in the in-app inbox rather than e-mailed out of the blue.
STALE_AFTER = timedelta(days=1)
DELIVERED_TOPIC = get_topic(Notification.Delivered)


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: handed over (no error), or the error it failed with."""

    outgoing: Outgoing
    at: datetime
    error: str | None = None


class Deliveries(NotifyRecords):
    """Turning notifications into e-mail and webhook deliveries, and how their attempts went."""

    def derive_deliveries(self, now: datetime) -> list[Outgoing]:
        """Turns new notifications into deliveries; returns the first attempts of those due now."""
        page = self.recorder.select_notifications(
            start=self.position(DERIVED), limit=PAGE, inclusive_of_start=False,
            topics=[DELIVERED_TOPIC])
        if not page:
            return []
        notes = [self.mapper.to_domain_event(record) for record in page]
        providers = {p: self.provider_facts(p) for p in {note.provider_id for note in notes}}
        deliveries = [delivery for note in notes
                      for delivery in self._deliveries_for(note, providers[note.provider_id], now)]
        # Their first attempts are recorded in the same commit as the deliveries themselves
        # (in each `Queued` event: domain/delivery.py), before anything is sent.
        outgoing = [d.outgoing() for d in deliveries if d.status == Status.DISPATCHING]
        processing = Processing(Tracking(DERIVED, page[-1].id))
        processing.collect_events(*deliveries)
        if self._commit(processing).duplicate:
            return []  # another instance got there first; it sends them
        return outgoing

    def _deliveries_for(
        self, note: Any, provider: ProviderFacts, now: datetime
    ) -> list[Delivery]:
        if note.timestamp < now - STALE_AFTER:
            return []
        addresses = addresses_for(note.recipient, provider, self.config)
        may_wait = getattr(note, "may_wait", True) and not note.urgent
        hold = addresses.digest if may_wait and addresses.digest != IMMEDIATE else None
        channels = [(EMAIL, addresses.email)] if addresses.email else []
        channels += [(f"{WEBHOOK}:{name}", (name,)) for name in addresses.webhooks]
        return [
            Delivery.queue(
                now, self.retry_policy,
                notification_id=str(note.originator_id), provider_id=note.provider_id,
                recipient=note.recipient, channel=channel, addresses=list(to),
                subject=note.subject, body=note.body, urgent=note.urgent,
                about_event_id=note.about_event_id, about_event_type=note.about_event_type,
                reference=note.reference, hold=hold,
                traceparent=getattr(note, "traceparent", None),  # stamped as it was stored
            )
            for channel, to in channels
        ]

    def claim_due(self, now: datetime, busy: set[UUID]) -> list[Outgoing]:
        """Starts an attempt for each delivery due now that is not already being sent here."""
        claimed = []
        for delivery_id in self.board.due(now, busy):
            delivery: Delivery = self.repository.get(delivery_id)
            try:
                outgoing = delivery.begin_attempt(now, self.retry_policy)
                self.save(delivery)
            except (NotDue, IntegrityError):
                continue  # sent meanwhile, or another instance started it first
            claimed.append(outgoing)
        return claimed

    def record_sent(self, outgoing: Outgoing, at: datetime) -> None:
        self.record_outcomes([Outcome(outgoing, at)])

    def record_failure(
        self, outgoing: Outgoing, error: str, now: datetime
    ) -> bool:
        """Records a failed attempt; True when it was the last one and the delivery failed."""
        return bool(self.record_outcomes([Outcome(outgoing, now, error)]))

    def record_outcomes(self, outcomes: list[Outcome]) -> list[Delivery]:
        """Records how attempts went, in one transaction; returns the deliveries given up."""
        try:
            applied = [self._apply(outcome) for outcome in outcomes]
            self.save(*(a for changed, _ in applied for a in changed))
        except IntegrityError:  # another instance touched one of them: one at a time
            applied = []
            for outcome in outcomes:
                with contextlib.suppress(IntegrityError):
                    changed, failed = self._apply(outcome)
                    self.save(*changed)
                    applied.append((changed, failed))
        given_up = [failed for _, failed in applied if failed is not None]
        for delivery in given_up:
            alerts.error("notify: %s delivery %s to %s about %s failed after %d attempt(s): %s",
                         delivery.channel, delivery.id, delivery.recipient,
                         delivery.about_event_type, delivery.attempts, delivery.last_error)
        return given_up

    def _apply(self, outcome: Outcome) -> tuple[list[Any], Delivery | None]:
        outgoing = outcome.outgoing
        delivery: Delivery = self.repository.get(outgoing.delivery_id)
        if outcome.error is None:
            return ([delivery] if delivery.sent(outgoing.attempt, outcome.at) else []), None
        log.warning("notify: attempt %d of %s failed: %s", outgoing.attempt, delivery.id,
                    outcome.error)
        if not delivery.attempt_failed(outgoing.attempt, outcome.error, outcome.at,
                                       self.retry_policy):
            return [delivery], None
        return [delivery, *self._alert(delivery)], delivery

    def _alert(self, delivery: Delivery) -> list[Notification]:
        """In-app alerts (to system-operators, by the default rule) about a failed delivery."""
        if delivery.about_event_type == NOTIFICATION_FAILED:
            return []  # an alert that cannot be delivered is listed and logged, not re-alerted
        fact = Fact(NOTIFICATION_FAILED, f"{delivery.id}:failed:{delivery.attempts}",
                    delivery.provider_id, {
                        "channel": delivery.channel, "recipient": delivery.recipient,
                        "about_event_type": delivery.about_event_type,
                        "attempts": delivery.attempts, "error": delivery.last_error,
                        "delivery_id": str(delivery.id),
                    })
        return self.notifications_for(fact, str(delivery.id), str(delivery.id))

    # Operators ----------------------------------------------------------------------------------

    def deliveries(self, status: str | None = None,
                   recipient: str | None = None,
                   paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Every e-mail and webhook delivery, newest first, optionally by status or recipient."""
        return self.views.get(DeliveriesIndex).listed(status, recipient, paging)

    def failures(self, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Deliveries given up after repeated failures and not yet sent again."""
        return self.views.get(DeliveriesIndex).failures(paging)

    def retry_failed(self, delivery_id: UUID, by: str) -> Delivery:
        """Sends a failed delivery again, under the same id (so the same Message-ID)."""
        delivery: Delivery = self.get(Delivery, delivery_id)
        delivery.retry(by)
        self.save(delivery)
        return delivery
