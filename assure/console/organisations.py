"""Each provider's name as the console last read it from the register, so the page heading can
name a provider user's organisation on any page without asking the API again."""

from __future__ import annotations

import re
from typing import Any

REGISTER = re.compile(r"^/intake/providers(/[^/]+)?$")
# Names as last read from the API, by provider id: a display cache, never a source of truth.
_LAST_READ: dict[str, str] = {}


def remember(path: str, found: Any) -> None:
    """Keeps the names in an answer from the register (`/intake/providers[/{id}]`)."""
    if not REGISTER.match(path):
        return
    for provider in found if isinstance(found, list) else [found]:
        if isinstance(provider, dict) and provider.get("provider_id") and provider.get("name"):
            _LAST_READ[provider["provider_id"]] = provider["name"]


def organisation(provider_id: str | None) -> str | None:
    """The provider's name, if the console has read it."""
    return _LAST_READ.get(provider_id) if provider_id else None
