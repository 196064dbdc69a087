"""What the console makes of the API's answers: the score table's change from one return to
the next, read from what `GET /risk/providers/{id}/scores` really returns; a concern that came up
again; and what each role's menu and dashboard show."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.encoders import jsonable_encoder

from assure.console.navigation import NEEDS, sections
from assure.console.rendering import environment, points
from assure.console.workspace_views import dashboard_columns, dashboard_lines, score_points
from services.risk.entrypoints.api import score_view
from shared.security.identity import Role
from shared.security.permissions import rule_for
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


# What each role sees follows the access matrix (issue 18, defect 4) ---------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_menu_item_is_a_page_the_access_matrix_lets_the_role_open(role):
    for section in sections(role):
        method, route = NEEDS[section]
        assert rule_for(method, route).allows(role), (role, section)


def test_operational_staff_have_no_return_log_in_their_menu():
    assert [text for _, text in sections(Role.OPERATIONAL_STAFF)] == ["Providers",
                                                                       "Notifications"]
    assert "Return log" in [text for _, text in sections(Role.CONTRACT_COORDINATOR)]


def test_a_part_of_the_dashboard_refused_is_left_out_not_counted_as_none():
    providers = [{"provider_id": "hazel", "name": "Hazel", "suspended": False,
                  "contracts": [{"ended_on": None, "service_type": "care-home", "level": 1}]}]

    [line] = dashboard_lines([(providers[0], None)], None, [])

    assert line.overdue_returns is None
    assert dashboard_columns([], None, []) == {"risk", "deadlines"}
    assert dashboard_columns([], [], None) == {"risk", "overdue"}
