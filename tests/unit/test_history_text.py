"""`assure history` as text: who acted and why, as the JSON has them, in UK time."""

from __future__ import annotations

import pytest

from assure.history import render

pytestmark = pytest.mark.unit


def entry(**overrides) -> dict:
    return {"time": "2026-07-01T09:30:00+00:00", "service": "escalation",
            "aggregate": "Escalation", "aggregate_id": "e-1", "version": 2, "event": "Rejected",
            "who": None, "role": None, "why": None, "data": {"step": "suspension"}, **overrides}


def test_history_text_says_who_acted_in_what_role_and_why_in_uk_time():
    text = render([entry(who="Priya Shah", role="head_of_service",
                         why="The provider has met the plan's targets.")])

    assert text.splitlines() == [
        "1 July 2026 10:30:00  escalation Escalation.Rejected         step=suspension",
        "    By: Priya Shah (head of service)",
        "    Why: The provider has met the plan's targets.",
    ]


def test_history_text_leaves_out_who_and_why_where_no_one_is_named():
    assert render([entry(time="2026-01-05T09:30:00+00:00")]).splitlines() == [
        "5 January 2026 09:30:00  escalation Escalation.Rejected         step=suspension"]
