"""The PostgreSQL side of a view's tables (tables.py): in a module of its own, imported only
where a view lives in PostgreSQL, so a service on SQLite never imports psycopg (issue 15: the
import was a tenth of a worker's start)."""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL

from shared.views.tables import TableViewMixin


class PostgresTableView(TableViewMixin, PostgresTrackingRecorder):
    """A view in a PostgreSQL schema (the service's, or the composition root's own)."""

    placeholder = "%s"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.prefix = f'"{self.datastore.schema}".'
        self.sql_create_statements.extend(SQL(s) for s in self.table_statements())

    def _writing(self) -> Any:
        return _Locked(self.datastore.transaction(commit=True), self.tracking_prefix())

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


PAGE_IDLE_LIMIT = "5min"  # see _Locked.__enter__


class _Locked:
    """A write transaction holding the view's advisory lock: instances sharing the schema
    apply their batches one at a time, so each reads positions no other is about to move."""

    def __init__(self, transaction: Any, name: str) -> None:
        self.transaction = transaction
        self.name = name

    def __enter__(self) -> Any:
        cursor = self.transaction.__enter__()
        # A fill or rebuild writes pages in this transaction while reading the store on other
        # connections, so it sits idle between its statements: far longer than the idle limit
        # eventsourcing sets on its sessions (5 s, meant for transactions stuck by mistake) on
        # a national store or a busy machine. Its own limit is the time to read one page.
        cursor.execute(f"SET LOCAL idle_in_transaction_session_timeout = '{PAGE_IDLE_LIMIT}'")
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.name,))
        return cursor

    def __exit__(self, *exc: Any) -> Any:
        return self.transaction.__exit__(*exc)
