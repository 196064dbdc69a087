"""Where a recipient's messages go: distribution lists by role, locality and service type.

The most specific lists win: a role's lists for the provider's locality and service types, when
it has any, else the role's own. A contract manager is e-mailed personally when the nominated
manager of the provider's contract is a configured user with an address, so a concern about one
provider does not go to every contract manager. Providers' own addresses may use `{provider_id}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.notify.domain.config import IMMEDIATE, Contact, NotifyConfig
from services.notify.domain.rules import CONTRACT_MANAGER, PROVIDER, is_provider


@dataclass(frozen=True)
class ProviderFacts:
    """What addressing needs to know about the provider an event concerns."""

    provider_id: str
    locality: str | None = None
    service_types: frozenset[str] = frozenset()
    contract_managers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Addresses:
    """A recipient's e-mail addresses, webhooks, and digest preference."""

    email: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    digest: str = IMMEDIATE


def contact_for(recipient: str, config: NotifyConfig) -> Contact:
    if recipient in config.contacts:
        return config.contacts[recipient]
    if is_provider(recipient):
        return config.contacts.get(PROVIDER, Contact())
    return Contact()  # an unknown role is told in the in-app inbox only


def addresses_for(recipient: str, provider: ProviderFacts, config: NotifyConfig) -> Addresses:
    """The addresses to use for one recipient about one provider."""
    contact = contact_for(recipient, config)
    teams = [contact.by_locality[provider.locality]] if provider.locality in contact.by_locality \
        else []
    teams += [contact.by_service_type[kind] for kind in sorted(provider.service_types)
              if kind in contact.by_service_type]
    email = _unique(a for team in teams for a in team.email) or contact.email
    webhooks = _unique(w for team in teams for w in team.webhooks) or contact.webhooks
    if recipient == CONTRACT_MANAGER:
        email = _nominated(provider, config) or email
    email = tuple(a.replace("{provider_id}", provider.provider_id) for a in email)
    known = tuple(w for w in webhooks if w in config.webhooks)
    return Addresses(email, known, contact.digest)


def _nominated(provider: ProviderFacts, config: NotifyConfig) -> tuple[str, ...]:
    return _unique(user.email for user in config.users.values()
                   if user.email and user.name in provider.contract_managers)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def users_inboxes(user_id: str, config: NotifyConfig) -> tuple[str, ...]:
    """The inboxes a user reads: their roles' and their own."""
    user = config.users.get(user_id)
    return (*(user.roles if user else ()), f"user-{user_id}")
