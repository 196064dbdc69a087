"""The people of domain-rules.md §1 as roles, and the identity a verified token carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PROVIDER_USER = "provider_user"
    CONTRACT_COORDINATOR = "contract_coordinator"
    COMMISSIONING_OFFICER = "commissioning_officer"
    COMMISSIONING_MANAGER = "commissioning_manager"
    HEAD_OF_STRATEGIC_PLANNING = "head_of_strategic_planning"
    GENERAL_MANAGER = "general_manager"
    CSWO = "cswo"
    OPERATIONAL_STAFF = "operational_staff"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


# Those who approve the serious steps and receive escalations (§8).
SENIOR = frozenset({Role.HEAD_OF_STRATEGIC_PLANNING, Role.GENERAL_MANAGER, Role.CSWO})


@dataclass(frozen=True)
class Identity:
    """A signed-in person: who they are (the token's subject), their role, their organisation
    if a provider's, and the name they go by if the token gives one."""

    user: str
    role: Role
    provider_id: str | None = None
    name: str | None = None

    @property
    def display(self) -> str:
        """The name recorded as acting: the token's display name, else its subject."""
        return self.name or self.user

    def __post_init__(self) -> None:
        if not self.user.strip():
            raise ValueError("an identity needs a user name")
        if (self.role is Role.PROVIDER_USER) != (self.provider_id is not None):
            raise ValueError("a provider user, and only a provider user, belongs to a provider")
