"""A provider's risk profile stays cheap to load however long its life, on SQLite and PostgreSQL.

Loading a profile of 500 events reads its latest snapshot and fewer than 50 events (rows
counted as the recorders return them), and gives the same profile, to the type of every value,
as replaying all 500. Snapshots are sealed to the hash chain: verification checks them, an
edited one is found and not used, an auditor's replay as at a moment never reads one, and a key
rotation takes them again under the new key.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Repository
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Mapper
from psycopg import sql

from assure.rotation import rotate
from assure.services import ALL
from services.risk.application import RiskAssessment
from services.risk.application.views import Page, ProfileFilter
from shared.chain import unseal
from shared.settings import AssureSettings
from tests.risk_histories import live, state_of

pytestmark = pytest.mark.integration

RISK = next(service for service in ALL if service.name == "risk")
A, B = AESCipher.create_key(32), AESCipher.create_key(32)


def keyed(settings: AssureSettings, key: str, previous: str = "") -> AssureSettings:
    return settings.model_copy(update={"cipher_key": key, "cipher_previous_keys": previous})


@pytest.fixture
def risk(settings: AssureSettings) -> Iterator[RiskAssessment]:
    app = RISK.build(settings)
    yield app
    app.close()


def long_lived(app: RiskAssessment, events: int = 500) -> UUID:
    """A provider with returns, concerns and level changes, then intelligence logged until its
    profile has `events` events; the profile's id."""
    lives = live(app, seed=11, steps=40, providers=1)
    provider = lives.providers[0]
    profile = app.profile(provider)
    for n in range(events - profile.version):
        app.record_intelligence(provider, f"note-{n}", "staffing", f"Note {n}", "visit",
                                "Jo Officer", "corr")
    assert app.profile(provider).version == events
    return profile.id


def counting(app: RiskAssessment) -> Counter[str]:
    """Counts the rows the event and snapshot recorders return from now on."""
    rows: Counter[str] = Counter()
    assert app.snapshots is not None
    for name, recorder in (("events", app.recorder), ("snapshots", app.snapshots.recorder)):
        def select_events(*args: Any, _select: Any = recorder.select_events, _name: str = name,
                          **kwargs: Any) -> Any:
            found = _select(*args, **kwargs)
            rows[_name] += len(found)
            return found

        recorder.select_events = select_events  # type: ignore[method-assign]
    return rows


def replayed(app: RiskAssessment, profile_id: UUID, version: int | None = None) -> Any:
    """The profile from its events alone."""
    return Repository(app.events).get(profile_id, version=version)


def test_a_profile_of_500_events_loads_from_a_snapshot_and_fewer_than_50_events(risk):
    profile_id = long_lived(risk)
    rows = counting(risk)

    loaded = risk.repository.get(profile_id)

    assert rows["snapshots"] == 1 and rows["events"] < 50, rows
    assert loaded.version == 500
    assert state_of(loaded) == state_of(replayed(risk, profile_id))


def test_a_profile_as_it_stood_at_an_earlier_version_also_starts_from_a_snapshot(risk):
    # What a view's catch-up asks for: the profile just before a page's first event of it.
    profile_id = long_lived(risk, 320)
    rows = counting(risk)

    loaded = risk.repository.get(profile_id, version=273)

    assert rows["snapshots"] == 1 and rows["events"] == 23, rows
    assert state_of(loaded) == state_of(replayed(risk, profile_id, version=273))


def test_snapshots_are_verified_with_the_chains(risk):
    long_lived(risk, 120)

    result = risk.verify()

    assert result.intact and result.snapshots == 2


def snapshot_sql(app: RiskAssessment, settings: AssureSettings, statement: str,
                 *params: Any) -> None:
    """Runs SQL on risk's snapshot table, as someone with database access could."""
    assert app.snapshots is not None
    table = app.snapshots.recorder.events_table_name
    if settings.uses_postgres:
        with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port,
                             user=settings.postgres_user, password=settings.postgres_password,
                             dbname=settings.postgres_dbname, autocommit=True) as conn:
            name = sql.Identifier(settings.postgres_schema("risk"), table)
            conn.execute(sql.SQL(statement).format(table=name), params)
        return
    with sqlite3.connect(settings.data_dir / "risk.sqlite") as conn:
        conn.execute(statement.replace("{table}", table).replace("%s", "?"),
                     tuple(p.hex if isinstance(p, UUID) else p for p in params))


