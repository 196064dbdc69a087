"""What bench.spine reads from a provider's history: a red return raises a concern or, when the
provider already has an open concern about the same matter (one concern per matter), brings it up
again; notify tells people of either, so the bench expects a notification about each, and says
which are missing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bench.spine import Submission, complete, latencies, parse
from shared.contracts.envelope import event_id_for

pytestmark = pytest.mark.unit

PROFILE = str(uuid.uuid4())
T0 = 1_800_000_000.0  # 15 January 2027 08:00 UTC, as time.time() gives it


def at(seconds: float) -> str:
    return f"2027-01-15T08:00:{seconds:06.3f}+00:00"


def started(index: int, return_id: str) -> Submission:
    submission = Submission(index, "p1", "safety-red", return_id=return_id)
    submission.started = T0 + index  # its POST began `index` seconds after 08:00
    return submission


R1, R2 = str(uuid.uuid4()), str(uuid.uuid4())


def history(operations_told_again: bool) -> list[dict[str, Any]]:
    """Two returns red on safety: the first raises a concern, the second brings it up again."""
    first, again = event_id_for(uuid.UUID(PROFILE), 3), event_id_for(uuid.UUID(PROFILE), 5)
    entries = [
        _submitted(R1, 0.1),
        _risk(2, "ReturnScored", 0.5, {"return_id": R1}),
        _risk(3, "ConcernRaised", 0.5, {"evidence": [R1], "safety_at_risk": True,
                                        "causation_id": _submission_of(R1)}),
        _told("contract-manager", "ConcernRaised", first, 0.7),
        _told("operations", "ConcernRaised", first, 0.8),
        _submitted(R2, 1.1),
        _risk(4, "ReturnScored", 1.5, {"return_id": R2}),
        _risk(5, "ConcernRecurred", 1.5, {"evidence": [R1, R2], "new_evidence": [R2],
                                          "safety_at_risk": True,
                                          "causation_id": _submission_of(R2)}),
        _told("contract-manager", "ConcernRecurred", again, 1.75),
    ]
    if operations_told_again:
        entries.append(_told("operations", "ConcernRecurred", again, 1.9))
    return entries


def _submission_of(return_id: str) -> str:
    """The id of the ReturnSubmitted integration event risk scored the return from."""
    return event_id_for(uuid.UUID(return_id), 1)


def _submitted(return_id: str, seconds: float) -> dict[str, Any]:
    return {"aggregate": "MonitoringReturn", "aggregate_id": return_id, "version": 1,
            "event": "Submitted", "time": at(seconds), "data": {}}


def _risk(version: int, event: str, seconds: float, data: dict[str, Any]) -> dict[str, Any]:
    return {"aggregate": "RiskProfile", "aggregate_id": PROFILE, "version": version,
            "event": event, "time": at(seconds), "data": data}


def _told(recipient: str, about: str, event_id: str, seconds: float) -> dict[str, Any]:
    return {"aggregate": "Notification", "aggregate_id": str(uuid.uuid4()), "version": 2,
            "event": "Delivered", "time": at(seconds),
            "data": {"about_event_type": about, "about_event_id": event_id,
                     "recipient": recipient}}


def test_a_concern_that_comes_up_again_counts_as_notified_like_one_raised():
    submissions = [started(0, R1), started(1, R2)]
    trace = parse(history(operations_told_again=True))

    result = latencies(submissions, {"p1": trace})

    assert complete(trace, submissions)
    assert [round(ms) for ms in result.notified] == [700, 750]
    assert [round(ms) for ms in result.operations] == [800, 900]
    assert (result.concerns.raised, result.concerns.recurred) == (1, 1)
    assert (result.concerns.told, result.concerns.told_operations) == (2, 2)


def test_a_concern_that_came_up_again_without_telling_operations_is_missing():
    submissions = [started(0, R1), started(1, R2)]
    trace = parse(history(operations_told_again=False))

    result = latencies(submissions, {"p1": trace})

    assert not complete(trace, submissions)  # the bench keeps waiting, then says so
    assert len(result.operations) == 1
    assert "safety ones to operations 1/2" in result.concerns.line()


def test_a_worsening_trend_is_about_the_return_that_caused_it_not_the_earlier_evidence():
    green, red = started(0, R1), started(1, R2)
    trend = event_id_for(uuid.UUID(PROFILE), 4)
    trace = parse([
        _submitted(R1, 0.1), _risk(2, "ReturnScored", 0.5, {"return_id": R1}),
        _submitted(R2, 1.1), _risk(3, "ReturnScored", 1.5, {"return_id": R2}),
        _risk(4, "ConcernRaised", 1.5, {"evidence": [R1, R2], "safety_at_risk": False,
                                        "causation_id": _submission_of(R2)}),
        _told("contract-manager", "ConcernRaised", trend, 1.6),
    ])

    result = latencies([green, red], {"p1": trace})

    assert complete(trace, [green, red])
    assert [round(ms) for ms in result.notified] == [600]  # the red return's, told 0.6 s on
