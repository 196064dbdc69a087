"""Moving-window rate limits (assure/rate_limits.py): so many hits per key in any window, a
refused hit not counted, and no thread started to forget old hits (issue 16)."""

from __future__ import annotations

import threading

import pytest
from limits import parse

from assure import rate_limits
from assure.rate_limits import MovingWindowLimiter

pytestmark = pytest.mark.unit

THREE_A_MINUTE = parse("3/minute")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(rate_limits.time, "monotonic", clock)
    return clock


def test_a_key_has_its_amount_of_hits_in_any_window(clock):
    limiter = MovingWindowLimiter()

    answers = [limiter.hit(THREE_A_MINUTE, "submit:ann") for _ in range(4)]

    assert answers == [True, True, True, False]
    assert limiter.hit(THREE_A_MINUTE, "submit:bob")  # each person has their own


def test_a_hit_counts_until_a_window_after_it(clock):
    limiter = MovingWindowLimiter()
    for seconds in (0, 20, 40):
        clock.now = 1000.0 + seconds
        assert limiter.hit(THREE_A_MINUTE, "ann")

    clock.now = 1059.0
    assert not limiter.hit(THREE_A_MINUTE, "ann")  # refused, and not counted
    clock.now = 1060.0
    assert limiter.hit(THREE_A_MINUTE, "ann")  # the first hit has left the window
    assert not limiter.hit(THREE_A_MINUTE, "ann")


def test_keys_no_one_has_hit_for_a_window_are_forgotten(clock):
    limiter = MovingWindowLimiter()
    limiter.hit(THREE_A_MINUTE, "ann")
    clock.now += 61

    limiter.hit(THREE_A_MINUTE, "bob")

    assert [key for key, _, _ in limiter._hits] == ["bob"]


def test_counting_starts_no_thread():
    limiter, before = MovingWindowLimiter(), threading.active_count()

    for _ in range(3):
        limiter.hit(THREE_A_MINUTE, "ann")

    assert threading.active_count() == before
