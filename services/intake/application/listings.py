"""What intake's lists show of providers, contracts and return requests, read from its view.

Each record carries the attributes of the aggregate it stands for, under the same names, so
code that only reads (the routes, the calendar's schedule, the governance figures) takes a
record where it took an aggregate; code that changes one loads the aggregate itself.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.intake.domain.contract import Contract
from services.intake.domain.return_request import RequestStatus


def day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def days(text: str) -> tuple[date, ...]:
    return tuple(date.fromisoformat(d) for d in json.loads(text))


@dataclass(frozen=True)
class ProviderRecord:
    provider_id: str
    name: str
    suspended_by_escalation: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ProviderRecord:
        return cls(row["provider_id"], row["name"], row["suspended_by"])


@dataclass(frozen=True)
class ContractRecord:
    provider_id: str
    reference: str
    service_type: str
    annual_value: Decimal
    regulator: str | None
    regulator_service_id: str | None
    start_date: date
    end_date: date | None
    contract_manager: str
    level: int | None
    assessed_risk: str
    kpi_returns: bool
    awarded_on: date
    ended_on: date | None

    # The contract's own rules, so a record answers them exactly as the aggregate does.
    owes = Contract.owes
    is_live_on = Contract.is_live_on

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContractRecord:
        return cls(
            provider_id=row["provider_id"], reference=row["reference"],
            service_type=row["service_type"], annual_value=Decimal(row["annual_value"]),
            regulator=row["regulator"], regulator_service_id=row["regulator_service_id"],
            start_date=date.fromisoformat(row["start_date"]), end_date=day(row["end_date"]),
            contract_manager=row["contract_manager"], level=row["level"],
            assessed_risk=row["assessed_risk"], kpi_returns=bool(row["kpi_returns"]),
            awarded_on=date.fromisoformat(row["awarded_on"]), ended_on=day(row["ended_on"]),
        )


@dataclass(frozen=True)
class RequestRecord:
    id: uuid.UUID
    provider_id: str
    contract_reference: str
    key: str
    form: str
    period_start: date
    period_end: date
    issue_on: date
    due_on: date
    kpis: tuple[str, ...]
    requested_by: str | None
    status: RequestStatus
    submitted_on: date | None
    submitted_return: str | None
    overdue_since: date | None
    allocated_to: str | None
    reminders: tuple[date, ...]

    @classmethod
    def of(cls, row: dict[str, Any]) -> RequestRecord:
        return cls(
            id=uuid.UUID(row["request_id"]), provider_id=row["provider_id"],
            contract_reference=row["contract_reference"], key=row["period_key"],
            form=row["form"], period_start=date.fromisoformat(row["period_start"]),
            period_end=date.fromisoformat(row["period_end"]),
            issue_on=date.fromisoformat(row["issue_on"]), due_on=date.fromisoformat(row["due_on"]),
            kpis=tuple(json.loads(row["kpis"])), requested_by=row["requested_by"],
            status=RequestStatus(row["status"]), submitted_on=day(row["submitted_on"]),
            submitted_return=row["return_id"], overdue_since=day(row["overdue_since"]),
            allocated_to=row["allocated_to"], reminders=days(row["reminders"]),
        )


@dataclass(frozen=True)
class DraftRecord:
    """A draft still being written: when it was last saved, and by whom."""

    contract_reference: str
    form: str
    period_start: date
    period_end: date
    saved_at: datetime
    saved_by: str
