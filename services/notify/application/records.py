"""What every part of notify uses: the council's configuration, the work board, and telling
the recipients the routing rules name about a fact (as in-app notifications)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from services.notify.application.board import DeliveryBoard
from services.notify.application.inbox_view import InboxIndex
from services.notify.application.projections import DeliveriesIndex
from services.notify.domain.config import NotifyConfig
from services.notify.domain.defaults import DEFAULT_CONFIG
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.directory import ProviderFacts
from services.notify.domain.facts import Fact
from services.notify.domain.messages import compose
from services.notify.domain.notification import IN_APP, Notification
from services.notify.domain.provider import ProviderContacts
from services.notify.domain.routing import routes_for
from shared.eventstore import ServiceApplication
from shared.views.store import StoreProjection


def retry_policy_from(env: Mapping[str, str]) -> RetryPolicy:
    """Attempts, the first retry's delay and the send timeout, from ASSURE_NOTIFY_* settings."""
    timeout = float(env.get("ASSURE_NOTIFY_SEND_TIMEOUT_SECONDS") or 30)
    return RetryPolicy(
        max_attempts=int(env.get("ASSURE_NOTIFY_MAX_ATTEMPTS") or 5),
        first_delay=float(env.get("ASSURE_NOTIFY_RETRY_SECONDS") or 30),
        lease=2 * timeout,
    )


class NotifyRecords(ServiceApplication):
    """The configuration handed in (bootstrap.py reads the council's file), the board of work
    outstanding, and the notifications a fact makes."""

    service = "notify"
    projections: ClassVar[tuple[type[StoreProjection[Any]], ...]] = (InboxIndex, DeliveriesIndex)

    def __init__(self, env: dict[str, str] | None = None,
                 config: NotifyConfig | None = None) -> None:
        super().__init__(env)
        self.config = DEFAULT_CONFIG if config is None else config
        self.retry_policy = retry_policy_from(self.env)
        self.board = DeliveryBoard(self)
        # Failpoint for fault tests: called with "before-send" or "after-send" and the delivery.
        self.failpoint: Callable[[str, Any], None] | None = None

    def notifications_for(
        self, fact: Fact, correlation_id: str, causation_id: str
    ) -> list[Notification]:
        """A new in-app notification for each recipient the rules name and nobody told yet."""
        fact = self._named(fact)
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
                received_on=self.clock() if self.clock.training else None,
            ))
        return notifications

    def _named(self, fact: Fact) -> Fact:
        """The fact with the provider's name, when notify knows it, for messages to name it by."""
        if fact.fields.get("provider_name"):
            return fact
        contacts = self.find(ProviderContacts, ProviderContacts.create_id(fact.provider_id))
        # None until notify reads the provider's registration (and in a snapshot from before
        # names were kept): the message then names the provider by its id, as before.
        name = getattr(contacts, "name", None)
        if not name:
            return fact
        return Fact(fact.type, fact.id, fact.provider_id, {**fact.fields, "provider_name": name})

    def provider_facts(self, provider_id: str) -> ProviderFacts:
        """What addressing needs to know about a provider: locality, services, managers."""
        contacts = self.find(ProviderContacts, ProviderContacts.create_id(provider_id))
        return ProviderFacts(
            provider_id=provider_id,
            locality=self.config.localities.get(provider_id),
            service_types=frozenset(contacts.service_types.values() if contacts else ()),
            contract_managers=frozenset(contacts.contract_managers.values() if contacts else ()),
        )
