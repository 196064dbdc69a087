"""Notifications: the right people told once, on time, through the channels they use."""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID

from prometheus_client.core import CounterMetricFamily

from services.notify.adapters.config_file import load_notify_config
from services.notify.board import DeliveryBoard
from services.notify.deliveries import Deliveries, retry_policy_from
from services.notify.domain.delivery import Delivery
from services.notify.domain.directory import ProviderFacts, users_inboxes
from services.notify.domain.facts import Fact, fact_of, intelligence_requested
from services.notify.domain.messages import compose
from services.notify.domain.notification import IN_APP, Notification
from services.notify.domain.provider import ProviderContacts
from services.notify.domain.reminders import ReturnReminders
from services.notify.domain.routing import routes_for
from services.notify.projections import DeliveriesIndex, InboxIndex
from services.notify.readers import reading_for
from services.notify.schedule import Schedule
from shared.contracts import intake
from shared.contracts import notify as contracts
from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import NotFound, Processing, ServiceApplication
from shared.security.identity import Identity
from shared.views.paging import EVERYTHING, Page, Paging
from shared.views.store import StoreProjection


class Notifications(Deliveries, Schedule, ServiceApplication):
    """Routes events to recipients, keeps their inboxes, and delivers by e-mail and webhook."""

    service = "notify"
    projections: ClassVar[tuple[type[StoreProjection[Any]], ...]] = (InboxIndex, DeliveriesIndex)

    def metrics(self) -> list[Any]:
        """Deliveries sent (a digest counts as sent) and failed, by recipient and channel."""
        sent = CounterMetricFamily("assure_deliveries_sent", "Deliveries handed to their "
                                   "channel", labels=["service", "recipient", "channel"])
        failed = CounterMetricFamily("assure_deliveries_failed", "Deliveries that failed after "
                                     "every attempt", labels=["service", "recipient", "channel"])
        for row in self.views.get(DeliveriesIndex).outcomes():
            family = failed if row["status"] == "failed" else sent
            family.add_metric([self.service, row["recipient"], row["channel"].split(":")[0]],
                              row["n"])
        return [sent, failed]

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.config = load_notify_config(self.env.get("ASSURE_NOTIFY_CONFIG_FILE"))
        self.retry_policy = retry_policy_from(self.env)
        self.board = DeliveryBoard(self)
        # Failpoint for fault tests: called with "before-send" or "after-send" and the delivery.
        self.failpoint: Callable[[str, Any], None] | None = None

    # Upstream events ----------------------------------------------------------------------------

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Every event is read against the routing rules; most are told to nobody."""
        self._tell(self._fact(event, processing), processing)

    @policy.register
    def _(self, event: intake.ContractAwarded, processing: Processing) -> None:
        contacts = self.find(ProviderContacts, ProviderContacts.create_id(event.provider_id))
        contacts = contacts or ProviderContacts(provider_id=event.provider_id)
        contacts.note_contract(event.contract_reference, event.service_type,
                               event.contract_manager)
        processing.collect_events(contacts)
        self._tell(self._fact(event, processing), processing)

    @policy.register
    def _(self, event: intake.ReturnRequested, processing: Processing) -> None:
        reminders = self._reminders(event)
        reminders.schedule(event.request_id, event.due_on)
        processing.collect_events(reminders)
        fact = self._fact(event, processing)
        self._tell(fact, processing)
        self._tell(intelligence_requested(fact), processing)

    @policy.register
    def _(self, event: intake.ReturnSubmitted, processing: Processing) -> None:
        # Also before the request (a return sent early): its reminders are then never sent.
        reminders = self._reminders(event)
        reminders.close("submitted")
        processing.collect_events(reminders)
        self._tell(self._fact(event, processing), processing)

    def handled_event_types(self) -> frozenset[str]:
        """Its handlers' events and every event a routing rule of this council names."""
        return super().handled_event_types() | {rule.event for rule in self.config.rules}

    def _fact(self, event: IntegrationEvent, processing: Processing) -> Fact:
        assert processing.envelope is not None
        return fact_of(event, processing.envelope.id)

    def _reminders(self, event: Any) -> ReturnReminders:
        reminders_id = ReturnReminders.create_id(event.contract_reference, event.form,
                                                 event.period_start, event.period_end)
        return self.find(ReturnReminders, reminders_id) or ReturnReminders(
            provider_id=event.provider_id, contract_reference=event.contract_reference,
            form=event.form, period_start=event.period_start, period_end=event.period_end)

    def _tell(self, fact: Fact, processing: Processing) -> None:
        assert processing.envelope is not None
        envelope = processing.envelope
        for notification in self.notifications_for(fact, envelope.correlationid, envelope.id):
            processing.collect_events(notification)

    def notifications_for(
        self, fact: Fact, correlation_id: str, causation_id: str
    ) -> list[Notification]:
        """A new in-app notification for each recipient the rules name and nobody told yet."""
        notifications = []
        for route in routes_for(fact, self.config.rules, self.config.aliases):
            if self.exists(Notification.create_id(fact.id, route.recipient, IN_APP)):
                continue
            subject, body = compose(fact, route.recipient, route.urgent, self.config.templates)
            notifications.append(Notification(
                provider_id=fact.provider_id, recipient=route.recipient, channel=IN_APP,
                about_event_id=fact.id, about_event_type=fact.type, subject=subject, body=body,
                urgent=route.urgent, reference=fact.fields.get("request_id"),
                correlation_id=correlation_id, causation_id=causation_id,
                may_wait=route.may_wait,
            ))
        return notifications

    # Inboxes ------------------------------------------------------------------------------------

    def inbox(self, recipient: str, reader: str | None = None, unread_only: bool = False,
              unread_first: bool = False, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """A recipient's notifications, newest first (unread ones first, if asked), read or
        unread by the reader (by anyone, if none is named), with how many are unread."""
        return self.views.get(InboxIndex).inbox(
            (recipient,), reader, unread_only, unread_first, paging)

    def user_inbox(self, user_id: str, unread_only: bool = False, unread_first: bool = False,
                   paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What one person reads: their roles' inboxes (a contract manager's own providers only)
        and their own, with read and unread kept per person."""
        user = self.config.users.get(user_id)
        if user is None:
            raise NotFound(f"no user {user_id} in the notify configuration")
        return self.views.get(InboxIndex).inbox(
            users_inboxes(user_id, self.config), user_id, unread_only, unread_first, paging,
            manager=user.name)

    def own_inbox(self, identity: Identity, unread_only: bool = False,
                  unread_first: bool = False,
                  paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What the signed-in person reads: a configured user's inboxes, else their role's and
        their own, with only their own providers' of the contract managers' (readers.py)."""
        if identity.provider_id is None and identity.user in self.config.users:
            return self.user_inbox(identity.user, unread_only, unread_first, paging)
        reading = reading_for(identity)
        return self.views.get(InboxIndex).inbox(
            reading.recipients, reading.reader, unread_only, unread_first, paging,
            manager=reading.manager)

    def mark_all_read(self, identity: Identity) -> int:
        """Marks everything in the signed-in person's inbox read by them; how many were not."""
        unread = [self.get(Notification, UUID(str(item["notification_id"])))
                  for item in self.own_inbox(identity, unread_only=True)]
        for notification in unread:
            notification.mark_read(identity.user)
        if unread:
            self.save(*unread)  # one transaction: all read, or none
        return len(unread)

    def mark_read(self, notification_id: UUID, reader: str) -> Notification:
        notification = self.get(Notification, notification_id)
        notification.mark_read(reader)
        self.save(notification)
        return notification

    def provider_facts(self, provider_id: str) -> ProviderFacts:
        """What addressing needs to know about a provider: locality, services, managers."""
        contacts = self.find(ProviderContacts, ProviderContacts.create_id(provider_id))
        return ProviderFacts(
            provider_id=provider_id,
            locality=self.config.localities.get(provider_id),
            service_types=frozenset(contacts.service_types.values() if contacts else ()),
            contract_managers=frozenset(contacts.contract_managers.values() if contacts else ()),
        )

    # Plumbing -----------------------------------------------------------------------------------

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

    @to_integration.register
    def _(self, domain_event: Delivery.Sent) -> IntegrationEvent:
        return contracts.NotificationDelivered(**domain_event.about)

    @to_integration.register
    def _(self, domain_event: Delivery.Failed) -> IntegrationEvent:
        return contracts.NotificationFailed(
            **domain_event.about, attempts=domain_event.attempts, error=domain_event.error[:500])

