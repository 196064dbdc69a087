"""A provider's history told in plain English: each recorded event as a sentence saying who did
what, and why, with notify's delivery steps (who was told, each message queued and sent) folded
into their own list, as the auditors read them (issue 18)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from assure.console.plain_words import Plain, who_name
from assure.console.rendering import money, percent, uk_date
from shared.eventstore import WHO

# Notify's own steps in telling people: many to each event that matters, and rarely the point.
DELIVERY_STEPS = {("notify", "Notification"), ("notify", "Delivery")}
# Not worth a sentence's details: machine identifiers, whole answers and message bodies (they
# are in the downloads), and who and why (said on their own).
HIDDEN = {"provider_id", "correlation_id", "causation_id", "answers", "indicators", "body",
          "evidence", "submission_key", "request_digest", "addresses", "lease_until",
          "regulator_service_id", "reason", "summary", "sequence", "attempt", "signed_in",
          "traceparent", "key", "kpis", "about", "items", "hold", "may_wait", "reference",
          "registered_by", "awarded_by", "proposed_by", "opened_by", "approver", "decided_by",
          "role", "source", "about_event_type", "rule"} | set(WHO)

Said = Callable[[dict[str, Any], Plain], str]


def _period(d: dict[str, Any]) -> str:
    return f"{uk_date(d.get('period_start'))} to {uk_date(d.get('period_end'))}"


def _form(d: dict[str, Any], plain: Plain) -> str:
    return plain.value("form", d.get("form"))


def _contract(d: dict[str, Any]) -> str:
    reference = d.get("contract_reference") or d.get("reference")
    return f" on contract {reference}" if reference else ""


def _was(d: dict[str, Any], kind: str = "") -> str:
    """What a level was before it changed, if it was anything."""
    return f" (it was {kind}{d['previous_level']})" if d.get("previous_level") else ""


def _awarded(d: dict[str, Any], plain: Plain) -> str:
    regulator = f", regulated by {plain.value('regulator', d['regulator'])}" \
        if d.get("regulator") else ""
    return (f"awarded contract {d.get('reference')} for "
            f"{plain.value('service_type', d.get('service_type'))}, worth "
            f"{money(d.get('annual_value'))} a year from {uk_date(d.get('start_date'))}"
            f"{regulator}")


def _told(d: dict[str, Any], plain: Plain) -> str:
    return (f"told {plain.recipient(d.get('recipient'))} {plain.value('channel', d.get('channel'))}"
            f": “{plain.text(d.get('subject') or '')}”")


def _sent(d: dict[str, Any], plain: Plain) -> str:
    about = d.get("about") or {}
    return (f"sent the message to {plain.recipient(about.get('recipient'))} "
            f"{plain.value('channel', about.get('channel'))}")


SENTENCES: dict[tuple[str, str], Said] = {
    ("Provider", "Registered"): lambda d, p: f"registered {d.get('name')} as a provider",
    ("Contract", "Awarded"): _awarded,
    ("Contract", "LevelChanged"): lambda d, p: (
        f"set contract {d.get('reference')} to monitoring LEVEL {d.get('level')}"
        f"{_was(d, 'LEVEL ')}"),
    ("Contract", "RiskAssessed"): lambda d, p: (
        f"recorded the contract’s assessed risk as {d.get('assessed_risk')}"),
    ("ReturnRequest", "Requested"): lambda d, p: (
        f"asked for the {_form(d, p)} for {_period(d)}{_contract(d)}, due "
        f"{uk_date(d.get('due_on'))}"),
    ("ReturnRequest", "Fulfilled"): lambda d, p: (
        f"recorded the return asked for as received on {uk_date(d.get('submitted_on'))}"
        + (", late" if d.get("late") else ", on time")),
    ("ReturnRequest", "BecameOverdue"): lambda d, p: (
        f"recorded the {_form(d, p)}{_contract(d)}, due {uk_date(d.get('due_on'))}, as overdue"),
    ("ReturnRequest", "ReminderSent"): lambda d, p: (
        f"reminded the provider of a return still owed, on {uk_date(d.get('sent_on'))}"),
    ("MonitoringReturn", "Submitted"): lambda d, p: (
        f"submitted the {_form(d, p)} for {_period(d)}{_contract(d)}"),
    ("RiskProfile", "Opened"): lambda d, p: "started the provider’s risk profile",
    ("RiskProfile", "ContractNoted"): lambda d, p: (
        f"noted contract {d.get('reference')}, for "
        f"{p.value('service_type', d.get('service_type'))}"),
    ("RiskProfile", "MonitoringLevelNoted"): lambda d, p: (
        f"noted that contract {d.get('reference')} is monitored at LEVEL {d.get('level')}"),
    ("RiskProfile", "ReturnScored"): lambda d, p: (
        f"scored the {_form(d, p)} for {_period(d)}"
        + (f": {percent(d['score'])}" if d.get("score") not in (None, "") else "")),
    ("RiskProfile", "ConcernRaised"): lambda d, p: " ".join(
        ["raised a", *([d["severity"]] if d.get("severity") else []), "concern about",
         d.get("category") or "the provider"]),
    ("RiskProfile", "RiskLevelAssessed"): lambda d, p: (
        f"assessed the provider’s risk as {d.get('level')}{_was(d)}"),
    ("RiskProfile", "ReturnOverdueNoted"): lambda d, p: (
        f"noted that a return due {uk_date(d.get('due_on'))} is overdue"),
    ("Intervention", "Opened"): lambda d, p: (
        f"opened an intervention at the {d.get('level')} level, its next step a "
        f"{d.get('step')}"),
    ("Escalation", "Proposed"): lambda d, p: f"proposed a {d.get('step')}, for approval",
    ("Escalation", "Approved"): lambda d, p: f"approved the {d.get('step')}",
    ("Escalation", "Rejected"): lambda d, p: f"rejected the {d.get('step')}",
    ("MonitoringReport", "Drafted"): lambda d, p: (
        f"drafted the {d.get('kind') or 'report'} of the monitoring activity on "
        f"{uk_date(d.get('activity_on'))}"),
    ("MonitoringReport", "Issued"): lambda d, p: (
        f"issued the monitoring report on {uk_date(d.get('on'))}; the provider may reply by "
        f"{uk_date(d.get('reply_by'))}" + (" (issued late)" if d.get("late") else "")),
    ("MonitoringReport", "Replied"): lambda d, p: (
        f"replied to the monitoring report on {uk_date(d.get('on'))}"),
    ("MonitoringReport", "Finalised"): lambda d, p: (
        f"finalised the monitoring report on {uk_date(d.get('on'))}"
        + (", with the provider’s reply" if d.get("with_reply") else "")),
    ("ProviderContacts", "Opened"): lambda d, p: "started keeping the provider’s contacts",
    ("ProviderContacts", "ContractNoted"): lambda d, p: (
        f"noted contract {d.get('reference')}, managed by {d.get('contract_manager')}"),
    ("ReturnReminders", "Opened"): lambda d, p: (
        f"started reminders for the {_form(d, p)} for {_period(d)}{_contract(d)}"),
    ("ReturnReminders", "Scheduled"): lambda d, p: (
        f"set reminders for the return due {uk_date(d.get('due_on'))}"),
    ("ReturnReminders", "Closed"): lambda d, p: "stopped the reminders",
    ("Notification", "Delivered"): _told,
    ("Delivery", "Queued"): lambda d, p: (
        f"queued a message to {p.recipient(d.get('recipient'))} "
        f"{p.value('channel', d.get('channel'))}: “{p.text(d.get('subject') or '')}”"),
    ("Delivery", "Sent"): _sent,
    ("Delivery", "AttemptStarted"): lambda d, p: (
        f"tried the message again (attempt {d.get('attempt')})"),
    ("Delivery", "AttemptFailed"): lambda d, p: (
        f"could not send the message (attempt {d.get('attempt')}): {d.get('error')}"),
    ("Delivery", "Failed"): lambda d, p: (
        f"gave up sending the message after {d.get('attempts')} attempts: {d.get('error')}"),
    ("ProviderContacts", "Named"): lambda d, p: f"noted the provider’s name, {d.get('name')}",
}


def sentence(entry: dict[str, Any], plain: Plain) -> str:
    """Who did what, as one sentence: "Morag Campbell approved the breach notice."."""
    data = entry.get("data") or {}
    said = SENTENCES.get((entry["aggregate"], entry["event"]))
    if said is not None:
        what = said(data, plain)
    else:
        what = f"recorded: {_words(entry['aggregate'])} {_words(entry['event']).lower()}"
        facts = plain.facts(data, HIDDEN)
        what += f" ({facts})" if facts else ""
    return f"{who_name(entry.get('who'))} {what}."


def _words(name: str) -> str:
    """RiskProfile → Risk profile."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return spaced[:1].upper() + spaced[1:].lower()


def told(entries: Iterable[dict[str, Any]], plain: Plain,
         when: Callable[[str], Any]) -> list[dict[str, Any]]:
    """The history as it is read: each event a sentence with its why, and each run of delivery
    steps between them one folded group."""
    told_so_far: list[dict[str, Any]] = []
    for entry in entries:
        step = {"time": when(entry["time"]), "sentence": sentence(entry, plain),
                "why": plain.text(entry["why"]) if entry.get("why") else ""}
        if (entry["service"], entry["aggregate"]) not in DELIVERY_STEPS:
            told_so_far.append(step)
        elif told_so_far and "steps" in told_so_far[-1]:
            told_so_far[-1]["steps"].append(step)
        else:
            told_so_far.append({"steps": [step]})
    return told_so_far
