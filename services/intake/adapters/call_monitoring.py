"""Electronic call monitoring (ECM) exports: a CSV of planned visits and what happened to each.

Columns are found by header name, in any order, other columns ignored: contract_reference,
visit_id, planned_start, planned_end, status (completed, missed or cancelled), actual_start,
actual_end, cancelled_at, cancelled_by. Times are ISO 8601 (2025-04-01T08:00:00+01:00) or
day first (01/04/2025 08:00); a time without an offset is the council's local time, which is
how ECM systems show it to coordinators.

A row that cannot be read is reported with its row number and column; the others are imported.
The monthly figures are computed by services.intake.domain.visits.monthly_figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path

from services.intake.adapters.care_inspectorate import (
    ImportResult,
    Row,
    RowError,
    RowProblem,
    import_rows,
    read_rows,
    read_text,
)
from services.intake.domain.visits import UK, Visit
from shared.domain import InvalidInput

__all__ = ["ImportResult", "RowError", "import_visits", "parse_visits"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "contract_reference": ("contract_ref", "contract"),
    "visit_id": ("visit_reference",),
    "planned_start": (),
    "planned_end": (),
    "actual_start": (),
    "actual_end": (),
    "status": ("visit_status",),
    "cancelled_at": (),
    "cancelled_by": (),
}
REQUIRED = ("contract_reference", "visit_id", "planned_start", "planned_end", "status")
TIME_COLUMNS = ("planned_start", "planned_end", "actual_start", "actual_end", "cancelled_at")
DAY_FIRST_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
STATUS_SPELLINGS = {"canceled": "cancelled", "complete": "completed"}


def import_visits(path: str | Path, zone: tzinfo = UK) -> ImportResult[Visit]:
    """Read an ECM CSV file."""
    return parse_visits(read_text(path), zone)


def parse_visits(text: str, zone: tzinfo = UK) -> ImportResult[Visit]:
    """Read ECM CSV text; times without an offset are taken to be in `zone`."""
    rows, errors = read_rows(text, COLUMNS, REQUIRED)
    # The same visit twice would be counted twice: the first stands, a repeat is reported.
    first_row: dict[tuple[str, str], int] = {}

    def once(row: Row) -> Visit:
        visit = _visit(row, zone)
        key = (visit.contract_reference, visit.visit_id)
        if key in first_row:
            raise RowProblem("visit_id", f"visit {visit.visit_id} repeats row {first_row[key]}")
        first_row[key] = row.number
        return visit

    return ImportResult(import_rows(rows, once, errors), errors)


def _visit(row: Row, zone: tzinfo) -> Visit:
    times = {column: parse_time(row, column, zone) for column in TIME_COLUMNS}
    status = row.require("status").lower()
    try:
        return Visit(
            contract_reference=row.require("contract_reference"),
            visit_id=row.require("visit_id"),
            status=STATUS_SPELLINGS.get(status, status),  # type: ignore[arg-type]
            cancelled_by=row.get("cancelled_by") or None,
            **times,  # type: ignore[arg-type]
        )
    except InvalidInput as refused:
        raise RowProblem(refused.field, refused.message) from None


def parse_time(row: Row, column: str, zone: tzinfo) -> datetime | None:
    """A date and time in UTC; blank is None."""
    value = row.get(column)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = _day_first(value, column)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _day_first(value: str, column: str) -> datetime:
    for pattern in DAY_FIRST_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise RowProblem(column, f"{column} {value!r} is not a date and time like 01/04/2025 08:00")
