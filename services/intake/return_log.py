"""The return log: every contract's return for a period and what became of it (004 App. 4).

It replaces the coordinators' spreadsheet, so it exports to CSV and XLSX with UK dates.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from services.intake.domain.return_request import ReturnRequest


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
    provider_id: str | None = None
    allocated_to: str | None = None
    service_type: str | None = None

    def keeps(self, row: ReturnLogRow) -> bool:
        return (
            (self.due_from is None or row.due_on >= self.due_from)
            and (self.due_to is None or row.due_on <= self.due_to)
            and all(
                wanted is None or getattr(row, name) == wanted
                for name, wanted in (
                    ("status", self.status), ("form", self.form),
                    ("provider_id", self.provider_id), ("allocated_to", self.allocated_to),
                    ("service_type", self.service_type),
                )
            )
        )


def row_for(request: ReturnRequest, provider_name: str, service_type: str) -> ReturnLogRow:
    return ReturnLogRow(
        request_id=str(request.id), contract_reference=request.contract_reference,
        provider_id=request.provider_id, provider_name=provider_name, service_type=service_type,
        form=request.form, period_start=request.period_start, period_end=request.period_end,
        issued_on=request.issue_on, due_on=request.due_on, status=request.status.value,
        submitted_on=request.submitted_on, return_id=request.submitted_return,
        allocated_to=request.allocated_to, reminders=tuple(request.reminders),
    )


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


def to_csv(rows: list[ReturnLogRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS[f.name] for f in fields(ReturnLogRow))
    for row in rows:
        writer.writerow(_uk(value) for value in asdict(row).values())
    return out.getvalue()


def to_xlsx(rows: list[ReturnLogRow]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Return log"
    sheet.append([HEADINGS[f.name] for f in fields(ReturnLogRow)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = asdict(row)
        values["reminders"] = _uk(row.reminders)
        sheet.append(list(values.values()))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: never a formula
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
