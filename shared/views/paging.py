"""Long lists read a page at a time from a view: which part, and how many there are in all.

A list asked for without a limit is the whole list, as every list route answered before views;
a limit and an offset take part of it (LIMIT/OFFSET over an indexed order), and the total says
how many the whole list holds. Documents are the JSON a list shows, kept in a view's `doc`
column, so a page is read without loading a single aggregate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, TypeVar, overload

from pydantic_core import to_jsonable_python

T = TypeVar("T")

# "Every row": both databases take a LIMIT with an OFFSET, and no list reaches this.
EVERY_ROW = 2**62


@dataclass(frozen=True)
class Paging:
    """Which part of a list: `limit` items (all of them when None) after the first `offset`."""

    limit: int | None = None
    offset: int = 0

    def clause(self) -> tuple[str, tuple[int, int]]:
        """The SQL that takes the page, and its parameters."""
        return " LIMIT ? OFFSET ?", (EVERY_ROW if self.limit is None else self.limit,
                                     self.offset)


EVERYTHING = Paging()


@dataclass(frozen=True)
class Page(Sequence[T], Generic[T]):
    """One page of a list, with how many the whole list holds; it reads as its items."""

    items: list[T]
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # e.g. how many are unread

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)


class Doc(str):
    """A list entry's JSON as a view keeps it: what a view seals at rest when the store's
    payloads are encrypted (TableViewMixin.execute_rows), and opens as it reads (`doc`)."""

    __slots__ = ()


def to_doc(shown: dict[str, Any]) -> Doc:
    """A list entry as the JSON text a view keeps (dates, times and ids as the API writes them)."""
    return Doc(json.dumps(shown, default=to_jsonable_python, sort_keys=True))


def sortable(moment: datetime) -> str:
    """A time as text that sorts as the time does: UTC, always with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_doc(text: str) -> dict[str, Any]:
    """A document as written, unsealed (a view's own `doc` opens sealed ones)."""
    document: dict[str, Any] = json.loads(text)
    return document


def where(**filters: Any) -> tuple[str, tuple[Any, ...]]:
    """A WHERE clause for the filters given (None means any); the names are columns."""
    # An enum's value, not its name (which is what psycopg would send).
    used = {column: value.value if isinstance(value, Enum) else value
            for column, value in filters.items() if value is not None}
    if not used:
        return "", ()
    return " WHERE " + " AND ".join(f"{column} = ?" for column in used), tuple(used.values())


def read_page(view: Any, select: str, count: str, params: tuple[Any, ...],
              paging: Paging) -> Page[dict[str, Any]]:
    """Runs a list's query (which selects `doc`) for one page, and its count (`n`) for the
    total; both take the same parameters."""
    clause, limits = paging.clause()
    rows = view.select(select + clause, (*params, *limits))
    total = view.select(count, params)[0]["n"]
    return Page([view.doc(row["doc"]) for row in rows], int(total))
