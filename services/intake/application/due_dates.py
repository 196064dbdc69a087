"""When returns fall due: the view the calendar's tick reads, so that a day's run touches only
the contracts with something to be asked for that day and the requests falling overdue.

What a contract owes on a day depends on the day (the tick looks at the financial year before
it to the one after) and on what has been asked for already, which no stored row can hold. So
the view keeps what decides it, and the tick works out the rest:

- each contract's level, KPI flag, dates and the day it was recorded here (its state), with the
  positions of its award and of its last change that moves its schedule (award, level, end);
- each request's due date while it is open (neither received nor overdue), and its contract.

A run to day D asks the view for three things, each an indexed query:

1. contracts owing a round issued since the last run's day (`rounds_issued`, round by round:
   its level or the KPI flag, a period overlapping the contract, due on or after the day the
   contract was recorded here), which are the ones genuinely due today;
2. contracts whose schedule changed after the events the last run had read;
3. requests still open whose due date has passed;

and works out exactly, from those contracts' aggregates, what each owes (`Intake.owed`). The
rounds and what the clock vouches for are rules of the domain (domain/return_rounds.py).

Why nothing else can be owed: a run that completes has asked every contract for every return
issued by its day in the years it looks at (by induction: the first run, and any run the clock
cannot vouch for, walks every contract). A contract unchanged since can owe something new only
for a round issued after that day. The clock records the day, the position read and the
calendar only when the run completes (domain/clock.py), so a run cut short is run again from
the last one that finished.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.intake.domain.contract import Contract
from services.intake.domain.return_request import ReturnRequest
from services.intake.domain.return_rounds import Calendar, IssuedRound, LastRun, rounds_issued
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin

# The view ------------------------------------------------------------------------------------


class DueView(TableViewMixin):
    family = "due"
    view_name = "due"
    version = 1
    # Columns a contract's state fills and columns its events' positions fill are written by
    # statements of their own, so none of them can be NOT NULL.
    tables = {
        "contracts": "id TEXT PRIMARY KEY, reference TEXT, level INTEGER, kpi_returns INTEGER, "
                     "start_date TEXT, end_date TEXT, awarded_on TEXT, awarded_at BIGINT, "
                     "changed_at BIGINT",
        "requests": "id TEXT PRIMARY KEY, contract_reference TEXT, open_due_on TEXT, "
                    "requested_at BIGINT",
    }
    indexes = {"contracts": ("level", "changed_at"),
               "requests": ("open_due_on", "contract_reference")}

    def owing(self, issued: IssuedRound) -> dict[uuid.UUID, int]:
        """Contracts owing a return on the round (one already asked for too), by award position."""
        kind = "level = ?" if issued.level else "kpi_returns = 1 AND level IS NOT NULL"
        rows = self.select(
            "SELECT id, awarded_at FROM {contracts} WHERE " + kind + " AND start_date <= ? "
            "AND (end_date IS NULL OR end_date >= ?) AND awarded_on <= ?",
            (*((issued.level,) if issued.level else ()), issued.period_end.isoformat(),
             issued.period_start.isoformat(), issued.due_on.isoformat()))
        return _by_id(rows)

    def changed_after(self, position: int) -> dict[uuid.UUID, int]:
        """Contracts awarded, moved to another level or ended after a position in the store."""
        return _by_id(self.select(
            "SELECT id, awarded_at FROM {contracts} WHERE changed_at > ?", (position,)))

    def every_contract(self) -> dict[uuid.UUID, int]:
        return _by_id(self.select("SELECT id, awarded_at FROM {contracts}"))

    def falling_overdue(self, today: date) -> list[uuid.UUID]:
        """Open requests whose due date is before `today`, in the order they were made."""
        rows = self.select("SELECT id FROM {requests} WHERE open_due_on < ? "
                           "ORDER BY requested_at", (today.isoformat(),))
        return [uuid.UUID(r["id"]) for r in rows]

    def requests_of(self, contract_reference: str) -> list[uuid.UUID]:
        """A contract's requests, in the order they were made."""
        rows = self.select("SELECT id FROM {requests} WHERE contract_reference = ? "
                           "ORDER BY requested_at", (contract_reference,))
        return [uuid.UUID(r["id"]) for r in rows]


