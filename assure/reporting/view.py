"""The governance report's read model: tables of the facts the report counts, with tracking.

The tables sit beside the eventsourcing library's tracking table (a SQLite file in the data
directory, or a PostgreSQL schema): the view is a tracking recorder (`SQLiteTrackingRecorder`,
`PostgresTrackingRecorder`) whose `apply` writes a batch of rows and the batch's tracking
positions in one transaction, so the view is never ahead of or behind its positions.

Every row is keyed by a natural id and written so that applying the same event twice, or events
in another order, gives the same rows (a return's score may arrive before the return; a
contract's early end is a row of its own): no statement depends on another having run first,
so a batch runs as one executemany per statement. Dates are ISO text, which sorts and
compares as dates in both databases.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from assure.report.facts import (
    ContractFact,
    EscalationFact,
    InterventionFact,
    RequestFact,
    ReturnFact,
)

KPI_FORM = "kpi"  # a KPI return is not a monitoring return (governance.KPI_FORM)

# Bump when the tables or what an event writes into them change: a new version is built from
# the streams at start, in tables (and tracking names) of its own.
VERSION = 1
NAME = f"governance-v{VERSION}"

TABLES = {
    "contracts": "reference TEXT PRIMARY KEY, provider_id TEXT NOT NULL, service_type TEXT NOT "
                 "NULL, start_date TEXT NOT NULL, end_date TEXT",
    "contract_ends": "reference TEXT PRIMARY KEY, ended_on TEXT NOT NULL",
    "requests": "request_id TEXT PRIMARY KEY, contract_reference TEXT NOT NULL, form TEXT NOT "
                "NULL, due_on TEXT NOT NULL",
    "fulfilments": "request_id TEXT PRIMARY KEY, submitted_on TEXT NOT NULL",
    "reminders": "request_id TEXT PRIMARY KEY",
    "returns": "return_id TEXT PRIMARY KEY, contract_reference TEXT NOT NULL, form TEXT NOT "
               "NULL, submitted_on TEXT NOT NULL, position BIGINT NOT NULL",
    "corrections": "original_id TEXT PRIMARY KEY",
    "scores": "return_id TEXT PRIMARY KEY, band TEXT NOT NULL, compliance TEXT NOT NULL, "
              "intelligence TEXT NOT NULL, position BIGINT NOT NULL",
    "holds": "return_id TEXT PRIMARY KEY, held INTEGER NOT NULL, position BIGINT NOT NULL",
    "interventions": "intervention_id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, "
                     "contract_reference TEXT, opened_on TEXT NOT NULL",
    "closures": "intervention_id TEXT PRIMARY KEY, closed_on TEXT NOT NULL",
    "levels": "intervention_id TEXT NOT NULL, position BIGINT NOT NULL, changed_on TEXT NOT "
              "NULL, level TEXT NOT NULL, PRIMARY KEY (intervention_id, position)",
    "escalations": "escalation_id TEXT PRIMARY KEY, provider_id TEXT, step TEXT, "
                   "proposed_on TEXT, approved_on TEXT",
}
# The report selects by period: these make each of its queries a range scan.
INDEXES = {
    "requests": "due_on", "returns": "submitted_on", "contracts": "start_date",
    "interventions": "opened_on", "escalations": "proposed_on",
}


def table(name: str) -> str:
    return f"gov{VERSION}_{name}"


@dataclass(frozen=True)
class Row:
    """One statement of the view (`?` placeholders) and its parameters."""

    sql: str
    params: tuple[Any, ...]


@dataclass
class Applied:
    """One message's rows, with where it came from: its partition's tracking name and the
    producer's notification id."""

    tracking_name: str
    position: int
    rows: list[Row] = field(default_factory=list)


