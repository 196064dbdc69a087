"""What the console makes of the API's answers: the score table's change from one return to
the next, read from what `GET /risk/providers/{id}/scores` really returns."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.encoders import jsonable_encoder

from assure.console.rendering import environment, points
from assure.console.workspace_views import score_points
from services.risk.entrypoints.api import score_view
from tests.unit.test_risk_profile import AMBER_FINANCE, GREEN, UNSAFE, opened, overdue, submit

pytestmark = pytest.mark.unit


def scores_route(profile) -> list[dict]:
    """The scores route's body, as JSON carries it."""
    records = sorted(profile.returns.values(), key=lambda r: (r["period_end"], r["order"]))
    return jsonable_encoder([score_view(record) for record in records])


def test_the_score_table_shows_each_returns_change_from_the_one_before():
    profile = opened()
    changes = [submit(profile, return_id, sections)[0].change
               for return_id, sections in (("r1", GREEN), ("r2", UNSAFE), ("r3", AMBER_FINANCE))]

    rows = score_points(scores_route(profile))

    assert [row["change"] for row in rows] == changes == [None, Decimal("-40"), Decimal("30")]
    assert [points(row["change"]) for row in rows[1:]] == ["down 40 points", "up 30 points"]


def test_a_change_reads_in_plain_words():
    assert [points(Decimal(v)) for v in ("0.00", "1", "-12.50", "10")] == [
        "no change", "up 1 point", "down 12.5 points", "up 10 points"]


def test_a_concern_that_came_up_again_is_one_row_saying_how_often_and_what_it_first_said():
    # One concern per matter (issue 18): five overdue returns, one concern raised three times.
    profile = opened()
    overdue(profile, 2, 4, 6, 8, 10)
    [entry] = jsonable_encoder(list(profile.log.values()))
    note = environment().get_template("workspace/_macros.html").module.recurrence(entry)

    assert "Came up 3 times, each time with new evidence (5 items)." in str(note)
    assert "First raised as: Three returns were overdue" in str(note)
    assert str(environment().get_template("workspace/_macros.html").module.recurrence(
        {**entry, "occurrences": 1})) == ""
