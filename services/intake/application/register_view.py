"""Intake's register: providers, contracts, return requests, returns and drafts as table rows.

What every list of intake shows (the providers with their contracts, the return log, the
returns a provider owes) is read from these rows by indexed queries, never by loading the
aggregates: a page of the return log at national size is one query and a count.

One view rather than several, so the return log joins a request to its provider's name and its
contract's service type in the same committed state (both are fixed once recorded). Rows are
each aggregate's state after a page of the notification log (`rows_for`), except returns,
whose rows are written once from their `Submitted` event with its position in the log, the
order returns were sent in.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import date, datetime
from typing import Any, ClassVar

from services.intake.application.listings import (
    ContractRecord,
    DraftRecord,
    ProviderRecord,
    RequestRecord,
    day,
    days,
    iso,
)
from services.intake.application.return_log import LogFilter, ReturnLogRow
from services.intake.domain.calendar import return_key
from services.intake.domain.contract import Contract
from services.intake.domain.monitoring_return import MonitoringReturn
from services.intake.domain.provider import Provider
from services.intake.domain.return_draft import ReturnDraft
from services.intake.domain.return_request import RequestStatus, ReturnRequest
from shared.topics import topics_of
from shared.views.paging import Page, Paging
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin

PROVIDERS_V1 = {"provider_id": "TEXT PRIMARY KEY", "name": "TEXT NOT NULL",
                "suspended_by": "TEXT", "registered_at": "TEXT NOT NULL"}
# Version 2: the name as the providers list sorts it (lower case, by Python, so both databases
# order it as the list did when it was sorted in Python: SQLite compares text by code point,
# as does PostgreSQL under the C collation the stores' databases use).
PROVIDERS = {**PROVIDERS_V1, "name_key": "TEXT NOT NULL"}
CONTRACTS = {
    "reference": "TEXT PRIMARY KEY", "provider_id": "TEXT NOT NULL",
    "service_type": "TEXT NOT NULL", "annual_value": "TEXT NOT NULL", "regulator": "TEXT",
    "regulator_service_id": "TEXT", "start_date": "TEXT NOT NULL", "end_date": "TEXT",
    "contract_manager": "TEXT NOT NULL", "level": "INTEGER", "assessed_risk": "TEXT NOT NULL",
    "kpi_returns": "INTEGER NOT NULL", "awarded_on": "TEXT NOT NULL", "ended_on": "TEXT",
    "awarded_at": "TEXT NOT NULL",
}
REQUESTS = {
    "request_id": "TEXT PRIMARY KEY", "provider_id": "TEXT NOT NULL",
    "contract_reference": "TEXT NOT NULL", "period_key": "TEXT NOT NULL", "form": "TEXT NOT NULL",
    "period_start": "TEXT NOT NULL", "period_end": "TEXT NOT NULL", "issue_on": "TEXT NOT NULL",
    "due_on": "TEXT NOT NULL", "kpis": "TEXT NOT NULL", "requested_by": "TEXT",
    "status": "TEXT NOT NULL", "submitted_on": "TEXT", "return_id": "TEXT",
    "overdue_since": "TEXT", "allocated_to": "TEXT", "reminders": "TEXT NOT NULL",
    "requested_at": "TEXT NOT NULL",
}
RETURNS = {"return_id": "TEXT PRIMARY KEY", "provider_id": "TEXT NOT NULL",
           "contract_reference": "TEXT NOT NULL", "period_key": "TEXT NOT NULL",
           "position": "BIGINT NOT NULL"}
DRAFTS = {"draft_id": "TEXT PRIMARY KEY", "provider_id": "TEXT NOT NULL",
          "contract_reference": "TEXT NOT NULL", "form": "TEXT NOT NULL",
          "period_start": "TEXT NOT NULL", "period_end": "TEXT NOT NULL",
          "saved_at": "TEXT NOT NULL", "saved_by": "TEXT NOT NULL"}

# The providers list's order: by name as a person reads it, then the id.
PROVIDER_ORDER = ("name_key", "provider_id")
# The return log's order, ending in the request's id so that every row has one place in it.
LOG_ORDER = ("due_on", "contract_reference", "form", "request_id")
LOG_FROM = ("{requests} r JOIN {contracts} c ON c.reference = r.contract_reference "
            "JOIN {providers} p ON p.provider_id = r.provider_id")
LOG_COLUMNS = "r.*, p.name AS provider_name, c.service_type"
# A line of the providers list: the provider and its contracts.
ProviderListed = tuple[ProviderRecord, list[ContractRecord]]
EXPORT_BATCH = 1000
LOOKUP_BATCH = 500


def _table(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())


def _upsert(table: str, columns: dict[str, str]) -> str:
    """An insert that replaces the row with the same key (the first column)."""
    names = list(columns)
    changes = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
    return (f"INSERT INTO {{{table}}} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) "
            f"ON CONFLICT ({names[0]}) DO UPDATE SET {changes}")


UPSERT_PROVIDERS = _upsert("providers", PROVIDERS)
UPSERT_PROVIDERS_V1 = _upsert("providers", PROVIDERS_V1)
UPSERT_CONTRACTS = _upsert("contracts", CONTRACTS)
UPSERT_REQUESTS = _upsert("requests", REQUESTS)
UPSERT_DRAFTS = _upsert("drafts", DRAFTS)


class RegisterView(TableViewMixin):
    """Intake's providers, contracts, requests, returns and open drafts, and their queries."""

    family = "register"
    view_name = "intake-register"
    version = 2  # 2: the providers' name key, for the providers list paged in name order
    tables: ClassVar[dict[str, str]] = {
        "providers": _table(PROVIDERS), "contracts": _table(CONTRACTS),
        "requests": _table(REQUESTS), "returns": _table(RETURNS), "drafts": _table(DRAFTS),
    }
    # A filtered page of the log reads its rows in the log's order from the filter's index
    # (version 2: each filter's index ends in the whole order, so no page is sorted after).
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "providers": (", ".join(PROVIDER_ORDER),),
        "contracts": ("provider_id", "regulator_service_id", "service_type"),
        "requests": (", ".join(LOG_ORDER), *(", ".join(dict.fromkeys((column, *LOG_ORDER)))
                                             for column in ("status", "provider_id",
                                                            "allocated_to", "form")),
                     "contract_reference"),
        "returns": ("contract_reference, period_key", "contract_reference, position"),
        "drafts": ("provider_id",),
    }

    # Providers and contracts ---------------------------------------------------------------

    def providers(self) -> list[ProviderRecord]:
        rows = self.select("SELECT * FROM {providers} ORDER BY registered_at, provider_id")
        return [ProviderRecord.of(r) for r in rows]

    def provider_page(self, paging: Paging,
                      without_contracts: bool = False) -> Page[ProviderListed]:
        """A page of the providers list in name order (only those never awarded a contract,
        if asked), each provider with its contracts (read for the page's providers alone, by
        the contracts' provider index), and how many providers the list holds; the page, the
        contracts and the count in one transaction."""
        clause, params = paging.clause()
        kept = (" WHERE NOT EXISTS (SELECT 1 FROM {contracts} c "
                "WHERE c.provider_id = p.provider_id)") if without_contracts else ""
        with self._reading() as cursor:
            cursor.execute(self.statement(f"SELECT p.* FROM {{providers}} p{kept} ORDER BY "
                                          f"{', '.join(PROVIDER_ORDER)}{clause}"), params)
            providers = [ProviderRecord.of(r) for r in cursor.fetchall()]
            contracts = self._contracts_of(cursor, [p.provider_id for p in providers])
            cursor.execute(self.statement(f"SELECT COUNT(*) AS n FROM {{providers}} p{kept}"),
                           ())
            total = int(cursor.fetchall()[0]["n"])
        return Page([(p, contracts.get(p.provider_id, [])) for p in providers], total)

    def providers_listed(self, provider_ids: Collection[str]) -> list[ProviderListed]:
        """These providers (those registered, in the order asked) with their contracts, read
        in one transaction: a page naming its providers asks this, where a read of each
        provider and of its contracts made a hundred queries for a page of fifty."""
        asked = list(dict.fromkeys(provider_ids))
        found: dict[str, ProviderRecord] = {}
        with self._reading() as cursor:
            for start in range(0, len(asked), LOOKUP_BATCH):
                batch = asked[start:start + LOOKUP_BATCH]
                cursor.execute(self.statement(
                    f"SELECT * FROM {{providers}} WHERE provider_id IN "
                    f"({', '.join('?' for _ in batch)})"), batch)
                found.update((r["provider_id"], ProviderRecord.of(r)) for r in cursor.fetchall())
            contracts = self._contracts_of(cursor, list(found))
        return [(found[p], contracts.get(p, [])) for p in asked if p in found]

    def _contracts_of(self, cursor: Any, provider_ids: list[str]
                      ) -> dict[str, list[ContractRecord]]:
        """These providers' contracts, each provider's in the order they were awarded."""
        found: dict[str, list[ContractRecord]] = {}
        for start in range(0, len(provider_ids), LOOKUP_BATCH):
            batch = provider_ids[start:start + LOOKUP_BATCH]
            cursor.execute(self.statement(
                f"SELECT * FROM {{contracts}} WHERE provider_id IN "
                f"({', '.join('?' for _ in batch)}) ORDER BY awarded_at, reference"), batch)
            for row in cursor.fetchall():
                found.setdefault(row["provider_id"], []).append(ContractRecord.of(row))
        return found

    def provider(self, provider_id: str) -> ProviderRecord | None:
        rows = self.select("SELECT * FROM {providers} WHERE provider_id = ?", (provider_id,))
        return ProviderRecord.of(rows[0]) if rows else None

    def contracts(self, provider_id: str | None = None) -> list[ContractRecord]:
        where, params = ("WHERE provider_id = ? ", (provider_id,)) if provider_id else ("", ())
        rows = self.select(f"SELECT * FROM {{contracts}} {where}ORDER BY awarded_at, reference",
                           params)
        return [ContractRecord.of(r) for r in rows]

    def contract(self, reference: str) -> ContractRecord | None:
        rows = self.select("SELECT * FROM {contracts} WHERE reference = ?", (reference,))
        return ContractRecord.of(rows[0]) if rows else None

    def contracts_with(self, references: Collection[str]) -> list[ContractRecord]:
        """The contracts with these references (those that exist), in a few queries."""
        wanted = sorted(references)
        found = []
        for start in range(0, len(wanted), LOOKUP_BATCH):
            batch = wanted[start:start + LOOKUP_BATCH]
            found += self.select(f"SELECT * FROM {{contracts}} WHERE reference IN "
                                 f"({', '.join('?' for _ in batch)})", batch)
        return [ContractRecord.of(r) for r in found]

    def contract_regulated_as(self, service_id: str) -> ContractRecord | None:
        """The contract holding the regulator's service id now (the first awarded, if two)."""
        rows = self.select("SELECT * FROM {contracts} WHERE regulator_service_id = ? "
                           "ORDER BY awarded_at, reference LIMIT 1", (service_id,))
        return ContractRecord.of(rows[0]) if rows else None

    def regulated_services(self, regulator: str) -> set[str]:
        rows = self.select("SELECT regulator_service_id FROM {contracts} WHERE regulator = ? "
                           "AND regulator_service_id IS NOT NULL", (regulator,))
        return {r["regulator_service_id"] for r in rows}

    # Requests, returns and drafts ----------------------------------------------------------

    def requests(self, *, contract_reference: str | None = None, provider_id: str | None = None,
                 waiting: bool = False) -> list[RequestRecord]:
        """Requests in the order they were made; `waiting`: only those nothing has answered."""
        wanted = [("contract_reference = ?", contract_reference), ("provider_id = ?", provider_id)]
        kept = [(sql, value) for sql, value in wanted if value is not None]
        clauses = [sql for sql, _ in kept] + (["submitted_on IS NULL"] if waiting else [])
        rows = self.select(f"SELECT * FROM {{requests}} WHERE {' AND '.join(clauses) or '1 = 1'} "
                           "ORDER BY requested_at, request_id", [v for _, v in kept])
        return [RequestRecord.of(r) for r in rows]

    def overdue(self) -> int:
        """How many returns are overdue now (asked for, past due, not received)."""
        return self.select("SELECT COUNT(*) AS n FROM {requests} WHERE status = ?",
                           (RequestStatus.OVERDUE.value,))[0]["n"]

    def returns_of(self, contract_reference: str, period_key: str | None = None) -> list[str]:
        """The ids of a contract's returns (for one form and period), first sent first."""
        where, params = "contract_reference = ?", [contract_reference]
        if period_key is not None:
            where, params = f"{where} AND period_key = ?", [*params, period_key]
        rows = self.select(f"SELECT return_id FROM {{returns}} WHERE {where} ORDER BY position",
                           params)
        return [r["return_id"] for r in rows]

    def open_drafts(self, provider_id: str) -> dict[tuple[str, str, date, date], DraftRecord]:
        """The provider's drafts still being written, by contract, form and period."""
        rows = self.select("SELECT * FROM {drafts} WHERE provider_id = ?", (provider_id,))
        found = [DraftRecord(r["contract_reference"], r["form"],
                             date.fromisoformat(r["period_start"]),
                             date.fromisoformat(r["period_end"]),
                             datetime.fromisoformat(r["saved_at"]), r["saved_by"])
                 for r in rows]
        return {(d.contract_reference, d.form, d.period_start, d.period_end): d for d in found}

    # The return log ------------------------------------------------------------------------

    def log_page(self, log_filter: LogFilter, limit: int | None,
                 offset: int = 0) -> list[ReturnLogRow]:
        where, params = _log_where(log_filter)
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = self.select(f"SELECT {LOG_COLUMNS} FROM {LOG_FROM} WHERE {where} "
                           f"ORDER BY {_log_order()}{page}", params)
        return [_log_row(r) for r in rows]

    def log_count(self, log_filter: LogFilter) -> int:
        """How many rows the filter keeps, counted in the requests' own indexes: a request's
        contract and provider are in the register before it (it is asked of a contract the
        provider was awarded), so the log's join is needed only to filter by service type."""
        where, params = _log_where(log_filter)
        source = LOG_FROM if log_filter.service_type is not None else "{requests} r"
        return int(self.select(f"SELECT COUNT(*) AS n FROM {source} WHERE {where}",
                               params)[0]["n"])

    def each_in_log(self, log_filter: LogFilter) -> Iterator[ReturnLogRow]:
        """Every row the filter keeps, read a batch at a time after the last row read (so an
        export of any size holds one batch in memory, and rows added meanwhile are not read
        twice)."""
        where, params = _log_where(log_filter)
        after: tuple[str, ...] | None = None
        while True:
            keyset = "" if after is None else (
                f" AND ({', '.join(f'r.{c}' for c in LOG_ORDER)}) > (?, ?, ?, ?)")
            rows = self.select(f"SELECT {LOG_COLUMNS} FROM {LOG_FROM} WHERE {where}{keyset} "
                               f"ORDER BY {_log_order()} LIMIT {EXPORT_BATCH}",
                               [*params, *(after or ())])
            yield from (_log_row(r) for r in rows)
            if len(rows) < EXPORT_BATCH:
                return
            after = tuple(rows[-1][c] for c in LOG_ORDER)


