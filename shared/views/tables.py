"""A read model's tables beside the eventsourcing library's tracking table, in one database.

A view is a tracking recorder (`SQLiteTrackingRecorder`, or `PostgresTrackingRecorder` in
postgres.py) that also owns tables of its own: `apply` writes a batch of rows and the batch's
tracking positions in one transaction, so a view is never ahead of or behind its positions,
whatever kills the process.

Tables are named `<family><version>_<table>`: a view whose definition changes gets a new version
number, is built from zero in tables of its own, and the older version's tables are dropped once
the new one has caught up. SQL is written with SQLite's `?` placeholders and `{table}` names;
`statement` turns it into either database's. Dates are ISO text, which sorts and compares as
dates in both databases.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder, SQLiteTransaction

from shared.views.paging import Doc, from_doc
from shared.views.sealed import SealedText


@dataclass(frozen=True)
class Row:
    """One statement of a view (`?` placeholders, `{table}` names) and its parameters."""

    sql: str
    params: tuple[Any, ...]
    # Run before the batch's other statements: a count kept by adding one for each row new to
    # the view, which asks whether the row is there yet (notify's inbox counts).
    first: bool = False


@dataclass
class Applied:
    """One message's (or one stored event's) rows, with the position they bring the view to."""

    tracking_name: str
    position: int
    rows: list[Row] = field(default_factory=list)


class TableViewMixin:
    """What both databases share: the tables, the batch, the reads, clearing and retiring."""

    family: ClassVar[str]  # the tables' prefix, e.g. "gov"
    view_name: ClassVar[str]  # its tracking names' prefix, e.g. "governance"
    version: ClassVar[int] = 1
    tables: ClassVar[dict[str, str]]  # name -> column definitions
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {}  # table -> column(s) to index
    # True if its rows hold text sealed under the service's keys (sealed.py): a key rotation
    # rebuilds it. `sealed` seals and opens that text (plain until its service gives it keys).
    seals: ClassVar[bool] = False
    sealed: SealedText = SealedText()
    placeholder = "?"
    prefix = ""

    @classmethod
    def table(cls, name: str) -> str:
        return f"{cls.family}{cls.version}_{name}"

    @classmethod
    def tracking_prefix(cls) -> str:
        """Every tracking name this version of the view writes starts with this."""
        return f"{cls.view_name}-v{cls.version}/"

    def _name(self, name: str) -> str:
        return f"{self.prefix}{self.table(name)}"

    def table_statements(self) -> list[str]:
        statements = [f"CREATE TABLE IF NOT EXISTS {self._name(n)} ({cols})"
                      for n, cols in self.tables.items()]
        for name, columns in self.indexes.items():
            for column in (columns,) if isinstance(columns, str) else columns:
                label = column.replace(",", "_").replace(" ", "")
                statements.append(f"CREATE INDEX IF NOT EXISTS {self.table(name)}_{label} "
                                  f"ON {self._name(name)} ({column})")
        return statements

    # Writing ----------------------------------------------------------------------------------

    def apply_rows(self, batch: Sequence[Applied], *extra: Tracking) -> int:
        """Writes the rows of the batch's messages that are new to the view and their tracking
        (and any extra positions ahead of the view's), in one transaction; returns how many
        messages were new. Each statement must be independent of the others (natural keys,
        upserts): they are grouped into one executemany each. Statements marked `first` run
        before the rest, so they see the tables as the batch found them; a batch holds each
        aggregate's rows once (a page's, or a rebuild's, state of it)."""
        with self._writing() as cursor:
            names = {a.tracking_name for a in batch} | {t.application_name for t in extra}
            known = {n: self._max_tracking_id(n, cursor) or 0 for n in names}
            fresh = [a for a in batch if a.position > known[a.tracking_name]]
            self.execute_rows(cursor, (row for applied in fresh for row in applied.rows))
            for name, position in _latest(fresh).items():
                self._insert_tracking(cursor, Tracking(name, position))
            for tracking in extra:
                if tracking.notification_id > known[tracking.application_name]:
                    self._insert_tracking(cursor, tracking)
        return len(fresh)

    def execute_rows(self, cursor: Any, rows: Iterable[Row]) -> None:
        """Runs rows grouped by statement, those marked `first` first (a stable sort keeps each
        statement's rows in order)."""
        ordered = sorted(rows, key=_running_order)
        for (_, sql), group in itertools.groupby(ordered, key=_running_order):
            cursor.executemany(self.statement(sql), [self._sealed(r.params) for r in group])

    def _sealed(self, params: tuple[Any, ...]) -> tuple[Any, ...]:
        """Documents (paging.Doc) sealed at rest under the store's key, as the events' payloads
        are; ids, statuses and dates stay readable, as they are in the store."""
        return tuple(self.sealed.seal(p) if isinstance(p, Doc) else p for p in params)

    def doc(self, text: str) -> dict[str, Any]:
        """A document column's value as the entry it holds, opened if it was sealed."""
        return from_doc(self.sealed.open(text))

    def statement(self, sql: str) -> Any:
        for name in self.tables:
            sql = sql.replace(f"{{{name}}}", self._name(name))
        return sql if self.placeholder == "?" else sql.replace("?", "%s")

    # Reading ----------------------------------------------------------------------------------

    def select(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self._reading() as cursor:
            cursor.execute(self.statement(sql), tuple(params))
            return list(cursor.fetchall())

    def row_counts(self) -> dict[str, int]:
        return {name: self.select(f"SELECT COUNT(*) AS n FROM {{{name}}}")[0]["n"]
                for name in self.tables}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, sorted: what two builds of the view are compared by."""
        return {name: sorted(_values(r) for r in self.select(f"SELECT * FROM {{{name}}}"))
                for name in self.tables}

    def clear(self) -> None:
        """Empties the view and forgets its positions: the next catch-up starts from zero."""
        with self._writing() as cursor:
            self._empty(cursor)

    def replace_rows(self, batches: Iterable[list[Row]], tracking: Tracking) -> None:
        """Empties the view and writes it afresh, up to `tracking`'s position, in one
        transaction: until it commits the view answers as it was, a crash leaves it so, and an
        instance following the same store cannot slip an older page in between."""
        with self._writing() as cursor:
            self._empty(cursor)
            for rows in batches:
                self.execute_rows(cursor, rows)
            if tracking.notification_id:
                self._insert_tracking(cursor, tracking)

    def _empty(self, cursor: Any) -> None:
        for name in self.tables:
            cursor.execute(self.statement(f"DELETE FROM {{{name}}}"), ())
        cursor.execute(self.statement(self._delete_tracking()), (f"{self.tracking_prefix()}%",))

    def retire_older_versions(self) -> list[str]:
        """Drops the tables and positions of earlier versions of the view; returns the tables."""
        size = len(self.family)
        older = [name for name in self._tables_named(f"{self.family}%")
                 if name.split("_", 1)[0][size:].isdigit()
                 and int(name.split("_", 1)[0][size:]) < self.version]
        with self._writing() as cursor:
            for name in older:
                cursor.execute(f"DROP TABLE IF EXISTS {self.prefix}{name}", ())
            for version in range(1, self.version):
                cursor.execute(self.statement(self._delete_tracking()),
                               (f"{self.view_name}-v{version}/%",))
        return older

    # Each database's class provides _writing, _reading, _delete_tracking and _tables_named;
    # the library's tracking recorder _max_tracking_id and _insert_tracking.
    _writing: Any
    _reading: Any
    _delete_tracking: Any
    _tables_named: Any
    _max_tracking_id: Any
    _insert_tracking: Any


def _latest(applied: Iterable[Applied]) -> dict[str, int]:
    latest: dict[str, int] = {}
    for a in applied:
        latest[a.tracking_name] = max(a.position, latest.get(a.tracking_name, 0))
    return latest


def _running_order(row: Row) -> tuple[bool, str]:
    return not row.first, row.sql


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


class SQLiteTableView(TableViewMixin, SQLiteTrackingRecorder):
    """A view in a SQLite file (its own, beside the store it reads)."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.table_statements()]

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Any]:
        # BEGIN IMMEDIATE takes the database's write lock before the view's positions are read,
        # as PostgreSQL's advisory lock does: two processes following one store (`assure up`
        # runs the HTTP side and each service apart) then apply their pages one at a time. A
        # plain (deferred) BEGIN reads first and, if the other process wrote meanwhile, fails
        # at its first write with "database is locked" instead of waiting.
        with self.datastore.get_connection(commit=True) as connection, \
                _Immediate(connection, commit=True) as cursor, cursor:
            yield cursor

    def _reading(self) -> Any:
        return self.datastore.transaction(commit=False)

    def _delete_tracking(self) -> str:
        return "DELETE FROM tracking WHERE application_name LIKE ?"

    def _tables_named(self, pattern: str) -> list[str]:
        rows = self.select("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
                           (pattern,))
        return [r["name"] for r in rows]


class _Immediate(SQLiteTransaction):
    """eventsourcing's SQLite transaction (commit or roll back, its errors), begun IMMEDIATE."""

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        return cursor
