"""The Care Inspectorate's published datastore (CSV of every registered service in Scotland).

Columns are found by their header name, so the Care Inspectorate may reorder them or add new
ones between monthly files, as it has: 86 columns in March 2016, 146 in March 2021, 117 in
December 2025 (tests/fixtures/care_inspectorate/README.md). The names used here are the
datastore's own: `CSNumber` (`CaseNumber` until 2017), `ServiceName`, `ServiceProvider`
(`Service_Provider` in older files), `ServiceStatus`, `MinGrade`,
`Publication_of_Latest_Grading` (absent in 2016), `Last_inspection_Date`, and a grade column per
key question: every `KQ_*` column (`KQ_COVID19` in 2020-22, `KQ_Care_Play_and_Learning` since
2022) and the older quality themes `Quality_of_*`, but not the `*_change` columns beside them
("Same", "Improve", "Decline"). Dates are day first (`15/04/2025`); Excel's serial numbers
(`45762`) and its day zero (`00/01/1900`, an empty date cell saved by Excel) are read too.

A file is read a row at a time (`read_datastore`), so a real monthly file (12 MB, 10,625 rows in
December 2025) takes the same memory as a small one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO

from services.intake.adapters.csv_rows import (
    ImportResult,
    Row,
    RowError,
    RowProblem,
    header_and_rows,
    import_rows,
    read_rows,
    read_text,
    text_of,
)
from services.intake.domain.inspection import CareInspectorateGrades
from shared.domain import InvalidInput

# call_monitoring reads its CSV with the same machinery and imports it from here.
__all__ = [
    "DatastoreService", "ImportResult", "Row", "RowError", "RowProblem", "import_datastore",
    "import_rows", "parse_datastore", "read_datastore", "read_rows", "read_text",
]

SERVICE_NUMBER = "CSNumber"
SERVICE_NAME = "ServiceName"
PROVIDER = "ServiceProvider"
STATUS = "ServiceStatus"
MIN_GRADE = "MinGrade"
PUBLISHED = "Publication_of_Latest_Grading"
LAST_INSPECTED = "Last_inspection_Date"

COLUMNS: dict[str, tuple[str, ...]] = {
    SERVICE_NUMBER: ("CaseNumber",),  # the spelling of the 2016 and 2017 files
    SERVICE_NAME: (),
    PROVIDER: ("Service_Provider",),  # the spelling of older files
    STATUS: (),
    MIN_GRADE: (),
    PUBLISHED: (),
    LAST_INSPECTED: (),
}
REQUIRED = (SERVICE_NUMBER, SERVICE_NAME, MIN_GRADE)
# A key question's grade column: KQ_Support_Wellbeing, KQ_COVID19, Quality_of_Staffing ...
GRADE_COLUMN = re.compile(r"^(KQ_|Quality_of_)\w+$", re.IGNORECASE)
# Registration ended: the service no longer operates under this number.
CLOSED_STATUSES = frozenset({"inactive", "cancelled", "canceled", "deregistered"})
DATE_FORMATS = ("%d/%m/%Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d")
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 1 is 1 January 1900 (and 1900 was no leap year)
EXCEL_DAY_ZERO = "00/01/1900"


@dataclass(frozen=True)
class DatastoreService:
    """A registered care service, its provider, status, and grades (None if never graded)."""

    service_number: str
    service_name: str
    provider_name: str
    grades: CareInspectorateGrades | None
    status: str = "Active"

    @property
    def closed(self) -> bool:
        """The regulator shows the service as no longer registered (Inactive, cancelled)."""
        return self.status.strip().lower() in CLOSED_STATUSES


def grade_columns(header: list[str]) -> dict[str, str]:
    """Each key question grade column in the header -> the key question's name."""
    return {
        column: key_question_name(column) for column in header
        if GRADE_COLUMN.match(column) and not column.lower().endswith("_change")
    }


def key_question_name(column: str) -> str:
    """KQ_Support_Wellbeing -> support_wellbeing, KQ_COVID19 -> covid19, Quality_of_Staffing ->
    quality_of_staffing: the name the grade is recorded and reported under."""
    return re.sub(r"^KQ_", "", column, flags=re.IGNORECASE).lower()