def _log_order() -> str:
    return ", ".join(f"r.{c}" for c in LOG_ORDER)


def _log_where(log_filter: LogFilter) -> tuple[str, list[Any]]:
    """The filter as SQL over the log's join, each column one indexed comparison."""
    wanted = [
        ("r.due_on >= ?", iso(log_filter.due_from)), ("r.due_on <= ?", iso(log_filter.due_to)),
        ("r.status = ?", log_filter.status), ("r.form = ?", log_filter.form),
        ("r.allocated_to = ?", log_filter.allocated_to),
        ("c.service_type = ?", log_filter.service_type),
    ]
    kept: list[tuple[str, Any]] = [(sql, value) for sql, value in wanted if value is not None]
    clauses, params = [sql for sql, _ in kept], [value for _, value in kept]
    if log_filter.provider_ids is not None:  # none asked keeps no row
        marks = ", ".join("?" for _ in log_filter.provider_ids)
        clauses.append(f"r.provider_id IN ({marks})" if marks else "1 = 0")
        params += log_filter.provider_ids
    return " AND ".join(clauses) or "1 = 1", params


def _log_row(row: Any) -> ReturnLogRow:
    return ReturnLogRow(
        request_id=row["request_id"], contract_reference=row["contract_reference"],
        provider_id=row["provider_id"], provider_name=row["provider_name"],
        service_type=row["service_type"], form=row["form"],
        period_start=date.fromisoformat(row["period_start"]),
        period_end=date.fromisoformat(row["period_end"]),
        issued_on=date.fromisoformat(row["issue_on"]), due_on=date.fromisoformat(row["due_on"]),
        status=row["status"], submitted_on=day(row["submitted_on"]), return_id=row["return_id"],
        allocated_to=row["allocated_to"], reminders=days(row["reminders"]),
    )


