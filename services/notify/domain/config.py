"""A council's notify configuration: rules, distribution lists, webhooks, templates, schedule.

Plain dataclasses: the adapter that reads the JSON file validates into them, and the defaults in
`defaults.py` are written with them. `__pydantic_config__` is a plain dict read by that adapter,
so an unknown key in the file is an error rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.notify.domain.rules import Rule

STRICT: dict[str, Any] = {"extra": "forbid"}
IMMEDIATE = "immediate"
DAILY = "daily"
WEEKLY = "weekly"
DIGEST_PREFERENCES = (IMMEDIATE, DAILY, WEEKLY)


@dataclass(frozen=True)
class Team:
    """A distribution list for one locality or service type."""

    __pydantic_config__ = STRICT

    email: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    """How a role (or the providers) is reached; `{provider_id}` in an address is filled in."""

    __pydantic_config__ = STRICT

    email: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    digest: str = IMMEDIATE  # immediate, daily or weekly, for items that may wait
    by_locality: Mapping[str, Team] = field(default_factory=dict)
    by_service_type: Mapping[str, Team] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.digest not in DIGEST_PREFERENCES:
            raise ValueError(f"digest must be one of {', '.join(DIGEST_PREFERENCES)}")


@dataclass(frozen=True)
class User:
    """A person with an inbox of their own: the roles they hold and, optionally, an address."""

    __pydantic_config__ = STRICT

    name: str
    roles: tuple[str, ...] = ()
    email: str | None = None


@dataclass(frozen=True)
class Webhook:
    """A chat tool's incoming webhook; the secret signs each body (HMAC-SHA256)."""

    __pydantic_config__ = STRICT

    url: str
    secret: str = ""
    secret_env: str = ""  # the environment variable holding the secret (preferred)


@dataclass(frozen=True)
class MessageTemplate:
    """`string.Template` text: $provider_id, $due_on, ... (see messages.py for the names)."""

    __pydantic_config__ = STRICT

    subject: str
    body: str


@dataclass(frozen=True)
class Schedule:
    """When digests go out (UK time) and how many days before a due date providers are reminded."""

    __pydantic_config__ = STRICT

    digest_hour: int = 8
    digest_weekday: int = 0  # Monday
    reminder_days: tuple[int, ...] = (7, 3, 1)

    def __post_init__(self) -> None:
        if not 0 <= self.digest_hour <= 23 or not 0 <= self.digest_weekday <= 6:
            raise ValueError("digest_hour is 0-23 and digest_weekday 0 (Monday) to 6 (Sunday)")
        if any(days < 1 for days in self.reminder_days):
            raise ValueError("reminder_days are whole days before the due date, 1 or more")


@dataclass(frozen=True)
class NotifyConfig:
    """Everything a council configures about who is told what, and how."""

    __pydantic_config__ = STRICT

    sender: str
    rules: tuple[Rule, ...]
    contacts: Mapping[str, Contact]
    aliases: Mapping[str, str] = field(default_factory=dict)
    localities: Mapping[str, str] = field(default_factory=dict)  # provider id -> locality
    users: Mapping[str, User] = field(default_factory=dict)
    webhooks: Mapping[str, Webhook] = field(default_factory=dict)
    templates: Mapping[str, MessageTemplate] = field(default_factory=dict)
    schedule: Schedule = field(default_factory=Schedule)
