"""The governance report's view (issue 15) against the report as it was read before: from the
services' applications and stores (tests/governance_oracle.py). For random histories, built by
the real services, the view fed only with the integration events they publish (interleaved at
random across streams, in random batches, with redeliveries) gives the same report, figure for
figure, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assure.report.collect import collect as from_view
from assure.report.governance import governance_report
from assure.report.layout import to_dict
from assure.report.period import Period
from assure.reporting import open_projection
from assure.reporting.view import NAME
from bench.national_data import Loader, Router, Shape, build_apps, consumed
from bench.report_feed import feed, streams_of
from services.intake.application import Award, Submission
from shared.contracts import escalation, wrap
from shared.contracts.forms import example
from shared.settings import AssureSettings
from tests.governance_oracle import collect as from_applications

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 23)
PERIODS = [Period(date(y, m, 1), date(y + (m == 10), 3 if m == 10 else 9, 31 if m == 10 else 30))
           for y in (2024, 2025, 2026) for m in (4, 10)] + [Period(date(2025, 4, 1),
                                                                  date(2026, 3, 31))]
PARTITIONS = 2


def _history(data_dir: Path, seed: int, providers: int, changes: int) -> dict[str, Any]:
    """Years of returns by the real services (bench.national's loader), then officers' changes
    at random: analyses held and released, contracts ended, serious steps approved,
    interventions closed."""
    apps = build_apps(AssureSettings(data_dir=data_dir, partitions=PARTITIONS), fast=True)
    loader = Loader(f"v{seed}", Shape(providers, 2, seed=seed, today=TODAY), apps, consumed(),
                    PARTITIONS, say=lambda _: None)
    loader.load()
    rng = random.Random(seed)
    for _ in range(changes):
        rng.choice((_hold, _end, _approve, _close))(apps, rng)
        loader.router.drain()
    return apps


def _hold(apps: dict[str, Any], rng: random.Random) -> None:
    scored = [(p.provider_id, r) for p in apps["risk"].profiles() for r in p.returns]
    if scored:
        provider, return_id = rng.choice(scored)
        if apps["risk"].profile(provider).returns[return_id]["held"]:
            apps["risk"].release_analysis(provider, return_id, "Jo Officer", "c")
        else:
            apps["risk"].hold_analysis(provider, return_id, "not analysed yet", "Jo Officer",
                                       "c")


def _end(apps: dict[str, Any], rng: random.Random) -> None:
    live = [c for c in apps["intake"].contracts() if c.ended_on is None]
    if live:
        contract = rng.choice(live)
        day = max(contract.start_date, date(2025, rng.randint(1, 12), rng.randint(1, 28)))
        apps["intake"].change_contract(contract.reference, "end", ended_on=day,
                                       reason="ownership passed", by="Jo", correlation_id="c")


def _approve(apps: dict[str, Any], rng: random.Random) -> None:
    waiting = apps["escalation"].escalation_list("proposed")
    if waiting:
        with _quietly():
            apps["escalation"].approve(UUID(rng.choice(waiting)["escalation_id"]), "Morag",
                                       "head_of_strategic_planning", "c")


def _close(apps: dict[str, Any], rng: random.Random) -> None:
    found = apps["escalation"].intervention_list(open_only=True)
    if found:
        with _quietly():  # refused while something is outstanding: the history says so
            apps["escalation"].close_intervention(UUID(rng.choice(found)["intervention_id"]),
                                                  "targets met", "Jo", TODAY, "c")


class _quietly:
    """A change the services refuse leaves the history as it was; the test goes on."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, *_: Any) -> bool:
        return kind is not None and issubclass(kind, Exception)


def _reports(facts_for: Any) -> list[dict[str, Any]]:
    return [to_dict(governance_report(period, facts_for(period))) for period in PERIODS]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10_000), providers=st.integers(2, 5), changes=st.integers(0, 12))
def test_the_view_gives_the_report_the_stores_give_for_any_history(seed, providers, changes):
    with tempfile.TemporaryDirectory() as where:
        apps = _history(Path(where) / "stores", seed, providers, changes)
        projection = open_projection(AssureSettings(data_dir=Path(where) / "view"))
        feed(projection, streams_of(apps, PARTITIONS), rng=random.Random(seed))
        oracle = from_applications(apps)
        expected = _reports(lambda period: _noted(oracle))
        assert _reports(lambda period: from_view(projection.view, period, None)) == expected


def _noted(facts: Any) -> Any:
    from dataclasses import replace

    from assure.report.collect import PENDING_NOTE, TIME_NOTE
    return replace(facts, as_at=None, notes=(TIME_NOTE, PENDING_NOTE))


FALLING = ({}, {"finance": "amber"}, {"finance": "amber", "staffing": "amber"})