class RegisterProjection(StoreProjection[RegisterView]):
    """Keeps the register from intake's notification log."""

    name = "intake-register"
    view_class = RegisterView
    follows = (Provider, Contract, ReturnRequest, ReturnDraft)

    @classmethod
    def event_topics(cls) -> tuple[str, ...]:
        """The followed aggregates' events, and each return's first (the rest change nothing
        the register keeps)."""
        return tuple(sorted({*super().event_topics(), *topics_of(MonitoringReturn.Submitted)}))

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, Provider):
            return [_provider_row(aggregate)]
        if isinstance(aggregate, Contract):
            return [_contract_row(aggregate)]
        if isinstance(aggregate, ReturnRequest):
            return [_request_row(aggregate)]
        if isinstance(aggregate, ReturnDraft):
            return [_draft_row(aggregate)]
        return []

    def rows_for_event(self, domain_event: Any, position: int) -> list[Row]:
        if not isinstance(domain_event, MonitoringReturn.Submitted):
            return []
        key = return_key(domain_event.form, domain_event.period_start, domain_event.period_end)
        return [Row("INSERT INTO {returns} VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (str(domain_event.originator_id), domain_event.provider_id,
                     domain_event.contract_reference, key, position))]


def _moment(when: datetime) -> str:
    """A timestamp as text that sorts as the time does (always with its microseconds)."""
    return when.isoformat(timespec="microseconds")


