"""A service's application that reads and writes in memory while a batch of history is made.

bench.views makes years of history for a batch of providers at a time through the services'
own commands and policies (intake's `submit_return`, risk's scoring, escalation's proportionate
response, notify's routing). Those read what they need through the application (`find`,
`exists`, `repository.get`, `aggregates_under`) and write with `save`; `InMemory` answers the
reads from the batch's aggregates and keeps the events, so a batch costs no round trip to the
store until it is written, as the application's own event store writes: the same mapper, hash
chain and recorder as the running service. A batch's providers
share no aggregate with another batch's, so nothing outside the batch needs to be read.

The services' lists and the calendar read their views (`app.views.get(...)`: intake's register
and due dates, escalation's and notify's indexes, risk's profiles). While a batch is made each
application's `views` are the batch's own (`BatchViews`): the service's own projections and
view classes, in a private in-memory SQLite database, given the rows each projection makes
from the batch's events and aggregates just before a read, as a `Follower` would from the
notification log (rows from an aggregate's state as it stands, rows from an event at its place
in the batch). So every query is the view's own, and the batch costs no store round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment, get_topic

from shared.eventstore import ServiceApplication
from shared.views.store import StoreProjection, database_class
from shared.views.tables import Row


class _Repository:
    """What `app.repository` is asked for while a batch is made: the batch's aggregates."""

    cache = None

    def __init__(self, memory: InMemory) -> None:
        self.memory = memory

    def get(self, aggregate_id: uuid.UUID, version: int | None = None, **_: Any) -> Any:
        try:
            return self.memory.aggregates[aggregate_id]
        except KeyError:
            raise AggregateNotFoundError(aggregate_id) from None

    def __contains__(self, aggregate_id: uuid.UUID) -> bool:
        return aggregate_id in self.memory.aggregates


class _BatchFollower:
    """One projection fed from the batch in memory: what a `Follower` does with the store's
    notification log, from the events the batch has kept so far."""

    def __init__(self, memory: InMemory, projection: StoreProjection[Any]) -> None:
        self.memory = memory
        self.projection = projection
        projection.app = memory.app  # what its rows may ask of the service (its keys, names)
        self.view: Any = projection.view
        self.topics = frozenset(projection.event_topics())
        kind = type(projection)
        self.by_event = kind.rows_for_event is not StoreProjection.rows_for_event
        self.read = 0  # how many of the batch's events the view has been given

    @property
    def position(self) -> int:
        return self.read

    def catch_up(self) -> None:
        events = self.memory.events
        if self.read >= len(events):
            return
        rows: list[Row] = []
        touched: dict[uuid.UUID, None] = {}
        projection, topics, follows = self.projection, self.topics, self.projection.follows
        for position in range(self.read, len(events)):
            domain_event = events[position]
            if topics and get_topic(type(domain_event)) not in topics:
                continue
            if self.by_event:
                rows += projection.rows_for_event(domain_event, position + 1)
            if follows:
                touched[domain_event.originator_id] = None
        aggregates = self.memory.aggregates
        for aggregate_id in touched:
            aggregate = aggregates.get(aggregate_id)
            if aggregate is not None and isinstance(aggregate, follows):
                rows += projection.rows_for(aggregate)
        self.read = len(events)
        if rows:  # the position is this follower's own: the batch's view keeps no tracking
            with self.view._writing() as cursor:
                self.view.execute_rows(cursor, rows)

    def restart(self) -> None:
        self.view.clear()
        self.read = 0


class BatchViews:
    """A service's views while a batch is made: its own projections over the batch in memory
    (answers `get` and `followers` as `ServiceViews` does)."""

    def __init__(self, memory: InMemory, real: Any) -> None:
        name = f"{memory.app.name}_batch_views"
        values = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                  "SQLITE_DBNAME": f"file:{name}-{uuid.uuid4().hex}?mode=memory&cache=shared"}
        self._factory = InfrastructureFactory.construct(Environment(name, values))
        self.followers: dict[type, _BatchFollower] = {}
        for projection_class in real.followers:
            view = database_class(projection_class.view_class, False)(
                datastore=self._factory.datastore)
            view.create_table()
            self.followers[projection_class] = _BatchFollower(
                memory, projection_class(view=view))

    def get(self, projection_class: type[StoreProjection[Any]]) -> Any:
        follower = self.followers[projection_class]
        follower.catch_up()
        return follower.view

    def restart(self) -> None:
        """Empties every view for the next batch (which shares nothing with this one)."""
        for follower in self.followers.values():
            follower.restart()

    def close(self) -> None:
        self._factory.datastore.close()


