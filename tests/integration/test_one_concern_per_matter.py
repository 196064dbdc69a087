"""One concern per matter (issue 18, defect 8): a provider that keeps missing its returns has one
overdue-returns concern, updated with each further overdue return, across the services that act
on it: risk's log, escalation's intervention and the contract manager's inbox."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bench.national_data import Router, build_apps, consumed
from services.intake.application import Award
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration

PARTITIONS = 2


def _run_calendar(apps, router, start: date, end: date) -> None:
    day = start
    while day <= end:
        apps["intake"].tick(day, "c")
        router.drain()
        day += timedelta(days=7)


def test_each_further_overdue_return_updates_the_one_concern_everywhere(tmp_path):
    apps = build_apps(AssureSettings(data_dir=tmp_path, partitions=PARTITIONS, clock="training"))
    router = Router(apps, consumed(), PARTITIONS)
    intake = apps["intake"]
    intake.tick(date(2025, 3, 1), "c")
    intake.register_provider("Rowan Court", "rowan", "Jo", "c")
    intake.award_contract(Award("rowan", "ROWAN-1", "care-home", Decimal("250000"),
                                "care-inspectorate", "CS9", date(2025, 4, 1), None, "Jo"),
                          "Jo", "c")
    router.drain()

    # No return sent: the CMRs due in August and December 2025, and April, August and December
    # 2026, go overdue one after another.
    _run_calendar(apps, router, date(2025, 3, 8), date(2027, 1, 4))

    profile = apps["risk"].profile("rowan")
    assert len(profile.overdue_returns) == 5
    [concern] = [e for e in profile.log.values() if e["rule"] == "repeated-overdue-returns"]
    assert (concern["status"], concern["occurrences"], len(concern["evidence"])) == (
        "open", 3, 5)
    assert concern["summary"].startswith("Three returns were overdue in the 12 months to "
                                         "15 December 2026")

    [intervention] = apps["escalation"].interventions_for("rowan")
    assert intervention.concern_ids == [concern["entry_id"]]
    assert intervention.recurrences == {concern["entry_id"]: 3}

    told = [n["subject"] for n in apps["notify"].inbox("contract-manager")
            if n["about_event_type"] in ("ConcernRaised", "ConcernRecurred")]
    # By the name the provider was registered under (issue 18), not its id.
    assert sorted(told) == ["Concern came up again about Rowan Court",
                            "Concern came up again about Rowan Court",
                            "Concern raised about Rowan Court"]
