"""Plain-English messages from templates, with UK dates and no more personal data than needed.

`string.Template` rather than a template engine: the wording comes from a council's own
configuration file, and `$name` substitution can neither run code nor reach into objects, so an
edited template cannot leak more of an event than the names below. The logic (UK dates, form
names, who proposed a step) stays here, in small tested functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from string import Template
from typing import Any

from services.notify.domain.config import MessageTemplate
from services.notify.domain.facts import Fact, IntegrationEvent, fact_of
from services.notify.domain.rules import PROVIDER, is_provider
from services.notify.domain.templates import DEFAULT_TEMPLATES
from shared.uk import clause, long_date

SAFETY_WARNING = "URGENT - people's safety may be at risk. "
URGENT_PREFIX = "URGENT: "
COUNCIL = "council"  # the audience of the council's staff, as a template key's suffix
GENERIC = MessageTemplate(
    "${event_words} for ${provider}",
    "${event_words} for ${provider}. Open Assure for the details.",
)
FORM_NAMES = {
    "cmr-level-1": "contract monitoring return",
    "return-level-2": "six-monthly monitoring return",
    "return-level-3": "annual monitoring return",
    "kpi": "KPI return",
    "self-assessment": "self-assessment questionnaire",
}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# An id made by a machine, not a council: a UUID, with or without its hyphens (intake names a
# provider registered without an id by a UUID's hex).
MACHINE_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_SPACES = re.compile(r" {2,}")


def compose(
    event: IntegrationEvent | Fact,
    recipient: str | None = None,
    urgent: bool = False,
    templates: Mapping[str, MessageTemplate] | None = None,
) -> tuple[str, str]:
    """Subject line and body of the message about an event for one recipient."""
    fact = fact_of(event)
    template = template_for(fact.type, recipient, DEFAULT_TEMPLATES if templates is None
                            else templates)
    context = context_for(fact, urgent)
    return (_fill(template.subject, context), _fill(template.body, context))


def template_for(
    event_type: str, recipient: str | None, templates: Mapping[str, MessageTemplate]
) -> MessageTemplate:
    """The wording for the recipient's role, else for its audience (the provider's own users or
    the council's staff), else the event's, else the generic wording."""
    audience = audience_of(recipient)
    role = PROVIDER if audience == PROVIDER else recipient
    for key in (f"{event_type}@{role}", f"{event_type}@{audience}", event_type):
        if key in templates:
            return templates[key]
    return GENERIC


def audience_of(recipient: str | None) -> str:
    """Whom a message speaks to: a provider's own users, or the council's staff (every role,
    and a message composed for nobody in particular)."""
    return PROVIDER if recipient and is_provider(recipient) else COUNCIL


def _fill(text: str, context: Mapping[str, str]) -> str:
    # safe_substitute: a mistyped placeholder in a council's template shows, it does not crash.
    return _SPACES.sub(" ", Template(text).safe_substitute(context)).strip()


def context_for(fact: Fact, urgent: bool = False) -> dict[str, str]:
    """Every placeholder a template may use: the event's fields in words, and a few more."""
    # The templates put the full stop after a summary or reason: one the text brings is dropped.
    context = {name: clause(as_text(value)) for name, value in fact.fields.items()}
    context["provider_id"] = fact.provider_id
    context.update(provider_words(fact))
    context["event_words"] = event_words(fact.type)
    context["urgent_prefix"] = URGENT_PREFIX if urgent else ""
    for name, extra in EXTRAS.items():
        if name in fact.fields:
            context.update(extra(fact.fields))
    if "recipient" in fact.fields:
        context["recipient_words"] = recipient_words(str(fact.fields["recipient"]),
                                                     context["provider"])
    return context


def provider_words(fact: Fact) -> dict[str, str]:
    """The provider by its registered name, when the fact carries it (notify adds it), else by
    the id the council gave it (never one intake made up: "the provider"); and the period a
    return covers, as a phrase, when the fact has one."""
    name = as_text(fact.fields.get("provider_name"))
    period = (f" for {_period(fact.fields)['period']}"
              if fact.fields.get("period_start") else "")
    if not name and MACHINE_ID.fullmatch(fact.provider_id):
        return {"provider": "the provider", "Provider": "The provider", "for_period": period}
    return {"provider": name or f"provider {fact.provider_id}",
            "Provider": name or f"Provider {fact.provider_id}", "for_period": period}


def recipient_words(recipient: str, provider: str) -> str:
    """Whom notify addressed, as people say it: "Oakwood Care Home's users", "contract
    manager", where the address is "provider-<id>" or "contract-manager"."""
    if is_provider(recipient):
        return f"{provider}'s users"
    return recipient.removeprefix("user-").replace("-", " ")


def as_text(value: Any) -> str:
    """A field's value in plain words: dates as "15 April 2025", lists joined with commas."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{long_date(value.date())} at {value:%H:%M}"
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "model_dump"):  # a nested contract model, e.g. a plan's action
        return ", ".join(as_text(v) for v in value.model_dump().values())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(as_text(v) for v in value)
    return str(value)


def event_words(event_type: str) -> str:
    """"BreachNoticeIssued" -> "Breach notice issued"."""
    words = _CAMEL.sub(" ", event_type).lower()
    return words[:1].upper() + words[1:]


def form_name(form: str) -> str:
    return FORM_NAMES.get(form, "return")


def proposer(proposed_by: str) -> str:
    # Steps the system proposes itself carry a machine name; people read who stands behind it.
    if proposed_by.startswith("assure:"):
        return "Assure, following the council's proportionality policy,"
    return proposed_by


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _period(fields: Mapping[str, Any]) -> dict[str, str]:
    return {"period": f"{as_text(fields['period_start'])} to {as_text(fields.get('period_end'))}"}


def _categories(fields: Mapping[str, Any]) -> dict[str, str]:
    named = as_text(fields["categories"])
    return {"categories_sentence": f"Categories: {named}. " if named else ""}


def times(count: int) -> str:
    """'once', 'twice', '3 times'."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


EXTRAS: dict[str, Callable[[Mapping[str, Any]], dict[str, str]]] = {
    "form": lambda f: {"form_name": form_name(str(f["form"]))},
    "period_start": _period,
    "proposed_by": lambda f: {"proposer": proposer(str(f["proposed_by"]))},
    "approver_role": lambda f: {"approver_role": str(f["approver_role"]).replace("_", " ")},
    "safety_at_risk": lambda f: {"safety_warning": SAFETY_WARNING if f["safety_at_risk"] else ""},
    "on_track": lambda f: {"on_track_words": "on track" if f["on_track"] else "not on track"},
    "actions": lambda f: {"action_count": plural(len(f["actions"]), "action")},
    "days": lambda f: {"days_words": plural(int(f["days"]), "day")},
    "occurrences": lambda f: {"occurrences_words": times(int(f["occurrences"]))},
    "attempts": lambda f: {"attempts_words": plural(int(f["attempts"]), "attempt")},
    "about_event_type": lambda f: {"about_words": event_words(str(f["about_event_type"])).lower()},
    "recipients": lambda f: {"recipients_words": as_text(f["recipients"])},
    "categories": _categories,
}