def read_datastore(binary: IO[bytes]) -> Iterator[DatastoreService | RowError]:
    """Each service in a datastore file, or the error that stopped its row, one at a time."""
    text = text_of(binary)
    header, rows = header_and_rows(text, COLUMNS)
    if missing := header.missing(REQUIRED):
        yield from (RowError(1, name, f"the header has no {name} column") for name in missing)
        return
    questions = grade_columns(header.names)
    header.positions.update({column: header.names.index(column) for column in questions})
    for number, cells in rows:
        row = header.row(number, cells)
        if isinstance(row, RowError):
            yield row
            continue
        try:
            yield _service(row, questions)
        except RowProblem as problem:
            yield RowError(row.number, problem.column, problem.message)


def parse_datastore(text: str) -> ImportResult[DatastoreService]:
    """Read the datastore's CSV text at once (tests, small files)."""
    return _collect(read_datastore(io.BytesIO(text.encode("utf-8"))))


def import_datastore(path: str | Path) -> ImportResult[DatastoreService]:
    """Read a datastore CSV file at once."""
    with Path(path).open("rb") as binary:
        return _collect(read_datastore(binary))


def _collect(items: Iterator[DatastoreService | RowError]) -> ImportResult[DatastoreService]:
    result: ImportResult[DatastoreService] = ImportResult()
    for item in items:
        if isinstance(item, RowError):
            result.errors.append(item)
        else:
            result.records.append(item)
    return result


def _service(row: Row, questions: dict[str, str]) -> DatastoreService:
    service_number = row.require(SERVICE_NUMBER)
    return DatastoreService(
        service_number=service_number,
        service_name=row.require(SERVICE_NAME),
        provider_name=row.get(PROVIDER),
        grades=_grades(row, service_number, questions),
        status=row.get(STATUS) or "Active",
    )


def _grades(
    row: Row, service_number: str, questions: dict[str, str]
) -> CareInspectorateGrades | None:
    by_question = {
        name: grade for column, name in questions.items()
        if (grade := parse_grade(row, column)) is not None
    }
    published_min = parse_grade(row, MIN_GRADE)
    if published_min is None and not by_question:
        return None  # not graded yet: a new service, or one not inspected under this framework
    # The concern rule reads the lowest grade of any key question. The file's own MinGrade can
    # be above it: MinGrade left KQ_COVID19 out (e.g. CS2003000266 in March 2021: MinGrade 4,
    # KQ_COVID19 2), so it is kept beside the lowest for comparison, not trusted as it.
    lowest = min([g for g in (published_min, *by_question.values()) if g is not None])
    try:
        return CareInspectorateGrades(service_number, by_question, lowest, _graded_on(row),
                                      published_min_grade=published_min)
    except InvalidInput as refused:
        raise RowProblem(MIN_GRADE, refused.message) from None


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
    # The grades are the ones published on Publication_of_Latest_Grading; a file without it (2016,
    # 2017) or a blank one for a graded service falls back to the inspection that produced them.
    for column in (PUBLISHED, LAST_INSPECTED):
        if (value := row.get(column)) and (found := parse_date(value, column)) is not None:
            return found
    raise RowProblem(PUBLISHED, f"the service is graded but {PUBLISHED} is blank")


def parse_date(value: str, column: str) -> date | None:
    """A day-first date as the datastore writes it (15/04/2025, 15-Apr-25), ISO 2025-04-15, or
    an Excel serial number (45762); None for Excel's empty date, 00/01/1900 or 0."""
    value = value.strip()
    if value == EXCEL_DAY_ZERO or value.startswith(EXCEL_DAY_ZERO + " "):
        return None
    if re.fullmatch(r"\d{1,6}(\.\d+)?", value):
        return _excel_serial(float(value), value, column)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise RowProblem(column, f"{column} {value!r} is not a date like 15/04/2025")


def _excel_serial(number: float, value: str, column: str) -> date | None:
    if int(number) == 0:
        return None
    # Serials 1-60 fall before Excel's phantom 29 February 1900; no datastore date is that old.
    if number <= 60:
        raise RowProblem(column, f"{column} {value!r} is not a date like 15/04/2025")
    return EXCEL_EPOCH + timedelta(days=int(number))
