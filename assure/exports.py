"""A provider's history as an auditor files it: JSON Lines, CSV or a readable PDF.

Each takes the merged history (`gateway.merge`): one entry per stored event with its service,
aggregate, version, event, time, who and why, and the event's data. Times are shown in UK time.
fpdf2 writes the PDF: pure Python, maintained, no system libraries to install.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from fpdf import FPDF

UK = ZoneInfo("Europe/London")
CSV_COLUMNS = ("time", "service", "aggregate", "aggregate_id", "version", "event", "who", "role",
               "why", "data")


def uk_time(iso: str) -> str:
    """'2026-11-23T10:15:00+00:00' as '23 November 2026 10:15:00' in UK time."""
    return datetime.fromisoformat(iso).astimezone(UK).strftime("%-d %B %Y %H:%M:%S")


def who_and_why(entry: dict[str, Any]) -> list[str]:
    """Who acted (with their role where known) and why, in words; nothing for what is unknown."""
    lines = []
    if entry.get("who"):
        role = f" ({entry['role'].replace('_', ' ')})" if entry.get("role") else ""
        lines.append(f"By: {entry['who']}{role}")
    if entry.get("why"):
        lines.append(f"Why: {entry['why']}")
    return lines


def to_jsonl(entries: Iterable[dict[str, Any]]) -> str:
    """One JSON object per line, in time order."""
    return "".join(json.dumps(entry, default=str, sort_keys=True) + "\n" for entry in entries)


def to_csv(entries: Iterable[dict[str, Any]]) -> str:
    """A spreadsheet row per event; the event's data as JSON in the last column. Cells that
    a spreadsheet would run as a formula are prefixed with a quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = {**entry, "time": uk_time(entry["time"]),
               "data": json.dumps(entry["data"], default=str, sort_keys=True)}
        writer.writerow([_defused(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _defused(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_pdf(provider_id: str, entries: list[dict[str, Any]], generated_at: datetime) -> bytes:
    """A readable, paginated record of every event, with who and why, for the auditor's file."""
    from fpdf import FPDF  # here, when a PDF is asked for: not on every start of `assure up`

    pdf = FPDF(orientation="portrait", format="A4")
    pdf.set_title(f"History of provider {provider_id}")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin(f"History of provider {provider_id}"), new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    when = generated_at.astimezone(UK).strftime("%-d %B %Y at %H:%M")
    pdf.multi_cell(0, 5, _latin(f"{len(entries)} events from every service, oldest first. "
                                f"Produced on {when} (UK time)."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for entry in entries:
        _entry(pdf, entry)
    return bytes(pdf.output())


# Identifiers for machines, not worth a reader's line (the JSON and CSV exports keep them).
MACHINE_IDS = ("correlation_id", "causation_id", "traceparent")


def _entry(pdf: FPDF, entry: dict[str, Any]) -> None:
    pdf.set_font("Helvetica", "B", 9)
    heading = (f"{uk_time(entry['time'])}  {entry['service']}: {entry['aggregate']}."
               f"{entry['event']} (version {entry['version']})")
    pdf.multi_cell(0, 5, _latin(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    lines = who_and_why(entry)
    details = ", ".join(f"{k}: {v}" for k, v in entry["data"].items()
                        if k not in MACHINE_IDS and v not in (None, ""))
    lines.append(details[:900])
    pdf.multi_cell(0, 4, _latin("\n".join(lines)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _latin(text: str) -> str:
    """The core PDF fonts cover Latin-1; anything beyond is shown as '?', never dropped."""
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return text.encode("latin-1", "replace").decode("latin-1")
