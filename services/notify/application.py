"""Notifications: the right people told once, through the in-app inbox for now."""

from __future__ import annotations

from collections.abc import Iterable
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from services.notify.domain.messages import compose
from services.notify.domain.notification import IN_APP, Notification
from services.notify.domain.routing import routes_for
from shared.contracts import escalation, intake, risk
from shared.contracts import notify as contracts
from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import Processing, ServiceApplication


class Notifications(ServiceApplication):
    """Routes events to recipients and keeps their inboxes."""

    service = "notify"

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Events nobody must hear about are tracked and otherwise ignored."""

    @policy.register(intake.ReturnRequested)
    @policy.register(intake.ReturnOverdue)
    @policy.register(risk.ConcernRaised)
    @policy.register(escalation.EscalationProposed)
    @policy.register(escalation.EscalationApproved)
    def _(self, event: IntegrationEvent, processing: Processing) -> None:
        assert processing.envelope is not None
        envelope = processing.envelope
        subject, body = compose(event)
        for route in routes_for(event):
            notification_id = Notification.create_id(envelope.id, route.recipient, IN_APP)
            if self.exists(notification_id):
                continue
            processing.collect_events(
                Notification(
                    provider_id=event.provider_id,
                    recipient=route.recipient,
                    channel=IN_APP,
                    about_event_id=envelope.id,
                    about_event_type=envelope.type,
                    subject=subject,
                    body=body,
                    urgent=route.urgent,
                    reference=getattr(event, "request_id", None),
                    correlation_id=envelope.correlationid,
                    causation_id=envelope.id,
                )
            )

    def index_keys(self, domain_event: Any) -> Iterable[str]:
        yield from super().index_keys(domain_event)
        if isinstance(domain_event, Notification.Delivered):
            yield f"recipient:{domain_event.recipient}"

    def inbox(self, recipient: str, unread_only: bool = False) -> list[Notification]:
        """A recipient's notifications, newest first."""
        items = [self.repository.get(i) for i in self.aggregates_under(f"recipient:{recipient}")]
        items = [n for n in items if not (unread_only and n.read)]
        return sorted(items, key=lambda n: n.created_on, reverse=True)

    def mark_read(self, notification_id: UUID, reader: str) -> Notification:
        notification = self.get(Notification, notification_id)
        notification.mark_read(reader)
        self.save(notification)
        return notification

    @singledispatchmethod
    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        return None

    @to_integration.register
    def _(self, domain_event: Notification.Delivered) -> IntegrationEvent:
        return contracts.NotificationDelivered(
            provider_id=domain_event.provider_id,
            notification_id=str(domain_event.originator_id),
            recipient=domain_event.recipient,
            channel=domain_event.channel,
            about_event_id=domain_event.about_event_id,
            about_event_type=domain_event.about_event_type,
            reference=domain_event.reference,
        )
