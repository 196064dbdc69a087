"""The governance report's read model: tables of the facts the report counts, with tracking.

The tables sit beside the eventsourcing library's tracking table (a SQLite file in the data
directory, or a PostgreSQL schema): the view is a tracking recorder (`SQLiteTrackingRecorder`,
`PostgresTrackingRecorder`) whose `apply` writes a batch of rows and the batch's tracking
positions in one transaction, so the view is never ahead of or behind its positions.

Every row is keyed by a natural id and written so that applying the same event twice, or events
in another order, gives the same rows (a return's score may arrive before the return; a
contract's early end is a row of its own): no statement depends on another having run first,
so a batch runs as one executemany per statement. Dates are ISO text, which sorts and
compares as dates in both databases.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from eventsourcing.persistence import Tracking

from assure.report.facts import (
    ContractFact,
    EscalationFact,
    InterventionFact,
    RequestFact,
    ReturnFact,
)
from shared.views.postgres import PostgresTableView
from shared.views.tables import Applied, Row, SQLiteTableView, TableViewMixin

__all__ = ["NAME", "VERSION", "Applied", "Row", "GovernanceViewMixin", "SQLiteGovernanceView",
           "PostgresGovernanceView"]

KPI_FORM = "kpi"  # a KPI return is not a monitoring return (governance.KPI_FORM)

# Bump when the tables or what an event writes into them change: a new version is built from
# the streams at start, in tables (and tracking names) of its own.
VERSION = 1
NAME = f"governance-v{VERSION}"

TABLES = {
    "contracts": "reference TEXT PRIMARY KEY, provider_id TEXT NOT NULL, service_type TEXT NOT "
                 "NULL, start_date TEXT NOT NULL, end_date TEXT",
    "contract_ends": "reference TEXT PRIMARY KEY, ended_on TEXT NOT NULL",
    "requests": "request_id TEXT PRIMARY KEY, contract_reference TEXT NOT NULL, form TEXT NOT "
                "NULL, due_on TEXT NOT NULL",
    "fulfilments": "request_id TEXT PRIMARY KEY, submitted_on TEXT NOT NULL",
    "reminders": "request_id TEXT PRIMARY KEY",
    "returns": "return_id TEXT PRIMARY KEY, contract_reference TEXT NOT NULL, form TEXT NOT "
               "NULL, submitted_on TEXT NOT NULL, position BIGINT NOT NULL",
    "corrections": "original_id TEXT PRIMARY KEY",
    "scores": "return_id TEXT PRIMARY KEY, band TEXT NOT NULL, compliance TEXT NOT NULL, "
              "intelligence TEXT NOT NULL, position BIGINT NOT NULL",
    "holds": "return_id TEXT PRIMARY KEY, held INTEGER NOT NULL, position BIGINT NOT NULL",
    "interventions": "intervention_id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, "
                     "contract_reference TEXT, opened_on TEXT NOT NULL",
    "closures": "intervention_id TEXT PRIMARY KEY, closed_on TEXT NOT NULL",
    "levels": "intervention_id TEXT NOT NULL, position BIGINT NOT NULL, changed_on TEXT NOT "
              "NULL, level TEXT NOT NULL, PRIMARY KEY (intervention_id, position)",
    "escalations": "escalation_id TEXT PRIMARY KEY, provider_id TEXT, step TEXT, "
                   "proposed_on TEXT, approved_on TEXT",
}
# The report selects by period: these make each of its queries a range scan.
INDEXES = {
    "requests": "due_on", "returns": "submitted_on", "contracts": "start_date",
    "interventions": "opened_on", "escalations": "proposed_on",
}


def table(name: str) -> str:
    return f"gov{VERSION}_{name}"


class GovernanceViewMixin(TableViewMixin):
    """The governance report's tables and the report's queries over them."""

    family = "gov"
    view_name = "governance"
    version = VERSION
    tables = TABLES
    indexes = INDEXES

    def apply(self, batch: Sequence[Applied], stream_name: str, stream_seq: int) -> int:
        """Writes the batch's new rows, their partitions' positions and the stream's sequence
        to resume from, in one transaction; returns how many messages were new."""
        return self.apply_rows(batch, Tracking(stream_name, stream_seq))

    # Reading ----------------------------------------------------------------------------------

    def contracts(self, start: date, end: date) -> list[ContractFact]:
        rows = self.select(
            "SELECT c.reference, c.provider_id, c.service_type, c.start_date, "
            "COALESCE(e.ended_on, c.end_date) AS end_date FROM {contracts} c "
            "LEFT JOIN {contract_ends} e ON e.reference = c.reference "
            "WHERE c.start_date <= ? AND COALESCE(e.ended_on, c.end_date, ?) >= ?",
            (end.isoformat(), start.isoformat(), start.isoformat()))
        return [ContractFact(r["reference"], r["provider_id"], r["service_type"],
                             _day(r["start_date"]), _day(r["end_date"])) for r in rows]

    def requests(self, start: date, end: date) -> list[RequestFact]:
        rows = self.select(
            "SELECT r.contract_reference, r.form, r.due_on, f.submitted_on, "
            "m.request_id AS reminded FROM {requests} r "
            "LEFT JOIN {fulfilments} f ON f.request_id = r.request_id "
            "LEFT JOIN {reminders} m ON m.request_id = r.request_id "
            "WHERE r.due_on BETWEEN ? AND ?", (start.isoformat(), end.isoformat()))
        return [RequestFact(r["contract_reference"], r["form"], _day(r["due_on"]),
                            _day(r["submitted_on"]), 1 if r["reminded"] else 0) for r in rows]

    def returns(self, start: date, end: date) -> list[ReturnFact]:
        """Each contract's latest monitoring return received in the period, as the report
        counts them (a correction before what it corrects, then the latest day, then the last
        recorded, as risk's dashboard reads a provider's latest): one row a contract instead of
        every return."""
        rows = self.select(
            "SELECT * FROM (SELECT r.return_id, r.contract_reference, r.form, r.submitted_on, "
            "s.band, s.compliance, s.intelligence, h.held, c.original_id AS superseded, "
            "ROW_NUMBER() OVER (PARTITION BY r.contract_reference ORDER BY "
            "CASE WHEN c.original_id IS NULL THEN 0 ELSE 1 END, r.submitted_on DESC, "
            "r.position DESC) AS rank "
            "FROM {returns} r LEFT JOIN {scores} s ON s.return_id = r.return_id "
            "LEFT JOIN {holds} h ON h.return_id = r.return_id "
            "LEFT JOIN {corrections} c ON c.original_id = r.return_id "
            "WHERE r.submitted_on BETWEEN ? AND ? AND r.form <> ?) latest WHERE rank = 1",
            (start.isoformat(), end.isoformat(), KPI_FORM))
        return [ReturnFact(
            return_id=r["return_id"], contract_reference=r["contract_reference"],
            form=r["form"], submitted_on=_day(r["submitted_on"]),
            compliance=json.loads(r["compliance"] or "{}"),
            intelligence=json.loads(r["intelligence"] or "{}"), band=r["band"],
            analysis_pending=bool(r["held"]), superseded=r["superseded"] is not None,
        ) for r in rows]

    def interventions(self, start: date, end: date) -> list[InterventionFact]:
        """Every intervention open at some time in the period, with its changes of level."""
        where = ("WHERE i.opened_on <= ? AND (c.closed_on IS NULL OR c.closed_on >= ?)",
                 (end.isoformat(), start.isoformat()))
        opened = self.select(
            "SELECT i.intervention_id, i.provider_id, i.contract_reference, i.opened_on, "
            "c.closed_on FROM {interventions} i "
            "LEFT JOIN {closures} c ON c.intervention_id = i.intervention_id " + where[0],
            where[1])
        levels: dict[str, list[tuple[date, str]]] = {}
        for r in self.select(
                "SELECT l.intervention_id, l.changed_on, l.level FROM {levels} l "
                "JOIN {interventions} i ON i.intervention_id = l.intervention_id "
                "LEFT JOIN {closures} c ON c.intervention_id = l.intervention_id " + where[0]
                + " ORDER BY l.intervention_id, l.position", where[1]):
            levels.setdefault(r["intervention_id"], []).append(
                (_day(r["changed_on"]), r["level"]))
        return [InterventionFact(
            r["intervention_id"], r["provider_id"], r["contract_reference"],
            _day(r["opened_on"]), tuple(levels.get(r["intervention_id"], ())),
            _day(r["closed_on"])) for r in opened]

    def escalations(self, start: date, end: date) -> list[EscalationFact]:
        rows = self.select(
            "SELECT escalation_id, provider_id, step, proposed_on, approved_on "
            "FROM {escalations} WHERE proposed_on IS NOT NULL AND "
            "(proposed_on BETWEEN ? AND ? OR approved_on BETWEEN ? AND ?)",
            (start.isoformat(), end.isoformat()) * 2)
        return [EscalationFact(r["escalation_id"], r["provider_id"], r["step"],
                               _day(r["proposed_on"]), _day(r["approved_on"])) for r in rows]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class SQLiteGovernanceView(GovernanceViewMixin, SQLiteTableView):
    """The view in a SQLite file of its own in the data directory."""


class PostgresGovernanceView(GovernanceViewMixin, PostgresTableView):
    """The view in a PostgreSQL schema of its own."""
