"""Reading a published CSV by header name, a row at a time, as councils actually receive it.

Files arrive as regulators and Excel write them: UTF-8 with or without a byte-order mark, or
Windows-1252; CRLF or LF line ends; blank rows at the end; blank cells in the header (a column
Excel kept after its name was cleared). Rows are read one at a time from a binary stream, so a
file of any size is read with the same memory (the upload is spooled to disk by the web server).

A row that cannot be read is reported with its row number and column and the reading carries
on; a row is never dropped without a report. The row number is the one a spreadsheet shows (the
header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Generic, TypeVar

T = TypeVar("T")
CHUNK = 1 << 16


@dataclass(frozen=True)
class RowError:
    """One row (or the header, row 1) that could not be imported, and why."""

    row_number: int
    column: str | None
    message: str


@dataclass
class ImportResult(Generic[T]):
    """The rows that were read and a report of every row that was not."""

    records: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class RowProblem(Exception):
    """A cell could not be read; becomes a RowError for its row."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Row:
    """One data row, its cells found by the canonical column names."""

    number: int
    cells: Mapping[str, str]

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def require(self, column: str) -> str:
        value = self.get(column)
        if not value:
            raise RowProblem(column, f"{column} is blank")
        return value


def encoding_of(binary: IO[bytes]) -> str:
    """UTF-8 (a byte-order mark dropped) if the whole stream decodes as UTF-8, else
    Windows-1252, which is how Excel saves CSV. Reads the stream once and rewinds it."""
    start = binary.tell()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := binary.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    binary.seek(start)
    return encoding


def text_of(binary: IO[bytes]) -> io.TextIOWrapper:
    """The stream as text in its own encoding, line ends left to the CSV reader."""
    # cp1252 leaves five bytes undefined; a stray one becomes U+FFFD rather than a refusal.
    return io.TextIOWrapper(binary, encoding=encoding_of(binary), errors="replace", newline="")


def read_text(path: str | Path) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    with Path(path).open("rb") as binary:
        return text_of(binary).read()


class Header:
    """The header row: where each canonical column is, and how wide a row may be."""

    def __init__(self, names: list[str], columns: Mapping[str, tuple[str, ...]]) -> None:
        self.names = [name.strip().lstrip("\ufeff") for name in names]
        # Blank header cells at the end are columns nobody named: a row may leave them out.
        self.width = max((i + 1 for i, name in enumerate(self.names) if name), default=0)
        self.positions = _locate(self.names, columns)

    def missing(self, required: Iterable[str]) -> list[str]:
        return [name for name in required if name not in self.positions]

    def row(self, number: int, cells: list[str]) -> Row | RowError:
        if len(cells) < self.width:
            return RowError(number, self.names[len(cells)],
                            f"the row has {len(cells)} fields; the header has {self.width}")
        if any(cell.strip() for cell in cells[len(self.names):]):
            return RowError(number, None,
                            f"the row has {len(cells)} fields; the header has {self.width}")
        return Row(number, {name: cells[i] for name, i in self.positions.items()})


def header_and_rows(
    text: IO[str], columns: Mapping[str, tuple[str, ...]]
) -> tuple[Header, Iterator[tuple[int, list[str]]]]:
    """The header, and the rows after it numbered as a spreadsheet numbers them, blank rows
    (a trailing ",,,," included) skipped."""
    reader = csv.reader(text)
    header = Header(next(reader, []), columns)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                yield number, cells

    return header, rows()


def iter_rows(
    text: IO[str], columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> Iterator[Row | RowError]:
    """Rows keyed by canonical column name (each may have other spellings), or the error that
    stopped one; a header lacking a required column is reported on row 1 and nothing is read."""
    header, rows = header_and_rows(text, columns)
    if missing := header.missing(required):
        yield from (RowError(1, name, f"the header has no {name} column") for name in missing)
        return
    for number, cells in rows:
        yield header.row(number, cells)


def read_rows(
    text: str, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> tuple[list[Row], list[RowError]]:
    """Every row of a CSV text at once, for the small files (call monitoring) that fit."""
    rows: list[Row] = []
    errors: list[RowError] = []
    for item in iter_rows(io.StringIO(text.lstrip("\ufeff"), newline=""), columns, required):
        (errors if isinstance(item, RowError) else rows).append(item)  # type: ignore[arg-type]
    return rows, errors


def _locate(header: list[str], columns: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    by_name = {name.lower(): i for i, name in enumerate(header) if name}
    found: dict[str, int] = {}
    for canonical, spellings in columns.items():
        for spelling in (canonical, *spellings):
            if spelling.lower() in by_name:
                found[canonical] = by_name[spelling.lower()]
                break
    return found


def import_rows(rows: Iterable[Row], parse: Callable[[Row], T], errors: list[RowError]) -> list[T]:
    """Each row through `parse`; a RowProblem becomes a RowError and the next row is read."""
    records: list[T] = []
    for row in rows:
        try:
            records.append(parse(row))
        except RowProblem as problem:
            errors.append(RowError(row.number, problem.column, problem.message))
    errors.sort(key=lambda e: e.row_number)
    return records
