"""The hash chain without a read per event, on a real SQLite store: a first event needs no read,
a command on an aggregate this process wrote last takes its head from memory, and nothing but
a committed batch ever becomes a head, however many writers share the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from shared.chain import GENESIS, ChainHeads, unseal
from shared.eventstore import ServiceApplication

pytestmark = pytest.mark.integration


class Tally(Aggregate):
    """Counts; each count is one stored event."""

    @event("Started")
    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0

    @event("Counted")
    def count(self, by: int) -> None:
        self.total += by


class Tallies(ServiceApplication):
    service: ClassVar[str] = "tallies"

    def start(self, name: str) -> UUID:
        tally = Tally(name)
        self.save(tally)
        return tally.id

    def count(self, tally_id: UUID, by: int = 1) -> None:
        tally: Tally = self.get(Tally, tally_id)
        tally.count(by)
        self.save(tally)


class CountingRecorder:
    """The application's real recorder, counting the reads the mapper makes of it."""

    def __init__(self, recorder: Any) -> None:
        self.recorder, self.selects = recorder, 0

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        self.selects += 1
        return self.recorder.select_events(*args, **kwargs)


def build(path: Path) -> Tallies:
    return Tallies(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                        "SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "10",
                        "ASSURE_AUDIT_KEY": "a key for the chain"})


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "tallies.sqlite"


@pytest.fixture
def app(store: Path) -> Iterator[Tallies]:
    tallies = build(store)
    try:
        yield tallies
    finally:
        tallies.close()


def counting(app: Tallies) -> CountingRecorder:
    recorder = CountingRecorder(app.mapper.recorder)
    app.mapper.recorder = recorder
    return recorder


def links(app: Tallies, tally_id: UUID) -> list[tuple[str | None, str | None]]:
    """Each stored event's (prev, hash), oldest first."""
    return [unseal(stored.state)[1:] for stored in app.recorder.select_events(tally_id)]


def test_appends_read_no_previous_hash_once_the_head_is_known(app):
    recorder = counting(app)
    tallies = [app.start(f"t{n}") for n in range(20)]
    assert recorder.selects == 0  # a first event links to the genesis hash, unread
    for _ in range(10):
        for tally_id in tallies:
            app.count(tally_id)
    assert recorder.selects == 0  # every head came from the commit before
    assert app.verify().intact
    assert app.verify().events == 20 * 11
    for tally_id in tallies:
        chain = links(app, tally_id)
        assert chain[0][0] == GENESIS
        assert all(chain[n][0] == chain[n - 1][1] for n in range(1, len(chain)))


def test_a_head_unknown_to_this_process_is_read_from_the_store(app, store):
    tally_id = app.start("shared")
    other = build(store)  # another process on the same store: it has no heads of its own
    try:
        recorder = counting(other)
        other.count(tally_id)
        assert recorder.selects == 1
        other.count(tally_id)
        assert recorder.selects == 1
    finally:
        other.close()
    assert app.verify().intact


def test_a_failed_commit_leaves_no_poisoned_head(app, store):
    tally_id = app.start("contended")
    app.count(tally_id)
    committed_head = links(app, tally_id)[-1][1]
    # Two commands load the same version; the first to commit wins, the other conflicts.
    first: Tally = app.get(Tally, tally_id)
    second: Tally = app.get(Tally, tally_id)
    first.count(5)
    second.count(7)
    app.save(first)
    winner = links(app, tally_id)[-1][1]
    with pytest.raises(IntegrityError):
        app.save(second)
    # The loser's link was never stored, so it must never become the head.
    assert app.mapper.heads.before(tally_id, 4) == winner != committed_head
    assert app.mapper.batch == {}
    app.count(tally_id)
    assert app.get(Tally, tally_id).total == 1 + 5 + 1
    assert app.verify().intact


def test_a_stale_head_from_before_another_writer_is_refused_by_the_store(app, store):
    tally_id = app.start("two writers")
    app.count(tally_id)  # this process holds version 2 as the head
    stale: Tally = app.get(Tally, tally_id)
    other = build(store)
    try:
        other.count(tally_id)  # version 3, written where this process does not see it
    finally:
        other.close()
    stale.count(9)  # version 3 again, linked from the stale head: the store refuses it
    with pytest.raises(IntegrityError):
        app.save(stale)
    recorder = counting(app)
    app.count(tally_id)  # version 4: the head held is too old, so it is read from the store
    assert recorder.selects == 1
    assert app.get(Tally, tally_id).total == 3  # its count, the other's and this one
    assert app.verify().intact


def test_the_heads_are_bounded_least_recently_written_first():
    heads = ChainHeads(size=3)
    heads.committed({"a": (1, "ha"), "b": (1, "hb"), "c": (1, "hc")})
    assert heads.before("a", 2) == "ha"  # used: now the most recent
    heads.committed({"d": (1, "hd")})
    assert len(heads) == 3
    assert heads.before("b", 2) is None  # dropped
    assert [heads.before(k, 2) for k in "acd"] == ["ha", "hc", "hd"]
    assert heads.before("a", 3) is None  # only the version right after the head
