"""Notifications: the right people told once, on time, through the channels they use.

The service's application: the policy for the upstream events it reads, composed of its use
cases (deliveries.py, schedule.py, inboxes.py), each a mixin over `records.NotifyRecords`.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from prometheus_client.core import CounterMetricFamily

from services.notify.application.deliveries import Deliveries
from services.notify.application.inboxes import Inboxes
from services.notify.application.projections import DeliveriesIndex
from services.notify.application.schedule import Schedule
from services.notify.domain.delivery import Delivery
from services.notify.domain.facts import Fact, fact_of, intelligence_requested
from services.notify.domain.notification import Notification
from services.notify.domain.provider import ProviderContacts
from services.notify.domain.reminders import ReturnReminders
from services.notify.domain.requested_return import RequestedReturn
from shared.contracts import intake
from shared.contracts import notify as contracts
from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import Processing


class Notifications(Deliveries, Schedule, Inboxes):
    """Routes events to recipients, keeps their inboxes, and delivers by e-mail and webhook."""

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

    # Upstream events ----------------------------------------------------------------------------

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Every event is read against the routing rules; most are told to nobody."""
        self._tell(self._fact(event, processing), processing)

    @policy.register
    def _(self, event: intake.ProviderRegistered, processing: Processing) -> None:
        # Messages name the provider by the name it was registered under (issue 18).
        contacts = self._contacts(event.provider_id)
        contacts.note_name(event.name)
        processing.collect_events(contacts)
        self._tell(self._fact(event, processing), processing)

    @policy.register
    def _(self, event: intake.ContractAwarded, processing: Processing) -> None:
        contacts = self._contacts(event.provider_id)
        contacts.note_contract(event.contract_reference, event.service_type,
                               event.contract_manager)
        processing.collect_events(contacts)
        self._tell(self._fact(event, processing), processing)

    @policy.register
    def _(self, event: intake.ReturnRequested, processing: Processing) -> None:
        reminders = self._reminders(event)
        reminders.schedule(event.request_id, event.due_on)
        processing.collect_events(reminders)
        if not self.exists(RequestedReturn.create_id(event.request_id)):
            processing.collect_events(RequestedReturn(
                request_id=event.request_id, provider_id=event.provider_id,
                contract_reference=event.contract_reference, form=event.form,
                period_start=event.period_start, period_end=event.period_end))
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

    @policy.register
    def _(self, event: intake.ReturnOverdue, processing: Processing) -> None:
        # The event names the request only; its message says which period the return covers.
        fact = self._fact(event, processing)
        requested = self.find(RequestedReturn, RequestedReturn.create_id(event.request_id))
        if requested is not None:
            fact = Fact(fact.type, fact.id, fact.provider_id, {**fact.fields, **requested.period()})
        self._tell(fact, processing)

    def handled_event_types(self) -> frozenset[str]:
        """Its handlers' events and every event a routing rule of this council names."""
        return super().handled_event_types() | {rule.event for rule in self.config.rules}

    def _fact(self, event: IntegrationEvent, processing: Processing) -> Fact:
        assert processing.envelope is not None
        return fact_of(event, processing.envelope.id)

    def _contacts(self, provider_id: str) -> ProviderContacts:
        found = self.find(ProviderContacts, ProviderContacts.create_id(provider_id))
        return found or ProviderContacts(provider_id=provider_id)

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

