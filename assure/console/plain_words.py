"""Machine words made plain for the console's readers: provider ids as names, form ids as form
titles, ISO dates as UK dates, role and recipient slugs as people say them, and identifiers
(UUIDs) left out. The services' API answers carry the ids; a person reads the words."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import Any

from assure.console.client import Api, ApiError
from assure.console.navigation import ROLE_NAMES
from assure.console.rendering import humanise, money, uk_date
from assure.console.return_form import FORM_TITLES, form_title
from assure.console.session import Visitor
from assure.exports import UK
from shared.security.identity import Role
from shared.security.permissions import rule_for

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?)?\b")
REFERENCE_TO_A_UUID = re.compile(r"\s*\b(?:[A-Z]?\w+ )?reference:?\s+" + UUID.pattern + r"\.?")
# A reference into the council's source documents, for engineers: "(§8)", "(004 App. 4 §9)",
# "(002)", "003 row 13".
DOCUMENT_REFERENCE = re.compile(r"\s*\((?:domain-rules\s*)?(?:§\s*[\w.]+|\d{3}\b[^()]*)\)"
                                r"|\s*\b\d{3} row \d+\b|\s*§\s*[\w.]+")
# Only the ids no one would write in a sentence: "kpi" may be a word in its own right.
FORM_ID = re.compile(r"\b(?:" + "|".join(re.escape(form) for form in FORM_TITLES
                                        if "-level-" in form) + r")\b")
# Who is told, by the name notify routes to: a team, a role's inbox or a provider's users.
RECIPIENTS = {"contract-manager": "the contract manager", "operations": "operations",
              "locality-manager": "the locality manager",
              "commissioning-manager": "the commissioning manager",
              "head-of-strategic-planning": "the Head of Strategic Planning"}
CHANNELS = {"in-app": "in Assure", "email": "by e-mail", "chat": "by chat message",
            "webhook": "by webhook", "sms": "by text message"}
REGULATORS = {"care-inspectorate": "the Care Inspectorate", "cqc": "the Care Quality Commission"}


def role_name(slug: str | None) -> str:
    """commissioning_officer → Commissioning officer."""
    try:
        return ROLE_NAMES[Role(slug)]
    except ValueError:
        return humanise(slug)


def who_name(who: str | None) -> str:
    """A person's name as recorded; Assure itself where no one acted, or a named policy of it
    (assure:proportionality-policy → Assure's proportionality policy)."""
    if not who:
        return "Assure"
    if who.startswith("assure:"):
        return f"Assure’s {humanise(who.removeprefix('assure:')).lower()}"
    return who


def uk_moment(value: str | datetime) -> str:
    """6 December 2026, 4:18:51pm, UK time: auditors need the seconds."""
    when = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(UK)
    hour = when.hour % 12 or 12
    return f"{uk_date(when)}, {hour}:{when:%M:%S}{'am' if when.hour < 12 else 'pm'}"


class Plain:
    """Words for one provider's records: its id read as its name wherever it appears."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = dict(names)
        ids = sorted(self.names, key=len, reverse=True)
        self._ids = re.compile(r"\b(provider[- ])?(" + "|".join(map(re.escape, ids)) + r")\b") \
            if ids else None

    def name(self, provider_id: str) -> str:
        return self.names.get(provider_id, humanise(provider_id))

    def recipient(self, slug: str | None) -> str:
        """provider-elm-court → Elm Court Care Home's users; contract-manager → the contract
        manager."""
        slug = slug or ""
        if slug.startswith("provider-"):
            return f"{self.name(slug.removeprefix('provider-'))}’s users"
        return RECIPIENTS.get(slug) or f"the {humanise(slug).lower()}"

    def text(self, value: Any) -> str:
        """Free text (a subject, a reason) with ids as names, form ids as titles, ISO dates as
        UK dates and UUIDs left out."""
        text = str(value)
        if self._ids:
            text = self._ids.sub(lambda m: self.name(m.group(2)), text)
        text = FORM_ID.sub(lambda m: form_title(m.group(0)), text)
        text = ISO_DATE.sub(lambda m: uk_date(m.group(1)), text)
        text = DOCUMENT_REFERENCE.sub("", text)
        text = REFERENCE_TO_A_UUID.sub("", text)  # "Escalation reference 5b79…." says nothing
        return re.sub(r"\s{2,}", " ", UUID.sub("", text)).strip()

    def value(self, key: str, value: Any) -> str:
        """One recorded value in words, by what its key says it is."""
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        told = self._by_key(key)
        if told is not None:
            return told(value)
        if isinstance(value, (date, datetime)):
            return uk_date(value)
        text = self.text(value)
        if re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)+", text):
            return humanise(text).lower()  # a slug: care-at-home → care at home
        return text

    def _by_key(self, key: str) -> Callable[[Any], str] | None:
        if key.endswith("value"):
            return money
        return {"form": lambda v: form_title(str(v)), "role": lambda v: role_name(str(v)),
                "regulator": lambda v: REGULATORS.get(str(v), humanise(v)),
                "recipient": lambda v: self.recipient(str(v)),
                "channel": lambda v: CHANNELS.get(str(v), humanise(v))}.get(key)

    def facts(self, data: Mapping[str, Any], hidden: set[str], most: int = 4) -> str:
        """A record's other fields as "name: value", ids and whole documents left out."""
        shown = []
        for key, value in data.items():
            if key in hidden or key.endswith("_id") or value in (None, "", [], {}) or \
                    (isinstance(value, str) and UUID.fullmatch(value)):
                continue
            text = f"{len(value)} items" if isinstance(value, (list, dict)) else \
                self.value(key, value)
            shown.append(f"{key.replace('_', ' ')}: {text[:80]}")
        return "; ".join(shown[:most])


async def provider_names(api: Api, who: Visitor, shown: Collection[str]) -> dict[str, str]:
    """The names of the providers a page shows that the person may read: their own
    organisation's for a provider's user, from the register for anyone the role matrix lets
    read it (only those asked: the whole register is thousands at a nation's size); else none."""
    own = who.identity.provider_id
    rule = rule_for("GET", "/intake/providers")
    try:
        if own:
            return {own: (await api.get(f"/intake/providers/{own}"))["name"]}
        if shown and rule is not None and rule.allows(who.identity.role):
            found = await api.get("/intake/providers", provider_id=sorted(set(shown)))
            return {p["provider_id"]: p["name"] for p in found}
    except ApiError:
        pass  # the ids are read as they are: a page without names, never a failed page
    return {}
