"""The return log: every contract's return for a period and what became of it (004 App. 4).

It replaces the coordinators' spreadsheet, so it exports to CSV and XLSX with UK dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet


@dataclass(frozen=True)
class ReturnLogRow:
    request_id: str
    contract_reference: str
    provider_id: str
    provider_name: str
    service_type: str
    form: str
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    status: str
    submitted_on: date | None
    return_id: str | None
    allocated_to: str | None
    reminders: tuple[date, ...]


@dataclass(frozen=True)
class LogFilter:
    """Which rows an officer wants: by due date range and any of the other columns."""

    due_from: date | None = None
    due_to: date | None = None
    status: str | None = None
    form: str | None = None
    provider_ids: tuple[str, ...] | None = None  # these providers' returns (a page's)
    allocated_to: str | None = None
    service_type: str | None = None


HEADINGS = {
    "request_id": "Request", "contract_reference": "Contract", "provider_id": "Provider id",
    "provider_name": "Provider", "service_type": "Service type", "form": "Form",
    "period_start": "Period start", "period_end": "Period end", "issued_on": "Issued",
    "due_on": "Due", "status": "Status", "submitted_on": "Submitted", "return_id": "Return",
    "allocated_to": "Allocated to", "reminders": "Reminders sent",
}


# A cell starting with one of these is a formula to a spreadsheet (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(text: str) -> str:
    """Text a spreadsheet shows as text: a leading quote stops it being run as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _uk(value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, tuple):
        return "; ".join(_uk(v) for v in value)
    return "" if value is None else defused(str(value))


def csv_lines(rows: Iterable[ReturnLogRow]) -> Iterator[str]:
    """The CSV a line at a time, so an export of any size streams as it is read."""
    out = io.StringIO()
    writer = csv.writer(out)
    for values in _csv_values(rows):
        writer.writerow(values)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _csv_values(rows: Iterable[ReturnLogRow]) -> Iterator[list[str]]:
    yield [HEADINGS[f.name] for f in fields(ReturnLogRow)]
    for row in rows:
        yield [_uk(value) for value in asdict(row).values()]


def to_csv(rows: Iterable[ReturnLogRow]) -> str:
    return "".join(csv_lines(rows))


def to_xlsx(rows: Iterable[ReturnLogRow]) -> bytes:
    """The workbook, written a row at a time (openpyxl's write-only mode keeps no rows)."""
    # Imported here, when a workbook is asked for, not by every process that starts intake.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Return log")
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, HEADINGS[f.name], bold=True) for f in fields(ReturnLogRow)])
    for row in rows:
        values = asdict(row)
        values["reminders"] = _uk(row.reminders)
        sheet.append([_cell(sheet, value) for value in values.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet: WriteOnlyWorksheet, value: object, bold: bool = False) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = Font(bold=True)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text: never a formula
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell
