"""A provider as it stood at a moment, as a readable summary: for each service a heading and its
key facts in words (contracts, returns owed, risk, interventions, messages), never its state as a
dump of fields. What a service reports that this does not know is still shown, in words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from assure.console.plain_words import Plain
from assure.console.rendering import humanise, money, percent, uk_date

Row = dict[str, Any]
Told = Callable[[Any, Plain], list[str] | str]


def _contract(c: dict[str, Any], plain: Plain) -> str:
    level = f", monitored at LEVEL {c['monitoring_level']}" if c.get("monitoring_level") else ""
    risk = f", assessed risk {c['assessed_risk']}" if c.get("assessed_risk") else ""
    ended = f"; ended {uk_date(c['ended_on'])}" if c.get("ended_on") else ""
    return (f"{c.get('reference')}: {plain.value('service_type', c.get('service_type'))}, "
            f"{money(c.get('annual_value'))} a year{level}{risk}{ended}")


def _owed(r: dict[str, Any], plain: Plain) -> str:
    return (f"{plain.value('form', r.get('form'))} for {uk_date(r.get('period_start'))} to "
            f"{uk_date(r.get('period_end'))} on contract {r.get('contract_reference')}, due "
            f"{uk_date(r.get('due_on'))}: {humanise(r.get('status')).lower()}")


def _concern(c: dict[str, Any], _: Plain) -> str:
    kind = " ".join(str(c[k]).capitalize() if i == 0 else str(c[k])
                    for i, k in enumerate(k for k in ("severity", "category") if c.get(k)))
    safety = " People’s safety is at risk." if c.get("safety_at_risk") else ""
    return f"{kind or 'Concern'} concern: {c.get('summary') or ''}{safety}"


def _intervention(i: dict[str, Any], _: Plain) -> str:
    rating = f", rated {i['performance_rating']}" if i.get("performance_rating") else ""
    return (f"{humanise(i.get('status'))} at the {i.get('level')} level{rating}; next step: "
            f"{i.get('next_step') or 'none'}")


def _plan(p: dict[str, Any], _: Plain) -> str:
    kind = "Directed improvement plan" if p.get("directed") else "Improvement plan"
    dates = "; ".join(f"{label} {uk_date(p[key])}" for key, label in (
        ("plan_due", "plan due"), ("targets_due", "targets due"), ("review_due", "review due"),
        ("visit_due", "visit due")) if p.get(key))
    return f"{kind}, {humanise(p.get('status')).lower()}" + (f": {dates}" if dates else "")


def _notice(n: dict[str, Any], _: Plain) -> str:
    comply = f", to comply by {uk_date(n['comply_by'])}" if n.get("comply_by") else ""
    return f"Breach notice, {humanise(n.get('status')).lower()}{comply}"


def _escalation(e: dict[str, Any], _: Plain) -> str:
    return f"{humanise(e.get('step'))}: {humanise(e.get('status')).lower()}"


def _records(names: list[str], _: Plain) -> str:
    """notify's records by kind: "14 deliveries, 2 return reminders"."""
    counted = Counter(names)
    return ", ".join(f"{count} × {humanise(_spaced(name)).lower()}"
                     for name, count in sorted(counted.items()))


def _spaced(name: str) -> str:
    return "".join(f" {c}" if c.isupper() and i else c for i, c in enumerate(name))


def _each(describe: Callable[[dict[str, Any], Plain], str]) -> Told:
    return lambda items, plain: [describe(item, plain) for item in items]


# What each fact is called, and how its value is told; in the order a reader wants them.
FACTS: dict[str, tuple[str, Told]] = {
    "provider": ("Provider", lambda p, _: f"{p.get('name')}" + (
        ", suspended" if p.get("suspended") else ", not suspended")),
    "contracts": ("Contracts", _each(_contract)),
    "returns_owed": ("Returns owed", _each(_owed)),
    "latest_score": ("Latest score", lambda v, _: percent(v)),
    "latest_band": ("Latest band", lambda v, _: str(v)),
    "risk_level": ("Risk level", lambda v, _: humanise(v)),
    "open_concerns": ("Open concerns", _each(_concern)),
    "interventions": ("Interventions", _each(_intervention)),
    "improvement_plans": ("Improvement plans", _each(_plan)),
    "breach_notices": ("Breach notices", _each(_notice)),
    "escalations": ("Escalations", _each(_escalation)),
    "aggregates": ("Records kept", _records),
}


def facts(found: dict[str, Any], plain: Plain) -> list[Row]:
    """A service's state as summary-list rows, each fact told in words."""
    rows = []
    for key, value in found.items():
        name, tell = FACTS.get(key, (humanise(key), _unknown))
        rows.append({"key": {"text": name}, "value": {"html": _html(
            tell(value, plain) if value not in (None, "", [], {}) else "None recorded")}})
    return rows


def _unknown(value: Any, plain: Plain) -> list[str] | str:
    """A fact this page does not know yet: its items' fields in words, never braces."""
    if isinstance(value, dict):
        return plain.facts(value, set(), most=8)
    if isinstance(value, list):
        return [plain.facts(item, set(), most=8) if isinstance(item, dict) else
                plain.value("", item) for item in value]
    return plain.value("", value)


def _html(told: list[str] | str) -> Markup:
    if isinstance(told, str):
        return escape(told)
    if len(told) == 1:
        return escape(told[0])
    return Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(
        Markup("").join(Markup("<li>{}</li>").format(line) for line in told))
