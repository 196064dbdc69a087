"""What an officer may do next on an intervention: the rules that span it, its plans and its
notices (domain/casework.py), each command offered only while its own rule would accept it
(issue 18: "only the next thing to do")."""

from __future__ import annotations

from datetime import date

import pytest

from services.escalation.entrypoints.common import view
from tests.unit.test_escalation_ladder import OFFICER, app, opened, with_failed_notice  # noqa: F401

pytestmark = pytest.mark.unit


def now(app, intervention_id):  # noqa: F811 - the fixture, passed on
    return app.casework(app.intervention(intervention_id)).actions_now()


def test_a_new_intervention_offers_a_plan_a_notice_and_closing_but_no_suspension(app):  # noqa: F811
    i = opened(app).id

    assert now(app, i) == ("improvement-plan", "breach-notice", "chief-officer", "close")


def test_no_second_plan_while_one_runs_and_no_closing_meanwhile(app):  # noqa: F811
    i = opened(app).id
    app.request_plan(i, date(2026, 12, 7), OFFICER, "c")

    assert "improvement-plan" not in now(app, i)
    assert "close" not in now(app, i)
    assert "breach-notice" in now(app, i)


def test_a_failed_notice_brings_suspension_and_a_directed_plan(app):  # noqa: F811
    i = with_failed_notice(app).id

    offered = now(app, i)
    assert "suspension" in offered and "directed-plan" in offered
    assert "breach-notice" in offered  # the failed one is no longer outstanding


def test_a_suspension_waiting_for_its_decision_is_not_offered_again(app):  # noqa: F811
    i = with_failed_notice(app).id
    app.propose_suspension(i, OFFICER, "no improvement", "move residents' reviews", "c")

    assert "suspension" not in now(app, i)


def test_a_closed_intervention_offers_nothing_and_the_api_view_says_so(app):  # noqa: F811
    i = opened(app).id
    app.close_intervention(i, "better", OFFICER, date(2026, 12, 8), "c")

    assert now(app, i) == ()
    assert view(app, app.intervention(i)).actions_now == []


def test_what_is_offered_is_what_the_rules_accept(app):  # noqa: F811
    i = opened(app).id
    app.request_plan(i, date(2026, 12, 7), OFFICER, "c")
    assert view(app, app.intervention(i)).actions_now == list(now(app, i))
    with pytest.raises(Exception, match="still running"):
        app.request_plan(i, date(2026, 12, 8), OFFICER, "c")