def test_returns_received_the_same_day_count_as_the_dashboard_shows_them(tmp_path, store):
    """A care home catches up three periods in one sitting, each return a little worse (the
    demo's Elm Court): the dashboard's latest is the last recorded, and so is the report's,
    from the view and from the stores alike."""
    apps = build_apps(AssureSettings(data_dir=tmp_path / "stores", partitions=PARTITIONS,
                                     clock="training"))
    router = Router(apps, consumed(), PARTITIONS)
    intake = apps["intake"]
    intake.tick(TODAY, "c")
    intake.register_provider("Elm Court Care Home", "elm", "Jo", "c")
    intake.award_contract(Award("elm", "ELM-1", "care-home", Decimal("320000"),
                                "care-inspectorate", "CS1", date(2025, 4, 1), None, "Jo"),
                          "Jo", "c")
    periods = [(date(2025, 4, 1), date(2025, 7, 31)), (date(2025, 8, 1), date(2025, 11, 30)),
               (date(2025, 12, 1), date(2026, 3, 31))]
    for (start, end), ratings in zip(periods, FALLING, strict=True):
        answers = example("cmr-level-1", start, end)
        for section, rating in ratings.items():
            answers[section]["rating"] = rating
        intake.submit_return("ELM-1", Submission("cmr-level-1", None, answers, "manager"),
                             f"elm-{start}", "c")
    router.drain()
    dashboard = apps["risk"].profile("elm")
    assert [r["scores"][-1]["band"] for r in dashboard.current_returns()] == [
        "100%", "75-99%", "75-99%"]
    assert dashboard.latest_band == "75-99%"

    projection = open_projection(AssureSettings(data_dir=tmp_path / "view", **store))
    feed(projection, streams_of(apps, PARTITIONS))
    period = Period(date(2026, 10, 1), date(2027, 3, 31))
    for facts in (from_view(projection.view, period, None), from_applications(apps)):
        bands = governance_report(period, facts).section("care-home").bands
        assert dict(bands) == {"100%": 0, "75-99%": 1, "50-74%": 0, "below 50%": 0}


def test_rebuilding_from_the_same_streams_gives_the_same_rows(tmp_path, store):
    """Fed twice, in a different order, or once more on top: the same rows."""
    apps = _history(tmp_path / "stores", 7, 3, 6)
    streams = streams_of(apps, PARTITIONS)
    projection = open_projection(AssureSettings(data_dir=tmp_path / "view", **store))
    feed(projection, streams)
    once = projection.view.dump()
    assert sum(len(rows) for rows in once.values()) > 0
    assert feed(projection, streams) == 0  # every message known: nothing applied again
    projection.view.clear()
    assert projection.view.max_tracking_id(f"{NAME}/INTAKE") is None
    feed(projection, streams, rng=random.Random(3))
    assert projection.view.dump() == once


def test_interventions_and_escalations_come_from_escalations_events(tmp_path, store):
    """One intervention moved up the ladder and suspended, one closed; one step approved and
    one rejected (the scenario the report's escalation reader was tested with)."""
    projection = open_projection(AssureSettings(data_dir=tmp_path, **store))
    now = datetime.now(UTC)
    events = [
        escalation.InterventionOpened(provider_id="p1", intervention_id="i1", concern_id=None,
                                      level="encourage", reason="r", contract_reference="CH1"),
        escalation.InterventionStepTaken(provider_id="p1", intervention_id="i1",
                                         step="improvement_plan", level="enable",
                                         performance_rating="below", on=TODAY, taken_by="Jo"),
        escalation.ProviderSuspended(provider_id="p1", intervention_id="i1", escalation_id="e1",
                                     approved_by="Morag", on=TODAY, contingency_plan="c"),
        escalation.InterventionOpened(provider_id="p2", intervention_id="i2", concern_id=None,
                                      level="enable", reason="r"),
        escalation.InterventionClosed(provider_id="p2", intervention_id="i2",
                                      reason="targets met", closed_by="Jo", on=TODAY),
        escalation.EscalationProposed(provider_id="p1", escalation_id="e1",
                                      intervention_id="i1", step="suspension", reason="r",
                                      proposed_by="Jo"),
        escalation.EscalationApproved(provider_id="p1", escalation_id="e1",
                                      intervention_id="i1", step="suspension",
                                      approved_by="Morag", approver_role="head"),
        escalation.EscalationProposed(provider_id="p2", escalation_id="e2",
                                      intervention_id="i2", step="decommission", reason="r",
                                      proposed_by="Jo"),
        escalation.EscalationRejected(provider_id="p2", escalation_id="e2",
                                      intervention_id="i2", rejected_by="GM", reason="no"),
    ]
    for position, event in enumerate(events, 1):
        projection.process_event(wrap(event, event_id=str(position), time=now),
                                 Tracking(f"{NAME}/ESCALATION#p0", position))

    today = now.date()  # events are stamped in UTC
    found = {i.provider_id: i for i in projection.view.interventions(today, today)}
    assert [level for _, level in found["p1"].levels] == ["encourage", "enable", "enforce"]
    assert found["p1"].contract_reference == "CH1" and found["p1"].level_on(today) == "enforce"
    assert found["p2"].closed_on == today and found["p2"].level_on(today) is None
    decided = {e.provider_id: e for e in projection.view.escalations(today, today)}
    assert (decided["p1"].step, decided["p1"].approved_on) == ("suspension", today)
    assert decided["p2"].approved_on is None


def test_an_earlier_versions_tables_are_dropped_and_this_ones_kept(tmp_path, store):
    """A view whose definition changed is built afresh in tables of its own version; once it
    has caught up, the feed drops the earlier version's tables and positions."""
    view = open_projection(AssureSettings(data_dir=tmp_path, **store)).view
    with view._writing() as cursor:
        cursor.execute(f"CREATE TABLE {view.prefix}gov0_contracts (reference TEXT)", ())
    assert view.retire_older_versions() == ["gov0_contracts"]
    assert view.retire_older_versions() == []
    assert view.row_counts()["contracts"] == 0  # this version's tables stay