def test_a_snapshot_edited_in_the_database_is_found_and_not_used(risk, settings):
    profile_id = long_lived(risk, 120)
    assert risk.snapshots is not None
    [*_, latest] = risk.snapshots.recorder.select_events(profile_id)
    # A plausible forgery: the snapshot re-encoded saying the provider is low risk, its seal
    # kept as it was (no one without the service's code and key can make a new one).
    snapshot = risk.snapshots.mapper.to_domain_event(latest)
    assert snapshot.state["risk_level"] != "low"
    snapshot.state["risk_level"] = "low"
    payload, _, _ = unseal(latest.state)
    forged = Mapper.to_stored_event(risk.snapshots.mapper, snapshot).state + latest.state[
        len(payload):]
    snapshot_sql(risk, settings, "UPDATE {table} SET state = %s WHERE originator_id = %s "
                 "AND originator_version = %s", forged, profile_id, latest.originator_version)

    result = risk.verify()
    loaded = risk.repository.get(profile_id)

    assert not result.intact
    assert (result.broken.aggregate_id, result.broken.version) == (str(profile_id), 100)
    assert "snapshot" in result.broken.reason and "changed" in result.broken.reason
    assert loaded.risk_level != "low"
    assert state_of(loaded) == state_of(replayed(risk, profile_id))


def test_an_auditors_replay_as_at_a_moment_never_reads_a_snapshot(risk):
    profile_id = long_lived(risk, 120)
    provider = risk.repository.get(profile_id).provider_id
    assert risk.snapshots is not None

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("an auditor's replay read a snapshot")

    risk.snapshots.recorder.select_events = refuse  # type: ignore[method-assign]
    [found] = risk.aggregates_as_at(provider, datetime.now(UTC))

    assert state_of(found) == state_of(replayed(risk, profile_id))
    assert risk.state_as_at(provider, datetime.now(UTC))["risk_level"] == found.risk_level


def test_a_snapshot_taken_twice_by_two_instances_is_kept_once(risk, settings):
    profile_id = long_lived(risk, 60)
    other = RISK.build(settings)  # a second instance on the same store
    try:
        other.take_snapshot(profile_id, 50)
        risk.take_snapshot(profile_id, 50)
    finally:
        other.close()
    assert risk.snapshots is not None
    assert [s.originator_version for s in risk.snapshots.get(profile_id)] == [50]


def test_key_rotation_takes_the_snapshots_again_and_rebuilds_the_view_under_the_new_key(
        settings):
    under_a = RISK.build(keyed(settings, A))
    try:
        profile_id = long_lived(under_a, 110)
        standings = under_a.standings(ProfileFilter(), Page()).json()
        assert under_a.snapshots is not None
        before = [s.originator_version for s in under_a.snapshots.get(profile_id)]
    finally:
        under_a.close()

    rotate(keyed(settings, B, previous=A))

    under_b = RISK.build(keyed(settings, B))  # A forgotten
    try:
        assert under_b.snapshots is not None
        after = list(under_b.snapshots.recorder.select_events(profile_id))
        assert [s.originator_version for s in after] == [max(before)]
        assert all(opens_under(B, unseal(s.state)[0]) for s in after)
        assert under_b.verify().intact
        assert state_of(under_b.repository.get(profile_id)) == state_of(
            replayed(under_b, profile_id))
        assert under_b.standings(ProfileFilter(), Page()).json() == standings
    finally:
        under_b.close()


def opens_under(key: str, payload: bytes) -> bool:
    cipher = AESCipher({"CIPHER_KEY": key})  # type: ignore[arg-type]
    try:
        cipher.decrypt(payload)
    except ValueError:
        return False
    return True
