"""The Care Inspectorate's published datastore (CSV of every registered service in Scotland).

Columns are found by their header name, so the Care Inspectorate may reorder them or add new
ones between monthly files. The names used here are the datastore's own: `CSNumber`,
`ServiceName`, `ServiceProvider`, `MinGrade`, `Publication_of_Latest_Grading`,
`Last_inspection_Date` and the key question grades `KQ_*`. Dates are day first (`15/04/2025`).

A row that cannot be read is reported with its row number and column and the import carries on;
a row is never dropped without a report. The row number is the one a spreadsheet shows (the
header is row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Generic, TypeVar

from services.intake.domain.inspection import CareInspectorateGrades
from shared.domain import InvalidInput

T = TypeVar("T")


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


# --- reading CSV by header name (used by the call monitoring import too) ---


def read_text(path: str | Path) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252.

    Datastore files have been published both ways; Excel saves CSV as Windows-1252.
    """
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


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


def read_rows(
    text: str, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> tuple[list[Row], list[RowError]]:
    """Rows keyed by canonical column name; each canonical name may have other spellings."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in next(reader, [])]
    positions = _locate(header, columns)
    missing = [name for name in required if name not in positions]
    if missing:
        return [], [RowError(1, name, f"the header has no {name} column") for name in missing]
    rows: list[Row] = []
    errors: list[RowError] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line holds no visit or service
        if len(cells) != len(header):
            # A short row names the first column it lacks; a long one has no column to name.
            column = header[len(cells)] if len(cells) < len(header) else None
            errors.append(
                RowError(
                    number, column, f"the row has {len(cells)} fields; the header has {len(header)}"
                )
            )
            continue
        rows.append(Row(number, {name: cells[i] for name, i in positions.items()}))
    return rows, errors


def _locate(header: list[str], columns: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    by_name = {name.lower(): i for i, name in enumerate(header)}
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


# --- the datastore ---

SERVICE_NUMBER = "CSNumber"
SERVICE_NAME = "ServiceName"
PROVIDER = "ServiceProvider"
MIN_GRADE = "MinGrade"
PUBLISHED = "Publication_of_Latest_Grading"
LAST_INSPECTED = "Last_inspection_Date"

# Datastore column -> our name for the key question.
KEY_QUESTION_COLUMNS = {
    "KQ_Support_Wellbeing": "support_wellbeing",
    "KQ_Care_and_Support_Planning": "care_and_support_planning",
    "KQ_Setting": "setting",
    "KQ_Staff_Team": "staff_team",
    "KQ_Leadership": "leadership",
    "KQ_Care_Play_and_Learning": "care_play_and_learning",
}

COLUMNS: dict[str, tuple[str, ...]] = {
    SERVICE_NUMBER: (),
    SERVICE_NAME: (),
    PROVIDER: ("Service_Provider",),  # the spelling of older files
    MIN_GRADE: (),
    PUBLISHED: (),
    LAST_INSPECTED: (),
    **dict.fromkeys(KEY_QUESTION_COLUMNS, ()),
}
REQUIRED = (SERVICE_NUMBER, SERVICE_NAME, PROVIDER, MIN_GRADE, PUBLISHED)
DATE_FORMATS = ("%d/%m/%Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d")

# Which column to blame when the domain refuses a value.
_FIELD_COLUMNS = {
    "service_number": SERVICE_NUMBER,
    "min_grade": MIN_GRADE,
    "graded_on": PUBLISHED,
    "key_question_grades": MIN_GRADE,
}


@dataclass(frozen=True)
class DatastoreService:
    """A registered care service, its provider, and its grades (None if never graded)."""

    service_number: str
    service_name: str
    provider_name: str
    grades: CareInspectorateGrades | None


def import_datastore(path: str | Path) -> ImportResult[DatastoreService]:
    """Read a datastore CSV file."""
    return parse_datastore(read_text(path))


def parse_datastore(text: str) -> ImportResult[DatastoreService]:
    """Read the datastore's CSV text."""
    rows, errors = read_rows(text, COLUMNS, REQUIRED)
    return ImportResult(import_rows(rows, _service, errors), errors)


def _service(row: Row) -> DatastoreService:
    service_number = row.require(SERVICE_NUMBER)
    return DatastoreService(
        service_number=service_number,
        service_name=row.require(SERVICE_NAME),
        provider_name=row.get(PROVIDER),
        grades=_grades(row, service_number),
    )


def _grades(row: Row, service_number: str) -> CareInspectorateGrades | None:
    by_question = {
        name: grade
        for column, name in KEY_QUESTION_COLUMNS.items()
        if (grade := parse_grade(row, column)) is not None
    }
    min_grade = parse_grade(row, MIN_GRADE)
    if min_grade is None and not by_question:
        return None  # not graded yet: a new service, or one not inspected under this framework
    if min_grade is None:
        min_grade = min(by_question.values())
    try:
        return CareInspectorateGrades(service_number, by_question, min_grade, _graded_on(row))
    except InvalidInput as refused:
        raise RowProblem(_FIELD_COLUMNS.get(refused.field or ""), refused.message) from None


def parse_grade(row: Row, column: str) -> int | None:
    """A grade 1-6; blank or text ("N/A") means not graded, but 7 or 4.5 is an error."""
    value = row.get(column)
    try:
        number = float(value)
    except ValueError:
        return None
    if not number.is_integer() or not 1 <= number <= 6:
        raise RowProblem(column, f"{column} {value!r} is not a grade from 1 to 6")
    return int(number)


def _graded_on(row: Row) -> date:
    # The grades are the ones published on Publication_of_Latest_Grading; a file without it for a
    # graded service falls back to the inspection that produced them.
    for column in (PUBLISHED, LAST_INSPECTED):
        if value := row.get(column):
            return parse_date(value, column)
    raise RowProblem(PUBLISHED, f"the service is graded but {PUBLISHED} is blank")


def parse_date(value: str, column: str) -> date:
    """A day-first date as the datastore writes it (15/04/2025, 15-Apr-25) or ISO 2025-04-15."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise RowProblem(column, f"{column} {value!r} is not a date like 15/04/2025")
