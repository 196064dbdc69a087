"""A message that kept failing is parked, and replayed at most once (shared/dead_letter.py)."""

from __future__ import annotations

import pytest

from shared.dead_letter import DeadLetter, DeadLetterAlreadyReplayed

pytestmark = pytest.mark.unit


def parked(message_key: str = "17") -> DeadLetter:
    letter = DeadLetter(upstream="risk", message_key=message_key, subject="evt.risk.p0.oak.X",
                        payload="{}", error="boom", attempts=3)
    letter.collect_events()
    return letter


def test_one_upstream_message_is_parked_under_one_id():
    assert parked("17").id == DeadLetter.create_id("risk", "17")
    assert parked("17").id != parked("18").id


def test_a_parked_message_is_waiting_to_be_replayed():
    assert parked().replayed is False


def test_a_parked_message_is_replayed_once():
    letter = parked()

    letter.replay()

    assert letter.replayed is True
    assert [type(e).__name__ for e in letter.collect_events()] == ["Replayed"]


def test_replaying_a_parked_message_twice_is_refused():
    letter = parked()
    letter.replay()
    letter.collect_events()

    with pytest.raises(DeadLetterAlreadyReplayed):
        letter.replay()

    assert letter.collect_events() == []
