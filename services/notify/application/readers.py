"""Whose inbox is whose: the inboxes a signed-in person reads, from who their token says they
are, and which of the contract managers' notifications are theirs.

notify's rules address a role's distribution list (routing.py) or a provider's own users; a
contract manager's list is shared by every officer, but a notification on it is about one
provider, whose contracts name their manager (ProviderContacts). So a person's inbox holds what
is addressed to their role's list, to them by name (`user-<id>`), and, of the contract
managers' list, only the providers whose contract names them (issue 18, must-do 7).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.domain.rules import (
    COMMISSIONING_MANAGER,
    CONTRACT_MANAGER,
    CSWO,
    GENERAL_MANAGER,
    HEAD_OF_STRATEGIC_PLANNING,
    OPERATIONS,
    SYSTEM_OPERATORS,
    provider_recipient,
)
from shared.security.identity import Identity, Role

# The list each council role reads. Coordinators chase every return of the team, named on no
# contract, so they read the contract managers' whole list.
ROLE_INBOXES: dict[Role, tuple[str, ...]] = {
    Role.CONTRACT_COORDINATOR: (CONTRACT_MANAGER,),
    Role.COMMISSIONING_OFFICER: (CONTRACT_MANAGER,),
    Role.COMMISSIONING_MANAGER: (COMMISSIONING_MANAGER,),
    Role.HEAD_OF_STRATEGIC_PLANNING: (HEAD_OF_STRATEGIC_PLANNING,),
    Role.GENERAL_MANAGER: (GENERAL_MANAGER,),
    Role.CSWO: (CSWO,),
    Role.OPERATIONAL_STAFF: (OPERATIONS,),
    Role.ADMINISTRATOR: (SYSTEM_OPERATORS,),
}
# Those the contract managers' list reaches only for the providers they are named on.
NAMED_ON_CONTRACTS = frozenset({Role.COMMISSIONING_OFFICER})


@dataclass(frozen=True)
class Reading:
    """The inboxes one person reads, as whom read and unread are kept, and the name a
    contract names them by (when only their own providers' notifications are theirs)."""

    recipients: tuple[str, ...]
    reader: str
    manager: str | None = None


def reading_for(identity: Identity) -> Reading:
    """What the signed-in person reads: their organisation's inbox, or their role's and their
    own, the contract managers' narrowed to the providers they manage."""
    if identity.provider_id is not None:
        return Reading((provider_recipient(identity.provider_id),), identity.user)
    recipients = (*ROLE_INBOXES.get(identity.role, ()), f"user-{identity.user}")
    manager = identity.display if identity.role in NAMED_ON_CONTRACTS else None
    return Reading(recipients, identity.user, manager)