def _provider_row(p: Provider) -> Row:
    return Row(UPSERT_PROVIDERS, (
        p.provider_id, p.name, p.suspended_by_escalation, _moment(p.created_on), p.name.lower()))


# Version 1, kept for the release that brings version 2: it answers while version 2 is built
# in the background at the first start (shared/views/store.py, succession), then is dropped.

class RegisterViewV1(RegisterView):
    """The register before the providers' name key: its providers list sorts in Python."""

    version = 1
    tables: ClassVar[dict[str, str]] = {**RegisterView.tables,
                                        "providers": _table(PROVIDERS_V1)}
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "contracts": ("provider_id", "regulator_service_id", "service_type"),
        "requests": (", ".join(LOG_ORDER), "status, due_on", "provider_id, due_on",
                     "allocated_to, due_on", "form, due_on", "contract_reference"),
        "returns": ("contract_reference, period_key", "contract_reference, position"),
        "drafts": ("provider_id",),
    }

    def provider_page(self, paging: Paging,
                      without_contracts: bool = False) -> Page[ProviderListed]:
        ordered = sorted(self.providers(), key=lambda p: (p.name.lower(), p.provider_id))
        if without_contracts:
            contracted = {c.provider_id for c in self.contracts()}
            ordered = [p for p in ordered if p.provider_id not in contracted]
        end = None if paging.limit is None else paging.offset + paging.limit
        shown = ordered[paging.offset:end]
        with self._reading() as cursor:
            contracts = self._contracts_of(cursor, [p.provider_id for p in shown])
        return Page([(p, contracts.get(p.provider_id, [])) for p in shown], len(ordered))