class GovernanceViewMixin:
    """What both databases share: the statements, the batch and the queries."""

    placeholder = "?"  # the SQL below is written with SQLite's; PostgreSQL's is %s
    prefix = ""

    def _name(self, name: str) -> str:
        return f"{self.prefix}{table(name)}"

    def table_statements(self) -> list[str]:
        statements = [f"CREATE TABLE IF NOT EXISTS {self._name(n)} ({cols})"
                      for n, cols in TABLES.items()]
        statements += [f"CREATE INDEX IF NOT EXISTS {table(n)}_{col} ON {self._name(n)} ({col})"
                       for n, col in INDEXES.items()]
        return statements

    # Writing ----------------------------------------------------------------------------------

    def apply(self, batch: Sequence[Applied], stream_name: str, stream_seq: int) -> int:
        """Writes the batch's rows that are new to the view and its tracking, in one
        transaction; returns how many messages were new."""
        with self._writing() as cursor:
            names = {a.tracking_name for a in batch}
            known = {n: self._max_tracking_id(n, cursor) or 0 for n in (*names, stream_name)}
            fresh = [a for a in batch if a.position > known[a.tracking_name]]
            # Grouped by statement (a stable sort keeps each statement's rows in order): no
            # statement's effect depends on another's, so one executemany each will do.
            rows = sorted((row for applied in fresh for row in applied.rows),
                          key=lambda r: r.sql)
            for sql, group in itertools.groupby(rows, key=lambda r: r.sql):
                cursor.executemany(self._statement(sql), [r.params for r in group])
            for name, position in _latest(fresh).items():
                self._insert_tracking(cursor, Tracking(name, position))
            if stream_seq > known[stream_name]:
                self._insert_tracking(cursor, Tracking(stream_name, stream_seq))
        return len(fresh)

    def _statement(self, sql: str) -> Any:
        for name in TABLES:
            sql = sql.replace(f"{{{name}}}", self._name(name))
        return sql if self.placeholder == "?" else sql.replace("?", "%s")

    # Reading ----------------------------------------------------------------------------------

    def select(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self._reading() as cursor:
            cursor.execute(self._statement(sql), tuple(params))
            return list(cursor.fetchall())

    def contracts(self, start: date, end: date) -> list[ContractFact]:
        rows = self.select(
            "SELECT c.reference, c.provider_id, c.service_type, c.start_date, "
            "COALESCE(e.ended_on, c.end_date) AS end_date FROM {contracts} c "
            "LEFT JOIN {contract_ends} e ON e.reference = c.reference "
            "WHERE c.start_date <= ? AND COALESCE(e.ended_on, c.end_date, ?) >= ?",
            (end.isoformat(), start.isoformat(), start.isoformat()))
        return [ContractFact(r["reference"], r["provider_id"], r["service_type"],
                             _day(r["start_date"]), _day(r["end_date"])) for r in rows]

    def requests(self, start: date, end: date) -> list[RequestFact]:
        rows = self.select(
            "SELECT r.contract_reference, r.form, r.due_on, f.submitted_on, "
            "m.request_id AS reminded FROM {requests} r "
            "LEFT JOIN {fulfilments} f ON f.request_id = r.request_id "
            "LEFT JOIN {reminders} m ON m.request_id = r.request_id "
            "WHERE r.due_on BETWEEN ? AND ?", (start.isoformat(), end.isoformat()))
        return [RequestFact(r["contract_reference"], r["form"], _day(r["due_on"]),
                            _day(r["submitted_on"]), 1 if r["reminded"] else 0) for r in rows]

    def returns(self, start: date, end: date) -> list[ReturnFact]:
        """Each contract's latest monitoring return received in the period, as the report
        counts them (a correction before what it corrects, then the latest day, then the first
        recorded): one row a contract instead of every return."""
        rows = self.select(
            "SELECT * FROM (SELECT r.return_id, r.contract_reference, r.form, r.submitted_on, "
            "s.band, s.compliance, s.intelligence, h.held, c.original_id AS superseded, "
            "ROW_NUMBER() OVER (PARTITION BY r.contract_reference ORDER BY "
            "CASE WHEN c.original_id IS NULL THEN 0 ELSE 1 END, r.submitted_on DESC, "
            "r.position) AS rank "
            "FROM {returns} r LEFT JOIN {scores} s ON s.return_id = r.return_id "
            "LEFT JOIN {holds} h ON h.return_id = r.return_id "
            "LEFT JOIN {corrections} c ON c.original_id = r.return_id "
            "WHERE r.submitted_on BETWEEN ? AND ? AND r.form <> ?) latest WHERE rank = 1",
            (start.isoformat(), end.isoformat(), KPI_FORM))
        return [ReturnFact(
            return_id=r["return_id"], contract_reference=r["contract_reference"],
            form=r["form"], submitted_on=_day(r["submitted_on"]),
            compliance=json.loads(r["compliance"] or "{}"),
            intelligence=json.loads(r["intelligence"] or "{}"), band=r["band"],
            analysis_pending=bool(r["held"]), superseded=r["superseded"] is not None,
        ) for r in rows]

    def interventions(self, start: date, end: date) -> list[InterventionFact]:
        """Every intervention open at some time in the period, with its changes of level."""
        where = ("WHERE i.opened_on <= ? AND (c.closed_on IS NULL OR c.closed_on >= ?)",
                 (end.isoformat(), start.isoformat()))
        opened = self.select(
            "SELECT i.intervention_id, i.provider_id, i.contract_reference, i.opened_on, "
            "c.closed_on FROM {interventions} i "
            "LEFT JOIN {closures} c ON c.intervention_id = i.intervention_id " + where[0],
            where[1])
        levels: dict[str, list[tuple[date, str]]] = {}
        for r in self.select(
                "SELECT l.intervention_id, l.changed_on, l.level FROM {levels} l "
                "JOIN {interventions} i ON i.intervention_id = l.intervention_id "
                "LEFT JOIN {closures} c ON c.intervention_id = l.intervention_id " + where[0]
                + " ORDER BY l.intervention_id, l.position", where[1]):
            levels.setdefault(r["intervention_id"], []).append(
                (_day(r["changed_on"]), r["level"]))
        return [InterventionFact(
            r["intervention_id"], r["provider_id"], r["contract_reference"],
            _day(r["opened_on"]), tuple(levels.get(r["intervention_id"], ())),
            _day(r["closed_on"])) for r in opened]

    def escalations(self, start: date, end: date) -> list[EscalationFact]:
        rows = self.select(
            "SELECT escalation_id, provider_id, step, proposed_on, approved_on "
            "FROM {escalations} WHERE proposed_on IS NOT NULL AND "
            "(proposed_on BETWEEN ? AND ? OR approved_on BETWEEN ? AND ?)",
            (start.isoformat(), end.isoformat()) * 2)
        return [EscalationFact(r["escalation_id"], r["provider_id"], r["step"],
                               _day(r["proposed_on"]), _day(r["approved_on"])) for r in rows]

    def row_counts(self) -> dict[str, int]:
        return {name: self.select(f"SELECT COUNT(*) AS n FROM {{{name}}}")[0]["n"]
                for name in TABLES}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, sorted: what two builds of the view are compared by."""
        return {name: sorted(_values(r) for r in self.select(f"SELECT * FROM {{{name}}}"))
                for name in TABLES}

    def clear(self) -> None:
        """Empties the view and forgets its positions: the next feed starts from zero."""
        with self._writing() as cursor:
            for name in TABLES:
                cursor.execute(self._statement(f"DELETE FROM {{{name}}}"), ())
            cursor.execute(self._statement(self._delete_tracking()), (f"{NAME}/%",))

    def retire_older_versions(self) -> list[str]:
        """Drops the tables and positions of earlier versions of the view; returns the tables."""
        older = [name for name in self._tables_named("gov%")
                 if name.split("_", 1)[0][3:].isdigit()
                 and int(name.split("_", 1)[0][3:]) < VERSION]
        with self._writing() as cursor:
            for name in older:
                cursor.execute(f"DROP TABLE IF EXISTS {self.prefix}{name}", ())
            for version in range(1, VERSION):
                cursor.execute(self._statement(self._delete_tracking()),
                               (f"governance-v{version}/%",))
        return older

    # Each database's class provides _writing, _reading, _delete_tracking and _tables_named;
    # the library's
    # tracking recorder _max_tracking_id and _insert_tracking.
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


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class SQLiteGovernanceView(GovernanceViewMixin, SQLiteTrackingRecorder):
    """The view in a SQLite file of its own in the data directory."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.table_statements()]

    def _writing(self) -> Any:
        return self.datastore.transaction(commit=True)

    def _reading(self) -> Any:
        return self.datastore.transaction(commit=False)

    def _delete_tracking(self) -> str:
        return "DELETE FROM tracking WHERE application_name LIKE ?"

    def _tables_named(self, pattern: str) -> list[str]:
        rows = self.select("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
                           (pattern,))
        return [r["name"] for r in rows]


class PostgresGovernanceView(GovernanceViewMixin, PostgresTrackingRecorder):
    """The view in a PostgreSQL schema of its own."""

    placeholder = "%s"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.prefix = f'"{self.datastore.schema}".'
        self.sql_create_statements.extend(SQL(s) for s in self.table_statements())

    def _writing(self) -> Any:
        return _locked(self.datastore.transaction(commit=True))

    def _reading(self) -> Any:
        return self.datastore.transaction(commit=False)

    def _delete_tracking(self) -> str:
        return (f'DELETE FROM "{self.datastore.schema}".{self.tracking_table_name} '
                "WHERE application_name LIKE ?")

    def _tables_named(self, pattern: str) -> list[str]:
        rows = self.select("SELECT table_name AS name FROM information_schema.tables "
                           "WHERE table_schema = ? AND table_name LIKE ?",
                           (self.datastore.schema, pattern))
        return [r["name"] for r in rows]


class _locked:
    """A write transaction holding the view's advisory lock: instances sharing the schema
    apply their batches one at a time, so each reads positions no other is about to move."""

    def __init__(self, transaction: Any) -> None:
        self.transaction = transaction

    def __enter__(self) -> Any:
        cursor = self.transaction.__enter__()
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (NAME,))
        return cursor

    def __exit__(self, *exc: Any) -> Any:
        return self.transaction.__exit__(*exc)
