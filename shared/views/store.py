"""A service's read models, kept from the service's own notification log.

Each view is an `eventsourcing.projection.Projection` over a table view (tables.py) in the
service's own database: `<service>-views.sqlite` beside the store, or tables in the service's
PostgreSQL schema (POPO stores, in unit tests, get a private in-memory SQLite database).

Why not the library's `ProjectionRunner`: it subscribes to the application's recorder, which
SQLite's recorder does not support (`subscribe` raises NotImplementedError); it builds a second
application of its own; and it commits one event per transaction, where a rebuild needs pages
of a thousand to reach tens of thousands of events a second. `Follower` is the runner's
counterpart: it reads the notification log after the view's position, a page at a time, turns
the page into rows and commits the rows with the page's position in one transaction. It runs
before each read (so a person sees what they have just done) and in the background after each
commit (so that read rarely has anything to do).

A view writes rows from events (`rows_for_event`: an index of keys), or from the state of the
aggregates a page touched (`rows_for`: the aggregate as it stands after the page, so a view is
by construction what replaying the store gives). Aggregates first created in the page are
built in memory from the page's events; others are loaded as they stood just before the page
(snapshots make that cheap), then the page's events applied.

Several instances: rows are upserts keyed by natural ids and a page is applied only when it
moves the view's position forward (under PostgreSQL's advisory lock for the view), so two
instances following the same store write the same rows, whichever commits first.
"""

from __future__ import annotations

import inspect
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from eventsourcing.domain import AggregateCreated, CanMutateAggregate
from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import Environment

from shared.topics import topics_of
from shared.views.sealed import SealedText
from shared.views.tables import Applied, Row, SQLiteTableView, TableViewMixin

log = logging.getLogger(__name__)

PAGE = 1000
# How far a view may read past its stored position without writing it, when what it read made
# no rows (Follower._catch_up says why); a restart reads at most this much again.
UNWRITTEN = 1000
RETIRE_AFTER_SECONDS = 30.0  # between a view's new version answering and its old tables going
KNOWN = 20_000  # aggregates a follower keeps between pages (see Follower._remember)
# After a commit wakes the background follower, it waits this long for more before catching up,
# so a busy service's commits are read a batch at a time rather than one catch-up (a few queries
# per view) each (issue 16). A read catches up itself first, so it never waits for this.
GATHER_SECONDS = 0.1
Progress = Callable[[int, int], None]  # events read, events to read
TView = TypeVar("TView", bound=TableViewMixin)


class StoreProjection(Projection[TView], Generic[TView]):
    """Rows of one read model, from a service's stored events.

    Subclasses name `view_class` (a TableViewMixin with the tables and their queries), `follows`
    (aggregate classes whose state makes rows) and override `rows_for` and/or
    `rows_for_event`. `topics` defaults to every event of the followed aggregates."""

    name: ClassVar[str]
    view_class: ClassVar[type[TableViewMixin]]
    follows: ClassVar[tuple[type, ...]] = ()
    # The projection of this view's previous version, kept in the code for the release that
    # brings a new version: until the new one has read the whole store (built in the
    # background at start), reads are answered by the previous version's tables, followed as
    # before; then those are dropped (ServiceViews, "succession"). Its view must answer the
    # queries the service asks of this one.
    previous: ClassVar[type[StoreProjection[Any]] | None] = None
    app: Any = None  # the service application it follows, set by its Follower

    def rows_for(self, aggregate: Any) -> list[Row]:
        """The rows an aggregate of a followed class has, as it stands now (upserts)."""
        return []

    def rows_for_event(self, domain_event: Any, position: int) -> list[Row]:
        """Rows a single stored event (at `position` in the log) writes, whatever the state."""
        return []

    @classmethod
    def event_topics(cls) -> tuple[str, ...]:
        """The stored-event topics it reads; empty means every event."""
        return tuple(sorted({topic for kind in cls.follows
                             for member in _event_classes(kind) for topic in topics_of(member)}))

    @classmethod
    def created_topics(cls) -> tuple[str, ...]:
        """The topics of the events that create the aggregates it follows."""
        return tuple(sorted({topic for kind in cls.follows
                             for member in _event_classes(kind)
                             if issubclass(member, AggregateCreated)
                             for topic in topics_of(member)}))

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """The library's one-at-a-time interface (event rows only): Follower applies pages."""
        rows = self.rows_for_event(domain_event, tracking.notification_id)
        self.view.apply_rows([Applied(tracking.application_name, tracking.notification_id,
                                      rows)])