class RegisterProjectionV1(RegisterProjection):
    view_class = RegisterViewV1  # type: ignore[assignment]
    previous = None

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, Provider):
            return [Row(UPSERT_PROVIDERS_V1, _provider_row(aggregate).params[:-1])]
        return super().rows_for(aggregate)


RegisterProjection.previous = RegisterProjectionV1


def _contract_row(c: Contract) -> Row:
    return Row(UPSERT_CONTRACTS, (
        c.reference, c.provider_id, c.service_type, str(c.annual_value), c.regulator,
        c.regulator_service_id, iso(c.start_date), iso(c.end_date), c.contract_manager, c.level,
        c.assessed_risk, int(c.kpi_returns), iso(c.awarded_on), iso(c.ended_on),
        _moment(c.created_on)))


def _request_row(r: ReturnRequest) -> Row:
    return Row(UPSERT_REQUESTS, (
        str(r.id), r.provider_id, r.contract_reference, r.key, r.form, iso(r.period_start),
        iso(r.period_end), iso(r.issue_on), iso(r.due_on), json.dumps(list(r.kpis)),
        r.requested_by, r.status.value, iso(r.submitted_on), r.submitted_return,
        iso(r.overdue_since), r.allocated_to, json.dumps([d.isoformat() for d in r.reminders]),
        _moment(r.created_on)))


def _draft_row(d: ReturnDraft) -> Row:
    """An open draft's row; a draft sent as a return has none."""
    if not d.open:
        return Row("DELETE FROM {drafts} WHERE draft_id = ?", (str(d.id),))
    return Row(UPSERT_DRAFTS, (
        str(d.id), d.provider_id, d.contract_reference, d.form, iso(d.period_start),
        iso(d.period_end), _moment(d.modified_on), d.saved_by))
