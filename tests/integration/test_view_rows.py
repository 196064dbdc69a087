"""A view's batch of rows: statements marked `first` run before the others, so a count kept by
adding one for each row new to the view sees the tables as the batch found them (notify's inbox
counts, services/notify/application/inbox_view.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from shared.views.store import database_class
from shared.views.tables import Applied, Row, TableViewMixin

pytestmark = pytest.mark.integration


class Seen(TableViewMixin):
    family = "seen"
    view_name = "seen"
    tables: ClassVar[dict[str, str]] = {
        "all_rows": "id TEXT PRIMARY KEY",
        "counts": "name TEXT PRIMARY KEY, n INTEGER NOT NULL",
    }


@pytest.fixture
def view() -> Iterator[Any]:
    factory = InfrastructureFactory.construct(Environment("rows", {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": f"file:rows-{uuid.uuid4().hex}?mode=memory&cache=shared"}))
    view = database_class(Seen, postgres=False)(datastore=factory.datastore)
    view.create_table()
    yield view
    factory.datastore.close()


def rows_of(ident: str, first: bool) -> list[Row]:
    # By statement alone, "INSERT INTO {all_rows}" sorts, and would run, before the count.
    return [Row("INSERT INTO {all_rows} VALUES (?) ON CONFLICT DO NOTHING", (ident,)),
            Row("INSERT INTO {counts} AS c SELECT 'rows', 1 WHERE NOT EXISTS "
                "(SELECT 1 FROM {all_rows} WHERE id = ?) ON CONFLICT (name) "
                "DO UPDATE SET n = c.n + 1", (ident,), first=first)]


def counted(view: Any) -> int:
    found = view.select("SELECT n FROM {counts}")
    return int(found[0]["n"]) if found else 0


def test_rows_marked_first_see_the_tables_as_the_batch_found_them(view: Any) -> None:
    view.apply_rows([Applied("seen-v1/test", 1, rows_of("a", True) + rows_of("b", True))])
    view.apply_rows([Applied("seen-v1/test", 2, rows_of("a", True) + rows_of("c", True))])

    assert counted(view) == 3  # a, b and c, each once


def test_unmarked_they_run_in_the_order_of_their_statements(view: Any) -> None:
    view.apply_rows([Applied("seen-v1/test", 1, rows_of("a", False))])

    assert counted(view) == 0
