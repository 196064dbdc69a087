"""The governance report as CSV: one row per figure, for a spreadsheet."""

from __future__ import annotations

import csv
import io

from assure.report.governance import GovernanceReport, ServiceTypeReport, Share
from assure.report.layout import return_rows

HEADINGS = ("Period start", "Period end", "Service type", "Table", "Item", "Count", "Of",
            "Percent")


def to_csv(report: GovernanceReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    dates = (report.period.start.strftime("%d/%m/%Y"), report.period.end.strftime("%d/%m/%Y"))
    for section in report.sections:
        for row in _rows(section):
            writer.writerow((*dates, section.label, *row))
    return out.getvalue()


def _rows(section: ServiceTypeReport) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        ("Returns", label, value, "", "") for label, value in return_rows(section)]
    rows += [_share("Compliance", share) for share in section.compliance]
    rows += [("Risk score results", band, count, "", "") for band, count in section.bands]
    rows.append(("Risk score results", "Total", section.band_total, "", ""))
    rows += [_share("Intelligence", share) for share in section.intelligence]
    rows += [("Interventions open at the end of the period", level.capitalize(), count, "", "")
             for level, count in section.interventions_open]
    rows.append(("Escalations", "Raised in the period", section.escalations_raised, "", ""))
    rows.append(("Escalations", "Approved in the period", section.escalations_approved, "", ""))
    return rows


def _share(table: str, share: Share) -> tuple[object, ...]:
    percent = "" if share.percent is None else str(share.percent)
    return (table, share.wording, share.yes, share.of, percent)
