"""A view whose definition changed is built again in the background while the old one answers.

A projection names its previous version (`StoreProjection.previous`); a service started with
the new version on a store whose views were built by the old one answers reads from the old
version's tables (kept up to date as before) until the new version has read the whole store in
its own thread, then from the new one, and the old tables are dropped (issue 15, must-do 5).
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest
from eventsourcing.domain import Aggregate, event
from psycopg import sql

from shared.eventstore import ServiceApplication
from shared.views import store
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin

pytestmark = pytest.mark.integration


class Tally(Aggregate):
    """A counter per provider: enough events to make a view worth rebuilding."""

    @event("Opened")
    def __init__(self, provider_id: str) -> None:
        self.provider_id = provider_id
        self.count = 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1


class TalliesV1(TableViewMixin):
    family = "tally"
    view_name = "tallies"
    version = 1
    tables: ClassVar[dict[str, str]] = {"tallies": "provider_id TEXT PRIMARY KEY, n INTEGER"}

    def total(self) -> int:
        return sum(r["n"] for r in self.select("SELECT n FROM {tallies}"))

    def answered_by(self) -> int:
        return self.version


class TalliesV2(TalliesV1):
    """Version 2 counts the opening too: a changed definition, the same question."""

    version = 2


class TalliesProjectionV1(StoreProjection[TalliesV1]):
    name = "tallies"
    view_class = TalliesV1
    follows = (Tally,)

    def rows_for(self, aggregate: Any) -> list[Row]:
        return [Row("INSERT INTO {tallies} VALUES (?, ?) ON CONFLICT (provider_id) DO UPDATE "
                    "SET n = excluded.n", (aggregate.provider_id, aggregate.count))]


class TalliesProjectionV2(StoreProjection[TalliesV2]):
    name = "tallies"
    view_class = TalliesV2
    follows = (Tally,)
    previous = TalliesProjectionV1

    def rows_for(self, aggregate: Any) -> list[Row]:
        return [Row("INSERT INTO {tallies} VALUES (?, ?) ON CONFLICT (provider_id) DO UPDATE "
                    "SET n = excluded.n", (aggregate.provider_id, aggregate.count + 1))]


class TalliesAppV1(ServiceApplication):
    service = "tallies"
    name = "tallies"
    projections = (TalliesProjectionV1,)


class TalliesAppV2(TalliesAppV1):
    name = "tallies"  # the same service, a later release (the library names it by its class)
    projections = (TalliesProjectionV2,)


def env(directory: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(directory / "tallies.sqlite"), "SQLITE_LOCK_TIMEOUT": "10"}


def fill(app: ServiceApplication, providers: int, counts: int, prefix: str = "p") -> None:
    for n in range(providers):
        tally = Tally(f"{prefix}{n}")
        for _ in range(counts):
            tally.count_one()
        app.save(tally)


def test_the_old_version_answers_until_the_new_one_is_built_then_its_tables_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "RETIRE_AFTER_SECONDS", 0.0)
    old = TalliesAppV1(env=env(tmp_path))
    fill(old, providers=20, counts=3)
    assert old.views.get(TalliesProjectionV1).total() == 60
    old.close()

    # The new version's build waits until the test lets it go, so reads meanwhile are seen.
    building, go_on = threading.Event(), threading.Event()
    fill_rows = store.Follower._rows_by_aggregate

    def held(self: store.Follower, *args: Any) -> Any:
        if isinstance(self.projection, TalliesProjectionV2):
            building.set()
            go_on.wait(30)
        return fill_rows(self, *args)

    monkeypatch.setattr(store.Follower, "_rows_by_aggregate", held)
    new = TalliesAppV2(env=env(tmp_path))
    try:
        new.views.start()
        assert building.wait(30), "the new version is built in the background at start"
        answering = new.views.get(TalliesProjectionV2)
        assert answering.answered_by() == 1 and answering.total() == 60
        # The old version keeps up with what is stored meanwhile.
        fill(new, providers=1, counts=2, prefix="later")
        assert new.views.get(TalliesProjectionV2).total() == 62
        [status] = [s for s in new.views.status() if s["view"] == "tallies"]
        assert status["version"] == 2 and status["answering_version"] == 1

        go_on.set()
        assert new.views.succession_finished(timeout=60)
        answering = new.views.get(TalliesProjectionV2)
        assert answering.answered_by() == 2 and answering.total() == 62 + 21
        new.views.stop()  # waits for the old tables to be dropped
        tables = answering.select("SELECT name FROM sqlite_master WHERE type = 'table' "
                                  "AND name LIKE 'tally%'")
        assert [t["name"] for t in tables] == ["tally2_tallies"]
    finally:
        go_on.set()
        new.close()


def test_a_store_with_no_old_view_builds_the_new_version_on_read(tmp_path: Path) -> None:
    app = TalliesAppV2(env=env(tmp_path))
    try:
        fill(app, providers=3, counts=1)
        view = app.views.get(TalliesProjectionV2)
        assert view.answered_by() == 2 and view.total() == 6
    finally:
        app.close()


@pytest.mark.postgres
def test_a_build_that_reads_longer_than_the_idle_limit_is_not_cut_off(
        postgres: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL ends a session idle in a transaction past eventsourcing's limit (5 s by
    default). A view is filled in one transaction while the store is read on another
    connection, which for a national store takes minutes: the fill must not be cut off."""
    schema = f"t{uuid.uuid4().hex[:12]}_tallies"
    with postgres.connect() as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    pg_env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_HOST": postgres.host,
              "POSTGRES_PORT": str(postgres.port), "POSTGRES_USER": postgres.user,
              "POSTGRES_PASSWORD": postgres.password, "POSTGRES_DBNAME": postgres.dbname,
              "POSTGRES_SCHEMA": schema, "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "1"}
    fill_rows = store.Follower._rows_by_aggregate

    def slow(self: store.Follower, *args: Any) -> Any:
        for rows in fill_rows(self, *args):
            time.sleep(1.5)  # reading the store, while the view's transaction waits
            yield rows

    app = TalliesAppV2(env=pg_env)
    try:
        fill(app, providers=3, counts=1)
        monkeypatch.setattr(store.Follower, "_rows_by_aggregate", slow)
        assert app.views.get(TalliesProjectionV2).total() == 6
    finally:
        app.close()
        with postgres.connect() as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
