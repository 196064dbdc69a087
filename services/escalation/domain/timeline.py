"""A provider's timeline of events and the briefing made from it (000).

When significant and persistent concerns arise, a timeline of events is started at once and
kept up to date; briefings go to service managers, commissioners and heads of service
throughout. The timeline is read from the stored events themselves, so it is current the
moment anything is recorded and cannot disagree with the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.escalation.domain.narrative import sentence
from shared.uk import long_date
from shared.vocabulary import Level

Entry = Mapping[str, Any]
AUDIENCE = "service managers, commissioners and heads of service"


def why_timeline_starts(entry: Entry) -> str | None:
    """The reason this event makes concerns significant and persistent, or None (000)."""
    kind = (entry["aggregate"], entry["event"])
    data = entry["data"]
    if kind == ("Intervention", "Opened") and data["level"] == Level.ENFORCE:
        return "a significant concern, enforced against"
    if kind == ("Intervention", "ConcernAdded"):
        return "a further concern while an intervention is open: the concerns persist"
    if kind == ("Intervention", "ConcernRecurred"):
        return "a concern came up again while an intervention is open: the concerns persist"
    if kind == ("Intervention", "DeadlineMissed"):
        return "a deadline passed unmet: the concerns persist"
    if kind == ("BreachNotice", "Issued"):
        return "a breach notice was issued"
    return None


@dataclass(frozen=True)
class TimelineEntry:
    time: str
    event: str
    what: str


@dataclass(frozen=True)
class Timeline:
    started_at: str | None = None
    why: str | None = None
    entries: list[TimelineEntry] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return self.started_at is not None


def timeline_of(history: Sequence[Entry]) -> Timeline:
    """From the opening of the intervention where concerns became significant and persistent."""
    for index, entry in enumerate(history):
        why = why_timeline_starts(entry)
        if why is not None:
            begin = _opening_of(history, _intervention_of(entry), before=index)
            return Timeline(entry["time"], why, [_told(e) for e in history[begin:]])
    return Timeline()


def _intervention_of(entry: Entry) -> str:
    if entry["aggregate"] == "Intervention":
        return str(entry["aggregate_id"])
    return str(entry["data"].get("intervention_id"))


def _opening_of(history: Sequence[Entry], intervention_id: str, before: int) -> int:
    for index, entry in enumerate(history[: before + 1]):
        if (entry["aggregate"], entry["event"], str(entry["aggregate_id"])) == (
            "Intervention",
            "Opened",
            intervention_id,
        ):
            return index
    return before


def _told(entry: Entry) -> TimelineEntry:
    event = f"{entry['aggregate']}.{entry['event']}"
    return TimelineEntry(
        entry["time"], event, sentence(entry["aggregate"], entry["event"], entry["data"])
    )


@dataclass(frozen=True)
class Standing:
    """Where one intervention stands, for a briefing."""

    intervention_id: str
    contract_reference: str | None
    level: str
    rating: str
    next_step: str
    open: bool
    suspended_on: date | None
    waiting_for_decision: list[str]
    plans: list[str]
    notices: list[str]
    coming_up: list[tuple[date, str]]


def briefing_text(
    provider_id: str, as_of: date, standings: Sequence[Standing], timeline: Timeline
) -> str:
    """A plain briefing that reads on its own, for the people §6 says must have one."""
    lines = [f"Briefing on provider {provider_id} as at {long_date(as_of)}", f"For {AUDIENCE}.", ""]
    open_ones = [s for s in standings if s.open]
    lines.append(f"Open interventions: {len(open_ones)} of {len(standings)}.")
    for standing in open_ones:
        lines += _standing_lines(standing, as_of)
    if timeline.started:
        lines += ["", f"Timeline (started {timeline.started_at[:10]}: {timeline.why}):"]
        lines += [f"- {entry.time[:10]} {entry.what}" for entry in timeline.entries]
    else:
        lines += ["", "No timeline: concerns have not been significant and persistent."]
    return "\n".join(lines)


def _standing_lines(s: Standing, as_of: date) -> list[str]:
    scope = f"contract {s.contract_reference}" if s.contract_reference else "the provider"
    lines = [
        f"- Intervention on {scope} at {s.level.title()} ({s.rating}); next step: {s.next_step}."
    ]
    if s.suspended_on:
        lines.append(f"  Suspended since {long_date(s.suspended_on)}: no new awards.")
    lines += [f"  Waiting for a decision: {step}." for step in s.waiting_for_decision]
    lines += [f"  {plan}." for plan in s.plans]
    lines += [f"  {notice}." for notice in s.notices]
    lines += [
        f"  Coming up: {what} by {long_date(due)}." for due, what in s.coming_up if due >= as_of
    ]
    return lines
