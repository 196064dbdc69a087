"""Reads a council's notify configuration from a JSON file (`ASSURE_NOTIFY_CONFIG_FILE`).

The file holds only what differs from the defaults in `services/notify/domain/defaults.py`:

    {
      "sender": "Contract Monitoring <contracts@council.gov.uk>",
      "contacts": {
        "operations": {"email": ["duty@council.gov.uk"], "webhooks": ["ops-chat"],
                       "by_service_type": {"care-home": {"email": ["care-homes@council.gov.uk"]}}},
        "contract-manager": {"email": ["contracts@council.gov.uk"], "digest": "daily"},
        "provider": {"email": ["returns@{provider_id}.example"]},
        "provider-oakwood": {"email": ["manager@oakwood.example"], "digest": "weekly"}
      },
      "localities": {"oakwood": "north"},
      "users": {"ann": {"name": "Ann Contract-Manager", "roles": ["contract-manager"],
                        "email": "ann@council.gov.uk"}},
      "webhooks": {"ops-chat": {"url": "https://chat.example/hooks/1",
                                "secret_env": "ASSURE_OPS_CHAT_SECRET"}},
      "more_rules": [{"event": "ConcernResolved", "to": ["contract-manager"]}],
      "templates": {"ReturnOverdue@provider": {"subject": "...", "body": "..."}},
      "schedule": {"digest_hour": 8, "digest_weekday": 0, "reminder_days": [7, 3, 1]}
    }

Maps (contacts, aliases, localities, users, webhooks, templates) are merged key by key with the
defaults; "rules" replaces the default rules, "more_rules" adds to them.
A template's key is an event type for the council's staff, with "@provider" for the provider's
own users (or "@<role>" for one role); see `services/notify/domain/templates.py`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.notify.domain.config import NotifyConfig
from services.notify.domain.defaults import DEFAULT_CONFIG

MERGED = ("contacts", "aliases", "localities", "users", "webhooks", "templates")


class NotifyConfigurationError(ValueError):
    """The configuration file cannot be used; the message says which file and why."""


def load_notify_config(path: str | Path | None) -> NotifyConfig:
    """The council's configuration, or the documented defaults when no file is set."""
    if not path:
        return DEFAULT_CONFIG
    file = Path(path)
    try:
        given = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise NotifyConfigurationError(
            f"cannot read the notify configuration {file}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise NotifyConfigurationError(
            f"the notify configuration {file} is not JSON: line {error.lineno}, "
            f"column {error.colno}: {error.msg}") from error
    try:
        return config_from_dict(given)
    except (ValidationError, ValueError, TypeError) as error:
        raise NotifyConfigurationError(f"the notify configuration {file}: {error}") from error


def config_from_dict(given: Any) -> NotifyConfig:
    """The defaults with the given values laid over them, validated."""
    if not isinstance(given, dict):
        raise TypeError("it must be a JSON object")
    merged = asdict(DEFAULT_CONFIG)
    for key, value in sorted(given.items(), key=lambda item: item[0] == "more_rules"):
        if key in MERGED and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        elif key == "more_rules" and isinstance(value, list):
            merged["rules"] = [*merged["rules"], *value]
        else:
            merged[key] = value
    return TypeAdapter(NotifyConfig).validate_python(merged)