def _event_classes(kind: type) -> list[type]:
    # A subclass of an aggregate has event classes of its own (`ImprovementPlan.Received`, not
    # `Plan.Received`): a projection follows each concrete class it reads. (The protocol
    # `CanMutateProtocol` has data members, which `issubclass` refuses.)
    return [member for _, member in inspect.getmembers(kind, inspect.isclass)
            if issubclass(member, CanMutateAggregate)
            and member.__module__ != "eventsourcing.domain"
            and getattr(member, "__qualname__", "").startswith(kind.__qualname__ + ".")]


def mutated(aggregate: Any, domain_events: Iterable[Any]) -> Any:
    """The library's project_aggregate without its per-event isinstance() against a runtime
    Protocol, which costs a fifth of loading an aggregate (tech-notes.md)."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class Follower:
    """Keeps one projection up to date from its application's notification log."""

    def __init__(self, app: Any, projection: StoreProjection[Any]) -> None:
        self.app = app
        self.projection = projection
        projection.app = app  # what its rows may ask of the service (its keys, its names)
        self.view: Any = projection.view
        self.tracking_name = f"{self.view.tracking_prefix()}{app.name}"
        self.topics = projection.event_topics()
        self._lock = threading.Lock()
        # Aggregates as the view's last committed page left them, most recent last.
        self._known: OrderedDict[uuid.UUID, Any] = OrderedDict()
        # Read up to here, of which the stored events after its stored position made no rows.
        self._unwritten = 0

    @property
    def position(self) -> int:
        """How far the view has read the store: its stored position, or further where what
        it read since made no rows and is not written yet."""
        return max(self.view.max_tracking_id(self.tracking_name) or 0, self._unwritten)

    def behind(self, target: int | None = None) -> int:
        """How many stored events (of any topic) the view has yet to read."""
        if target is None:
            target = self.app.recorder.max_notification_id() or 0
        return max(0, target - self.position)

    def catch_up(self, progress: Progress | None = None, target: int | None = None) -> int:
        """Applies every stored event after the view's position (up to `target`, the store's
        last by default); returns how many were read. A view that has read nothing yet (new, or
        its definition changed) is filled as a rebuild fills it, an aggregate at a time where
        it can be."""
        if target is None:
            target = self.app.recorder.max_notification_id() or 0
        position = self.position
        if position >= target:
            return 0  # the usual case after a commit some other view's events made
        if position == 0 and self._by_aggregate():
            return self._fill(progress, only_if_empty=True)
        with self._lock:
            return self._catch_up(progress, target)

    def _catch_up(self, progress: Progress | None, target: int) -> int:
        stored = self._stored()
        start = position = max(stored, self._unwritten)
        while position < target:
            page = self.app.recorder.select_notifications(
                start=position + 1, limit=PAGE, stop=target, topics=self.topics)
            end = page[-1].id if len(page) == PAGE else target
            state: dict[uuid.UUID, Any] = {}
            try:
                rows = self._rows(page, state)
                # Most commits hold no event of this view's (a follower reads only its topics)
                # or none that changes its rows: its position then moves in memory only, and
                # is written with its next rows, once it is UNWRITTEN ahead, or when the
                # service is quiet (`write_position`), saving a write transaction per view
                # per commit. Another process may read the same stretch again: it makes no
                # rows there either.
                if rows or end - stored >= UNWRITTEN:
                    self.view.apply_rows([Applied(self.tracking_name, end, rows)])
                    stored = end
            except BaseException:
                self._known.clear()  # what it holds may have moved past what was committed
                raise
            self._unwritten = max(self._unwritten, end)
            self._remember(state)
            position = end
            if progress:
                progress(position - start, target - start)
        return position - start

    def _stored(self) -> int:
        return self.view.max_tracking_id(self.tracking_name) or 0

    def write_position(self) -> None:
        """Writes how far the view has read, if it read past its stored position without
        writing it (what it read there made no rows)."""
        with self._lock:
            if self._unwritten > self._stored():
                self.view.apply_rows([Applied(self.tracking_name, self._unwritten, [])])

    def _rows(self, page: list[Any], state: dict[uuid.UUID, Any]) -> list[Row]:
        rows: list[Row] = []
        follows = self.projection.follows
        for notification in page:
            domain_event = self.app.mapper.to_domain_event(notification)
            rows += self.projection.rows_for_event(domain_event, notification.id)
            if not follows:
                continue
            originator = domain_event.originator_id
            if originator not in state:
                state[originator] = self._before(originator, domain_event.originator_version)
            state[originator] = domain_event.mutate(state[originator])
        for aggregate in state.values():
            if aggregate is not None and isinstance(aggregate, follows):
                rows += self.projection.rows_for(aggregate)
        return rows

    def _before(self, originator: uuid.UUID, version: int) -> Any:
        """The aggregate as it stood before its event at `version` (None before its first)."""
        if version <= 1:
            return None
        known = self._known.pop(originator, None)
        if known is not None and known.version == version - 1:
            return known
        return self.app.repository.get(originator, version=version - 1, projector_func=mutated)

    def _remember(self, state: dict[uuid.UUID, Any]) -> None:
        """Keeps the aggregates a committed page left, so the next page's events about them
        apply to these instead of a load from the store (a deadline day touches thousands of
        requests, each otherwise loaded again)."""
        for originator, aggregate in state.items():
            if aggregate is not None:
                self._known[originator] = aggregate
                self._known.move_to_end(originator)
        while len(self._known) > KNOWN:
            self._known.popitem(last=False)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Empties the view and builds it again from the whole store, reads waiting meanwhile;
        returns how many stored events that covered. Killed halfway, the view is either as it
        was or whole pages further with their position, and carries on from there at its next
        catch-up: running it again gives the same rows."""
        self._known.clear()
        if not self._by_aggregate():
            with self._lock:
                self.view.clear()
                self._unwritten = 0
                return self._catch_up(progress, self.app.recorder.max_notification_id() or 0)
        return self._fill(progress, only_if_empty=False)

    def _fill(self, progress: Progress | None, only_if_empty: bool) -> int:
        with self._lock:
            if only_if_empty and self.position:
                target = 0  # another thread filled it while this one waited
            else:
                target = self.app.recorder.max_notification_id() or 0
                self._unwritten = 0
                self.view.replace_rows(self._rows_by_aggregate(target, progress),
                                       Tracking(self.tracking_name, target))
        return target + self.catch_up(progress)

    # A view of aggregates' state only (no rows per event) is rebuilt an aggregate at a time:
    # in the log's order each page touches hundreds of aggregates, each loaded again as it stood
    # before the page, where loading each once as it stands (from its snapshot) writes the same
    # rows. Measured over 1,000 risk profiles of 17 events on SQLite: 1,700 events/s in the
    # log's order, 8,000-11,000 an aggregate at a time. Events after `target` are then applied
    # by a catch-up as usual.

    def _by_aggregate(self) -> bool:
        kind = type(self.projection)
        return (kind.rows_for_event is StoreProjection.rows_for_event
                and bool(kind.created_topics()))

    def _rows_by_aggregate(self, target: int,
                           progress: Progress | None) -> Iterator[list[Row]]:
        """The rows of every followed aggregate created up to `target`, a page at a time."""
        topics = self.projection.created_topics()
        position = 0
        while position < target:
            page = self.app.recorder.select_notifications(
                start=position + 1, limit=PAGE, stop=target, topics=topics)
            rows: list[Row] = []
            for notification in page:
                aggregate = self.app.repository.get(notification.originator_id,
                                                    projector_func=mutated)
                if isinstance(aggregate, self.projection.follows):
                    rows += self.projection.rows_for(aggregate)
            yield rows
            position = page[-1].id if len(page) == PAGE else target
            if progress:
                progress(position, target)


class ServiceViews:
    """A service's read models: opened beside its store, followed from its notification log."""

    def __init__(self, app: Any, projections: Iterable[type[StoreProjection[Any]]]) -> None:
        self.app = app
        self.service = getattr(app, "service", app.name)  # its name in messages and status
        # PostgreSQL: the store's own pool and schema; SQLite: a file (and pool) of its own.
        self._postgres = "postgres" in type(app.recorder).__module__
        self._factory = None if self._postgres else _sqlite_factory(app)
        self._datastore = app.recorder.datastore if self._postgres else self._factory.datastore
        self.followers: dict[type, Follower] = {}
        # Succession: the previous version of a view whose new version is not built yet.
        self.predecessors: dict[type, Follower] = {}
        for projection_class in projections:
            view = self._open(projection_class.view_class)
            self.followers[projection_class] = Follower(app, projection_class(view=view))
            previous = projection_class.previous
            if previous is not None and not self.followers[projection_class].position:
                self.predecessors[projection_class] = Follower(
                    app, previous(view=self._open(previous.view_class)))
        self._succession: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._rebuilding: threading.Thread | None = None
        self._rebuilt: list[Follower] = []

    def _open(self, mixin: type[TableViewMixin]) -> Any:
        view_class = database_class(mixin, self._postgres)
        if self._postgres:
            view = view_class(datastore=self._datastore,
                              tracking_table_name=f"{self.app.name.lower()}_views_tracking")
        else:
            view = view_class(datastore=self._datastore)
        view.sealed = SealedText(self.app.env)
        view.create_table()
        return view

    def get(self, projection_class: type[StoreProjection[TView]]) -> TView:
        """The projection's view, caught up with everything stored so far (the previous
        version's while a new version is being built)."""
        answering = self._answering(projection_class)
        answering.catch_up()
        return answering.view

    def _answering(self, projection_class: type) -> Follower:
        """The follower whose view answers reads, starting the new version's build if the
        previous one answers meanwhile."""
        answering = self._answerer(projection_class)
        if answering is not self.followers[projection_class]:
            self._start_succession()
        return answering

    def _answerer(self, projection_class: type) -> Follower:
        predecessor = self.predecessors.get(projection_class)
        if predecessor is not None and predecessor.position:
            return predecessor
        return self.followers[projection_class]

    def catch_up(self) -> int:
        """Every view that answers reads caught up (a new version being built is left to the
        succession's own thread), to the store's last event when this began."""
        target = self.app.recorder.max_notification_id() or 0
        return sum(self._answering(kind).catch_up(target=target) for kind in self.followers)

    def write_positions(self) -> None:
        """Writes how far each view has read where it read on without writing it (see
        `Follower._catch_up`), so its stored position, which other processes and a restart
        start from, is the store's last event again once the service is quiet."""
        for follower in self.followers.values():
            follower.write_position()

    # Succession: a new version of a view built in the background while the previous answers.

    def _start_succession(self) -> None:
        if self._succession is not None or not self.predecessors:
            return
        self._succession = threading.Thread(target=self._succeed, daemon=True,
                                            name=f"{self.app.name}-views-succession")
        self._succession.start()

    def _succeed(self) -> None:
        for projection_class, predecessor in list(self.predecessors.items()):
            follower = self.followers[projection_class]
            try:
                follower.catch_up()
            except Exception:  # noqa: BLE001 - the previous version answers on; next start
                log.exception("%s view %s version %d could not be built", self.service,
                              type(follower.projection).name, follower.view.version)
                continue
            del self.predecessors[projection_class]  # reads go to the new version from now
            log.info("%s view %s version %d built; version %d retired", self.service,
                     type(follower.projection).name, follower.view.version,
                     predecessor.view.version)
            # A read that took the previous version just before the switch may still be
            # asking it: give it time to finish before its tables go.
            if not self._stopping.wait(RETIRE_AFTER_SECONDS):
                follower.view.retire_older_versions()

    def succession_finished(self, timeout: float | None = None) -> bool:
        """Waits for the new versions being built (if any); True once none is left."""
        if self._succession is not None:
            self._succession.join(timeout)
        return not self.predecessors

    def rebuild_sealed(self) -> int:
        """Rebuilds the views holding sealed text (after a key rotation, so none is left under
        a retired key); returns how many stored events were read."""
        return sum(follower.rebuild() for follower in self.followers.values()
                   if follower.view.seals)

    def named(self, view: str | None = None) -> list[Follower]:
        """Its followers, or the one whose projection has that name (LookupError if none)."""
        found = [f for f in self.followers.values()
                 if view is None or type(f.projection).name == view]
        if not found:
            raise LookupError(f"{self.service} has no view called {view!r}")
        return found

    def status(self) -> list[dict[str, Any]]:
        """How far each view has read the store, in the shape `GET /views` gives."""
        total = self.app.recorder.max_notification_id() or 0
        rebuilding = self._rebuilding is not None and self._rebuilding.is_alive()
        return [{"view": type(f.projection).name, "service": self.service,
                 "version": f.view.version, "read": min(f.position, total), "total": total,
                 "caught_up": f.position >= total,
                 "rebuilding": rebuilding and f in self._rebuilt,
                 # The version reads get: the previous one while this one is being built.
                 "answering_version": self._answerer(kind).view.version}
                for kind, f in self.followers.items()]

    def rebuild_in_background(self, view: str | None = None) -> bool:
        """Empties the view (every view without a name) and reads the store again from its
        first event in a thread; reads wait for it. False if a rebuild is under way already."""
        followers = self.named(view)
        if self._rebuilding is not None and self._rebuilding.is_alive():
            return False
        self._rebuilt = followers
        self._rebuilding = threading.Thread(target=self._rebuild, args=(followers,),
                                            name=f"{self.app.name}-views-rebuild", daemon=True)
        self._rebuilding.start()
        return True

    def _rebuild(self, followers: list[Follower]) -> None:
        for follower in followers:
            try:
                follower.rebuild()
            except Exception:  # noqa: BLE001 - reported in the log; the view resumes on read
                log.exception("%s view %s could not be rebuilt", self.service,
                              type(follower.projection).name)

    # Background: keep every view warm after each commit ----------------------------------

    def start(self) -> None:
        """Catches up in a thread of its own after each commit (and once at start)."""
        if self._thread is not None:
            return
        self.app.on_recorded(self._wake.set)
        self._wake.set()
        self._start_succession()
        self._thread = threading.Thread(target=self._follow, name=f"{self.app.name}-views",
                                        daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        while not self._stopping.is_set():
            woken = self._wake.wait(timeout=5)
            if woken:
                self._stopping.wait(GATHER_SECONDS)
            if self._stopping.is_set():
                self._write_positions()
                return
            self._wake.clear()
            try:
                self.catch_up()
                if not woken:  # no commit here for 5 s: a quiet moment to write them
                    self.write_positions()
            except Exception:  # noqa: BLE001 - the next read catches up, or reports the error
                log.exception("%s views could not catch up", self.service)
                self._stopping.wait(1)

    def _write_positions(self) -> None:
        try:
            self.write_positions()
        except Exception:  # noqa: BLE001 - stopping: the next start reads that stretch again
            log.exception("%s views could not write how far they read", self.service)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in (self._thread, self._succession):
            if thread is not None:
                thread.join(timeout=30)
        self._thread = self._succession = None

    def close(self) -> None:
        self.stop()
        if self._factory is not None:
            self._factory.datastore.close()


_CLASSES: dict[tuple[type, bool], type] = {}


def database_class(mixin: type[TableViewMixin], postgres: bool) -> type:
    """The view's class for one database: its mixin over that database's table view."""
    key = (mixin, postgres)
    if key not in _CLASSES:
        if postgres:
            from shared.views.postgres import PostgresTableView as base
        else:
            base = SQLiteTableView
        _CLASSES[key] = type(f"{'Postgres' if postgres else 'SQLite'}{mixin.__name__}",
                             (mixin, base), {})
    return _CLASSES[key]


def _sqlite_factory(app: Any) -> Any:
    """An infrastructure factory for the service's views: a SQLite file beside its store, or a
    private in-memory database for a store held in memory."""
    env = dict(app.env)
    module = env.get("PERSISTENCE_MODULE", "")
    if "sqlite" in module and "memory" not in env.get("SQLITE_DBNAME", "memory"):
        store = Path(env["SQLITE_DBNAME"])
        values = {**env, "SQLITE_DBNAME": str(store.with_name(f"{store.stem}-views.sqlite"))}
    else:
        values = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                  "SQLITE_DBNAME": f"file:views-{uuid.uuid4().hex}?mode=memory&cache=shared"}
    return InfrastructureFactory.construct(Environment(f"{app.name}_views", values))
