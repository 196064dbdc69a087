"""The risk profiles view equals a replay, on SQLite and PostgreSQL.

Random-ish histories (tests/risk_histories.py) are followed by the view in catch-ups of random
size, as reads between commits would; the rows are then the same as a rebuild from zero in
small pages, and every list the view answers (the dashboard, the log across providers, the
indicators) says what the profiles, replayed one by one, say.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher
from pydantic import TypeAdapter

from assure.services import ALL
from services.risk.application import RiskAssessment
from services.risk.application.views import (
    NOT_SCORED_RANK,
    WORST_FIRST,
    Page,
    ProfileFilter,
    RiskProfiles,
    Standing,
)
from services.risk.domain.risk_profile import RiskProfile
from shared.settings import AssureSettings
from shared.views import store
from tests.risk_histories import Lives, award, live, step

pytestmark = pytest.mark.integration

RISK = next(service for service in ALL if service.name == "risk")
FILTERS = [ProfileFilter(), ProfileFilter(band="75-99%"), ProfileFilter(band="below 50%"),
           ProfileFilter(risk_level="high"), ProfileFilter(risk_level="low"),
           ProfileFilter(monitoring_level=1), ProfileFilter(service_type="day-services"),
           ProfileFilter(band="50-74%", service_type="care-home"), ProfileFilter(scored=False),
           ProfileFilter(scored=True), ProfileFilter(scored=False, service_type="care-home")]
PAGES = [Page(), Page(limit=3), Page(limit=2, offset=3), Page(offset=4), Page(limit=50)]


@pytest.fixture
def risk(settings: AssureSettings) -> Iterator[RiskAssessment]:
    app = RISK.build(settings)
    yield app
    app.close()


def followed(app: RiskAssessment, seed: int, steps: int) -> Lives:
    """A history, with the view caught up after every few steps (reads between commits)."""
    lives = live(app, seed, steps=0)
    pace = random.Random(seed)
    done = 0
    while done < steps:
        burst = pace.randint(1, 40)
        for _ in range(min(burst, steps - done)):
            step(lives)
        done += burst
        app.views.get(RiskProfiles)
    return lives


# What the profiles say, replayed one by one --------------------------------------------------

def matches(profile: RiskProfile, where: ProfileFilter) -> bool:
    contracts = profile.contracts.values()
    return ((where.band is None or profile.latest_band == where.band)
            and (where.scored is None or (profile.latest_band is not None) == where.scored)
            and (where.risk_level is None or profile.risk_level == where.risk_level)
            and (where.monitoring_level is None
                 or any(c["monitoring_level"] == where.monitoring_level for c in contracts))
            and (where.service_type is None
                 or any(c["service_type"] == where.service_type for c in contracts)))


def worst_first(profile: RiskProfile) -> tuple[Any, ...]:
    band = profile.latest_band
    return (WORST_FIRST[band] if band else NOT_SCORED_RANK, -len(profile.open_concerns),
            profile.latest_score or 0, profile.provider_id)


def replayed(profiles: list[RiskProfile], where: ProfileFilter) -> list[RiskProfile]:
    return sorted((p for p in profiles if matches(p, where)), key=worst_first)


def sliced(rows: list[Any], page: Page) -> list[Any]:
    end = None if page.limit is None else page.offset + page.limit
    return rows[page.offset:end]


def standings_replayed(profiles: list[RiskProfile], where: ProfileFilter) -> list[Any]:
    return [json.loads(Standing.of(p).model_dump_json()) for p in replayed(profiles, where)]


def log_replayed(profiles: list[RiskProfile], where: ProfileFilter, open_only: bool,
                 kind: str | None) -> list[Any]:
    # What the route answered when it replayed every profile, serialised as FastAPI did.
    return [json.loads(TypeAdapter(dict[str, Any]).dump_json(
                {"provider_id": p.provider_id, "band": p.latest_band,
                 "risk_level": p.risk_level, **entry}))
            for p in replayed(profiles, where) for entry in p.log.values()
            if (not open_only or entry["status"] == "open") and kind in (None, entry["kind"])]


def canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True)


def read(found: Any) -> tuple[list[Any], int]:
    return [json.loads(document) for document in found.documents], found.total


# The tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_view_followed_step_by_step_is_the_view_rebuilt_from_zero(risk, seed, monkeypatch):
    # Rows are upserts of each profile's state: whichever way the store is read, the same rows.
    followed(risk, seed, steps=160)
    view = risk.views.get(RiskProfiles)
    incremental = view.dump()
    assert incremental["profiles"] and incremental["entries"]

    follower = risk.views.followers[RiskProfiles]
    monkeypatch.setattr(store, "PAGE", 2)  # the store read in many pages
    read_again = follower.rebuild()  # a profile at a time, each as it stands

    assert read_again == risk.recorder.max_notification_id()
    assert view.dump() == incremental
    view.clear()  # and from zero in the log's order, a page (one commit) at a time
    monkeypatch.setattr(follower, "_by_aggregate", lambda: False)
    assert follower.catch_up() == read_again
    assert view.dump() == incremental


@pytest.mark.parametrize("seed", [4, 5])
def test_every_list_the_view_answers_is_what_the_replayed_profiles_say(risk, seed):
    lives = followed(risk, seed, steps=160)
    award(lives, f"prov-{seed}-newcomer")  # a contract and no return yet: not scored
    profiles = risk.profiles()
    # Both kinds are there for the filters to tell apart: scored, and not scored yet.
    assert replayed(profiles, ProfileFilter(scored=True))
    assert replayed(profiles, ProfileFilter(scored=False))

    for where in FILTERS:
        dashboard = standings_replayed(profiles, where)
        for page in PAGES:
            assert read(risk.standings(where, page)) == (sliced(dashboard, page),
                                                         len(dashboard)), (where, page)
        for open_only, kind in [(True, None), (False, None), (True, "concern"),
                                (False, "intelligence")]:
            log = log_replayed(profiles, where, open_only, kind)
            for page in PAGES[:3]:
                assert read(risk.log_across_providers(where, open_only, kind, page)) == (
                    sliced(log, page), len(log)), (where, open_only, kind, page)
    latest = [p.latest_return()["indicators"] for p in profiles if p.latest_return()]
    assert sorted(map(canonical, risk.latest_indicators())) == sorted(map(canonical, latest))


def test_a_list_read_right_after_a_change_shows_the_change(risk):
    lives = live(risk, 6, steps=30, providers=2)
    assert read(risk.standings(ProfileFilter(), Page()))[1] == 2  # read: the view caught up

    provider = lives.providers[0]
    risk.record_intelligence(provider, "new", "staffing", "Night staff short", "visit",
                             "Jo Officer", "corr")

    after = read(risk.log_across_providers(ProfileFilter(), True, "intelligence", Page()))[0]
    assert any(r["provider_id"] == provider and r["summary"] == "Night staff short"
               for r in after)
    assert read(risk.standings(ProfileFilter(), Page()))[0] == standings_replayed(
        risk.profiles(), ProfileFilter())


def test_with_a_key_the_views_documents_are_sealed_and_still_read(settings):
    keyed = settings.model_copy(update={"cipher_key": AESCipher.create_key(32)})
    app = RISK.build(keyed)
    try:
        lives = live(app, 7, steps=60, providers=3)
        app.record_intelligence(lives.providers[0], "marker", "staffing",
                                "Zephyrine Quillfeather saw it", "visit", "Jo Officer", "corr")
        view = app.views.get(RiskProfiles)

        stored = json.dumps(view.dump(), default=str)
        assert "Zephyrine" not in stored and "Jo Officer" not in stored
        assert read(app.standings(ProfileFilter(), Page()))[0] == standings_replayed(
            app.profiles(), ProfileFilter())
        rows = read(app.log_across_providers(ProfileFilter(), True, None, Page()))[0]
        assert "Zephyrine Quillfeather saw it" in [r["summary"] for r in rows]
    finally:
        app.close()
