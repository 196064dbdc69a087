"""How far a view has read, when what it read made no rows: kept in memory and written with its
next rows, once it is too far ahead, or when the service is quiet, rather than in a write
transaction of its own after every commit (issue 16). Whatever reads the view (this process,
another one, a restart) sees the same rows.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.views import store
from shared.views.dead_letters import DeadLettersIndex
from shared.views.keys import KeysIndex
from shared.views.store import Follower

pytestmark = pytest.mark.integration



def register(app: Any, count: int) -> list[str]:
    """Registers providers: events every provider's keys index, but no parked message."""
    ids = [f"p-{uuid.uuid4().hex[:8]}" for _ in range(count)]
    for provider_id in ids:
        app.register_provider(f"Care home {provider_id}", provider_id, "an officer", "c")
    return ids


def stored(follower: Follower) -> int:
    return follower.view.max_tracking_id(follower.tracking_name) or 0


def test_a_view_whose_events_were_not_among_those_read_does_not_write_its_position(intake):
    register(intake, 1)
    intake.views.catch_up()  # a view's first read fills it and writes where it got to
    register(intake, 3)
    last = intake.recorder.max_notification_id()

    intake.views.catch_up()

    letters = intake.views.followers[DeadLettersIndex]
    assert letters.position == last  # it has read them all ...
    assert stored(letters) < last  # ... and made no rows, so wrote nothing
    keys = intake.views.followers[KeysIndex]
    assert stored(keys) == last  # a view that made rows wrote them with its position


def test_a_quiet_service_writes_how_far_its_views_read(intake):
    register(intake, 1)
    intake.views.catch_up()
    register(intake, 2)
    intake.views.catch_up()

    intake.views.write_positions()

    last = intake.recorder.max_notification_id()
    assert all(stored(f) == last for f in intake.views.followers.values())


def test_a_view_writes_its_position_once_it_is_far_enough_ahead(intake, monkeypatch):
    monkeypatch.setattr(store, "UNWRITTEN", 4)
    letters = intake.views.followers[DeadLettersIndex]
    register(intake, 1)
    intake.views.catch_up()
    before = stored(letters)

    register(intake, 5)  # five events: more than four
    intake.views.catch_up()

    assert stored(letters) == intake.recorder.max_notification_id() > before


def test_another_reader_of_the_view_reads_on_from_the_stored_position(intake):
    register(intake, 1)
    intake.views.catch_up()
    ids = register(intake, 2)
    intake.views.catch_up()
    letters = intake.views.followers[DeadLettersIndex]
    # Another process's follower of the same view, as `assure up`'s HTTP side has.
    other = Follower(intake, DeadLettersIndex(view=letters.view))
    keys = Follower(intake, KeysIndex(view=intake.views.followers[KeysIndex].view))

    assert other.catch_up() > 0  # it reads again what the first read without writing
    keys.catch_up()
    assert intake.dead_letters().items == []
    assert intake.has_any_under(f"provider:{ids[0]}")
    assert other.position == letters.position == intake.recorder.max_notification_id()
