"""Digests: items that may wait, bundled per recipient into one message a day or a week.

A digest is due at the configured hour (UK time) each day, or on the configured weekday each
week. Its key is the time it fell due, so running the schedule twice sends it once; an item held
after a digest went out waits for the next one. Urgent items are never held (see `Route`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.notify.domain.config import DAILY, WEEKLY, Schedule
from services.notify.domain.messages import plural

UK = ZoneInfo("Europe/London")


def due_since(kind: str, at: datetime, schedule: Schedule) -> datetime:
    """The latest time at or before `at` when a digest of this kind fell due (UK local time)."""
    local = at.astimezone(UK)
    due = datetime.combine(local.date(), time(schedule.digest_hour), tzinfo=UK)
    if due > local:
        due -= timedelta(days=1)
    if kind == WEEKLY:
        due -= timedelta(days=(due.weekday() - schedule.digest_weekday) % 7)
    elif kind != DAILY:
        raise ValueError(f"no digest of kind {kind!r}")
    return due


def digest_key(kind: str, due: datetime, recipient: str) -> str:
    return f"digest:{kind}:{due.date().isoformat()}:{recipient}"


@dataclass(frozen=True)
class Item:
    subject: str
    body: str


def compose_digest(kind: str, due: datetime, items: Sequence[Item]) -> tuple[str, str]:
    """The digest's subject and body: each item's subject, then its message."""
    period = "daily" if kind == DAILY else "weekly"
    when = f"{due.day} {due:%B %Y}"
    subject = f"Your {period} digest for {when}: {plural(len(items), 'notification')}"
    lines = [f"{plural(len(items), 'notification')} that did not need to reach you at once:", ""]
    for number, item in enumerate(items, start=1):
        lines += [f"{number}. {item.subject}", f"   {item.body}", ""]
    lines.append("Urgent notifications are always sent at once and never wait for a digest.")
    return subject, "\n".join(lines)
