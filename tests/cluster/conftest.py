"""The cluster suite's PostgreSQL: the session's server, a fresh schema prefix, dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from psycopg import sql

from tests.conftest import Postgres


@pytest.fixture
def schema_prefix(postgres: Postgres) -> Iterator[str]:
    prefix = f"c{uuid.uuid4().hex[:12]}_"
    yield prefix
    with postgres.connect() as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{prefix}%",)
        ).fetchall()
        for (schema,) in rows:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
