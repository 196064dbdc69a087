"""The topics stored events are filed under, old names of renamed events included.

A stored event keeps the topic it was written under for ever. When an event class is renamed
or moved (issue 17: events named as what happened), its old topic is registered with the
library so old events still load as the new class, and remembered here so that whatever reads
the notification log by topic (the read models' followers) asks for the old name too.
"""

from __future__ import annotations

from collections import defaultdict

from eventsourcing.utils import get_topic, register_topic

_OLD_TOPICS: defaultdict[type, list[str]] = defaultdict(list)


def renamed(old_topic: str, event_class: type) -> None:
    """Events stored under `old_topic` are now `event_class`."""
    register_topic(old_topic, event_class)
    if old_topic not in _OLD_TOPICS[event_class]:
        _OLD_TOPICS[event_class].append(old_topic)


def topics_of(event_class: type) -> tuple[str, ...]:
    """Every topic under which events of this class may be stored, today's first."""
    return (get_topic(event_class), *_OLD_TOPICS[event_class])
