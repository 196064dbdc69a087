"""Who a token says someone is: a council identity provider's claims mapped to our identity.

Each provider puts roles somewhere else: Microsoft Entra ID app roles in `roles`, Entra groups
(object ids) in `groups`, Keycloak realm roles in `realm_access.roles`, the development issuer
in `role`. The claim is named by a dotted path; its values (a string or a list) are mapped to
our roles by name; the provider user's organisation and the display name come from claims named
the same way. Pure: no I/O, so the console and the API map every token alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.security.identity import Identity, Role

if TYPE_CHECKING:
    from shared.settings import AssureSettings


class UnmappedIdentity(ValueError):
    """The token's claims name no role we know, or no one, or no provider for a provider user."""


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`realm_access.roles`), or None. A claim whose own name has
    a dot (Entra ID's directory extensions, `extn.providerId`) is found by that name first."""
    if path in claims:
        return claims[path]
    found: Any = claims
    for part in path.split("."):
        if not isinstance(found, Mapping):
            return None
        found = found.get(part)
    return found


def _values(found: Any) -> list[str]:
    if isinstance(found, str):
        return [found]
    if isinstance(found, list | tuple):
        return [str(item) for item in found]
    return []


@dataclass(frozen=True)
class ClaimMap:
    """Where a provider's tokens keep the roles, organisation and name, and what roles mean."""

    roles_claim: str = "role"
    # The provider's role (or group id) → our role; our own role names always map to themselves.
    role_names: Mapping[str, str] = field(default_factory=dict)
    provider_claim: str = "provider"
    name_claim: str = "name"

    @classmethod
    def of(cls, settings: AssureSettings) -> ClaimMap:
        """The council's mapping, from ASSURE_AUTH_*_CLAIM and ASSURE_AUTH_ROLE_MAP."""
        return cls(settings.auth_roles_claim, settings.auth_role_map,
                   settings.auth_provider_claim, settings.auth_name_claim)

    def role(self, claims: Mapping[str, Any]) -> Role:
        """One role: where several map, the one of least reach (the first in Role's order), so
        a person in two groups never gains more than the smaller grants."""
        mapped = {self._ours(value) for value in _values(claim(claims, self.roles_claim))}
        found = [role for role in Role if role in mapped]
        if not found:
            raise UnmappedIdentity(f"the token's {self.roles_claim!r} claim names no Assure role")
        return found[0]

    def _ours(self, value: str) -> Role | None:
        name = self.role_names.get(value, value)
        return Role(name) if name in set(Role) else None

    def identity(self, claims: Mapping[str, Any]) -> Identity:
        """The person the claims describe: subject, role, provider and display name."""
        # The subject names the person for good (inboxes, reads); the name claim is what a
        # history shows as acting (Identity.display).
        user = claims.get("sub")
        if not isinstance(user, str) or not user.strip():
            raise UnmappedIdentity("the token has no 'sub' claim naming the person")
        name = claim(claims, self.name_claim)
        name = name.strip()[:200] if isinstance(name, str) and name.strip() else None
        role = self.role(claims)
        provider = claim(claims, self.provider_claim) if role is Role.PROVIDER_USER else None
        if role is Role.PROVIDER_USER and not (isinstance(provider, str) and provider.strip()):
            raise UnmappedIdentity(f"a provider user's token needs the {self.provider_claim!r} "
                                   "claim naming their organisation")
        return Identity(user.strip(), role, provider.strip() if provider else None, name)