def _by_id(rows: list[Any]) -> dict[uuid.UUID, int]:
    return {uuid.UUID(r["id"]): r["awarded_at"] or 0 for r in rows}


_CONTRACT = (
    "INSERT INTO {contracts} (id, reference, level, kpi_returns, start_date, end_date, "
    "awarded_on) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
    "reference = excluded.reference, level = excluded.level, "
    "kpi_returns = excluded.kpi_returns, start_date = excluded.start_date, "
    "end_date = excluded.end_date, awarded_on = excluded.awarded_on")
_AWARDED_AT = ("INSERT INTO {contracts} (id, awarded_at) VALUES (?, ?) "
               "ON CONFLICT (id) DO UPDATE SET awarded_at = excluded.awarded_at")
# One statement for every change, so its rows run in the order of the log: the last one stays.
_CHANGED_AT = ("INSERT INTO {contracts} (id, changed_at) VALUES (?, ?) "
               "ON CONFLICT (id) DO UPDATE SET changed_at = excluded.changed_at")
_REQUEST = (
    "INSERT INTO {requests} (id, contract_reference, open_due_on) VALUES (?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET contract_reference = excluded.contract_reference, "
    "open_due_on = excluded.open_due_on")
_REQUESTED_AT = ("INSERT INTO {requests} (id, requested_at) VALUES (?, ?) "
                 "ON CONFLICT (id) DO UPDATE SET requested_at = excluded.requested_at")
# The contract events that change which returns it owes (a value or a regulator changes it
# only through a new level, recorded as a LevelChanged of its own).
_SCHEDULE_CHANGES = (Contract.Awarded, Contract.LevelChanged, Contract.Ended)


class DueDates(StoreProjection[DueView]):
    """Contracts' schedules and open requests' due dates, from intake's own store."""

    name = "due-dates"
    view_class = DueView
    follows = (Contract, ReturnRequest)

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, Contract):
            return [Row(_CONTRACT, (
                str(aggregate.id), aggregate.reference, aggregate.level,
                int(aggregate.kpi_returns), aggregate.start_date.isoformat(),
                _iso(aggregate.end_date), aggregate.awarded_on.isoformat()))]
        open_ = aggregate.submitted_return is None and aggregate.overdue_since is None
        return [Row(_REQUEST, (str(aggregate.id), aggregate.contract_reference,
                               aggregate.due_on.isoformat() if open_ else None))]

    def rows_for_event(self, domain_event: Any, position: int) -> list[Row]:
        originator = str(domain_event.originator_id)
        rows = []
        if isinstance(domain_event, Contract.Awarded):
            rows.append(Row(_AWARDED_AT, (originator, position)))
        if isinstance(domain_event, _SCHEDULE_CHANGES):
            rows.append(Row(_CHANGED_AT, (originator, position)))
        if isinstance(domain_event, ReturnRequest.Requested):
            rows.append(Row(_REQUESTED_AT, (originator, position)))
        return rows


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def contracts_to_check(view: DueView, last: LastRun | None, to: date,
                       calendar: Calendar) -> list[uuid.UUID]:
    """The contracts a run to `to` must work out, in the order they were awarded: all of them
    when there is no last run to go on, else those due or changed since it."""
    if last is None or last.today > to or last.calendar != calendar.fingerprint:
        found = view.every_contract()
    else:
        found = view.changed_after(last.read_through)
        new = (rounds_issued(to, calendar.is_working_day, calendar.config)
               - rounds_issued(last.today, calendar.is_working_day, calendar.config))
        for issued in sorted(new, key=lambda r: (r.issue_on, r.form, r.period_start)):
            found.update(view.owing(issued))
    return sorted(found, key=lambda contract_id: (found[contract_id], str(contract_id)))