class InMemory:
    """One service's application, its reads and writes redirected to the batch being made."""

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self.aggregates: dict[uuid.UUID, Any] = {}
        self.keys: dict[str, dict[uuid.UUID, None]] = {}
        self.events: list[Any] = []  # every event of the batch, in the order it was made
        self.handed_on = 0  # how many of them the batch's router has read
        self._store_repository = app.repository
        app._repository = _Repository(self)  # type: ignore[assignment]
        app.exists = self.exists  # type: ignore[method-assign]
        app.save = self.save  # type: ignore[method-assign]
        app.aggregates_under = self.under  # type: ignore[method-assign]
        app.has_any_under = lambda key: bool(self.keys.get(key))  # type: ignore[method-assign]
        self._store_views = app.views
        self.views = BatchViews(self, app.views)
        app.views = self.views

    def restore(self) -> None:
        """Gives the application back its store: its repository, views and own methods."""
        self.app._repository = self._store_repository
        self.app.views = self._store_views
        for name in ("exists", "save", "aggregates_under", "has_any_under"):
            delattr(self.app, name)
        self.views.close()

    def exists(self, aggregate_id: uuid.UUID) -> bool:
        return aggregate_id in self.aggregates

    def under(self, key: str) -> list[uuid.UUID]:
        return list(self.keys.get(key, ()))

    def save(self, *objs: Any, **_: Any) -> list[Any]:
        for obj in objs:  # aggregates (the library's protocol check costs more than the rest)
            if obj is not None:
                self.aggregates[obj.id] = obj
                self._keep(obj.collect_events())
        return []

    def collect(self, processing: ProcessingEvent[uuid.UUID]) -> None:
        """Keeps what a policy collected: its aggregates and their new events."""
        self.aggregates.update(processing.aggregates)
        self._keep(processing.events)

    def _keep(self, domain_events: list[Any]) -> None:
        for domain_event in domain_events:
            self.events.append(domain_event)
            for key in self.app.index_keys(domain_event):
                self.keys.setdefault(key, {})[domain_event.originator_id] = None

    def unread(self) -> Iterator[Any]:
        """Events the router has not handed on yet, including those made while it reads."""
        while self.handed_on < len(self.events):
            self.handed_on += 1
            yield self.events[self.handed_on - 1]

    def write(self, chunk: int = 1000) -> int:
        """Stores the batch's events as the application's event store does (its mapper seals
        each into its aggregate's hash chain, its recorder inserts them), `chunk` events to a
        transaction, then starts the next batch empty; returns how many. (One transaction of
        tens of thousands of events stalls psycopg's pipeline here.)"""
        mapper, recorder = self.app.mapper, self.app.recorder
        mapper.batch.clear()  # as ChainedEventStore.put: links come from this batch or the store
        try:
            stored = [mapper.to_stored_event(domain_event) for domain_event in self.events]
        finally:
            mapper.batch.clear()
        for start in range(0, len(stored), chunk):
            recorder.insert_events(stored[start:start + chunk])
        self._snapshots()
        written = len(self.events)
        self.aggregates, self.keys, self.events, self.handed_on = {}, {}, [], 0
        self.views.restart()
        return written

    def _snapshots(self) -> None:
        """The snapshots the application takes after a save, if it takes any."""
        if not (self.app.snapshots and self.app.snapshotting_intervals):
            return
        processing: ProcessingEvent[uuid.UUID] = ProcessingEvent()
        processing.events, processing.aggregates = self.events, self.aggregates
        self.app._repository = self._store_repository  # they read the store
        try:
            self.app._take_snapshots(processing)
        finally:
            self.app._repository = _Repository(self)  # type: ignore[assignment]
