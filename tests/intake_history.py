"""Intake driven through a history of commands, and what its aggregates say of that history.

`History` gives intake what officers, providers, the calendar and the other services give it,
chosen from numbers (so a property-based test can draw and shrink them). The functions below
read the answers to intake's lists straight from the aggregates (every aggregate in the store,
loaded with `repository.get`), the way intake answered them before it kept a register: the
oracle a view is compared with.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import Tracking

from services.intake.application import AskedReturn, Award, Intake, Submission
from services.intake.application.listings import (
    ContractRecord,
    DraftRecord,
    ProviderRecord,
    RequestRecord,
)
from services.intake.application.return_drafts import DraftAnswers
from services.intake.application.return_log import LogFilter, ReturnLogRow
from services.intake.domain.contract import Contract
from services.intake.domain.monitoring_return import MonitoringReturn
from services.intake.domain.provider import Provider
from services.intake.domain.return_draft import ReturnDraft
from services.intake.domain.return_request import ReturnRequest
from shared.contracts import escalation, notify, risk
from shared.contracts.envelope import IntegrationEvent, wrap
from shared.contracts.forms import example
from shared.domain import InvalidInput, Refused
from shared.eventstore import NotFound

START = date(2025, 3, 1)
NAMES = ("Oakwood Care", "Birch & Co", "Ållebakken", "=Rowan", "Willow Homes", "Alder")
VALUES = ("8000", "60000", "250000", "1500000")
SERVICE_TYPES = ("care-home", "care-at-home", "day-services", "advocacy")
REGULATORS = (None, "care-inspectorate", "cqc")
PEOPLE = ("Jo", "Sam")
STEPS = ("register", "award", "vary", "regulate", "manager", "end", "tick", "tick", "submit",
         "early", "correct", "allocate", "release", "draft", "ask", "suspend", "risk",
         "remind", "catch_up")


class History:
    """Commands given to intake, each chosen by a step name and a number."""

    def __init__(self, app: Intake) -> None:
        self.app = app
        self.today = START
        self.upstream = itertools.count(1)
        self.keys = itertools.count(1)
        app.tick(START, "clock")

    def run(self, steps: list[tuple[str, int]]) -> None:
        for name, n in steps:
            # Refused as an officer would be, nothing changed: the history goes on.
            with contextlib.suppress(Refused, InvalidInput, NotFound):
                getattr(self, name)(n)

    def _pick(self, found: list[Any], n: int) -> Any:
        if not found:
            raise NotFound("nothing to choose from yet")
        return found[n % len(found)]

    def _contract(self, n: int) -> ContractRecord:
        return self._pick(self.app.contracts(), n)

    def _request(self, n: int, waiting: bool = False) -> RequestRecord:
        found = self.app.register_view().requests(waiting=waiting)
        return self._pick(found, n)

    # Officers ----------------------------------------------------------------------------

    def register(self, n: int) -> None:
        self.app.register_provider(NAMES[n % len(NAMES)], f"p{n % 7}", "Jo", "corr")

    def award(self, n: int) -> None:
        provider = self._pick(self.app.providers(), n)
        regulator = REGULATORS[n % 3]
        award = Award(
            provider_id=provider.provider_id, reference=f"C-{n % 13}",
            service_type=SERVICE_TYPES[n % 4], annual_value=Decimal(VALUES[n // 3 % 4]),
            regulator=regulator, regulator_service_id=f"S{n % 5}" if regulator else None,
            start_date=self.today + timedelta(days=n % 90 - 30), end_date=None,
            contract_manager="Ann Duncan", kpi_returns=n % 5 == 0)
        self.app.award_contract(award, "Jo", "corr")

    def vary(self, n: int) -> None:
        self.app.change_contract(self._contract(n).reference, "vary_value",
                                 annual_value=Decimal(VALUES[n % 4]), by="Jo",
                                 correlation_id="corr")

    def regulate(self, n: int) -> None:
        regulator = REGULATORS[n % 3]
        self.app.change_contract(self._contract(n).reference, "change_regulation",
                                 regulator=regulator,
                                 regulator_service_id=f"S{n % 5}" if regulator else None,
                                 by="Jo", correlation_id="corr")

    def manager(self, n: int) -> None:
        self.app.change_contract(self._contract(n).reference, "change_contract_manager",
                                 contract_manager=PEOPLE[n % 2], by="Jo", correlation_id="corr")

    def end(self, n: int) -> None:
        contract = self._contract(n)
        self.app.change_contract(contract.reference, "end",
                                 ended_on=max(contract.start_date, self.today), reason="retendered",
                                 by="Jo", correlation_id="corr")

    def ask(self, n: int) -> None:
        year = 2024 + n % 3
        asked = AskedReturn("self-assessment", date(year, 4, 1), date(year + 1, 3, 31),
                            self.today + timedelta(days=n % 40), "Jo")
        self.app.request_return(self._contract(n).reference, asked, "corr")

    def allocate(self, n: int) -> None:
        self.app.allocate(self._request(n).id, PEOPLE[n % 2], "corr")

    def release(self, n: int) -> None:
        request = self._request(n)
        self.app.allocate(request.id, request.allocated_to or PEOPLE[n % 2], "corr",
                          release=True)

    # The calendar ------------------------------------------------------------------------

    def tick(self, n: int) -> None:
        self.today += timedelta(days=1 + n % 75)
        self.app.tick(self.today, "clock")

    def catch_up(self, n: int) -> None:
        self.app.views.catch_up()

    # Providers ---------------------------------------------------------------------------

    def submit(self, n: int) -> None:
        request = self._request(n, waiting=True)
        self._send(request.contract_reference, request.form, request.period_start,
                   request.period_end, key=f"k{n % 11}")

    def early(self, n: int) -> None:
        contract = self._contract(n)
        due = self.app.next_owed(contract)
        if due is not None:
            self._send(contract.reference, due.form, due.period_start, due.period_end)

    def correct(self, n: int) -> None:
        request = self._pick([r for r in self.app.register_view().requests()
                              if r.submitted_return], n)
        original = self.app.get_return(uuid.UUID(request.submitted_return))
        self._send(original.contract_reference, original.form, original.period_start,
                   original.period_end, corrects=original.id)

    def draft(self, n: int) -> None:
        request = self._request(n)
        self.app.save_draft(DraftAnswers(request.contract_reference, request.form,
                                         request.period_start, request.period_end,
                                         {"note": f"typed {n}"}, PEOPLE[n % 2]), "corr")

    def _send(self, reference: str, form: str, start: date, end: date, key: str | None = None,
              corrects: uuid.UUID | None = None) -> None:
        submission = Submission(form, None, example(form, start, end), "Registered manager")
        self.app.submit_return(reference, submission, key or f"s{next(self.keys)}", "corr",
                               corrects=corrects)

    # Other services ----------------------------------------------------------------------

    def suspend(self, n: int) -> None:
        provider = self._pick(self.app.providers(), n)
        self._handle(escalation.EscalationApproved(
            provider_id=provider.provider_id, escalation_id=f"esc-{n}", intervention_id="int-1",
            step="suspension", approved_by="Morag",
            approver_role="head_of_strategic_planning"))

    def risk(self, n: int) -> None:
        provider = self._pick(self.app.providers(), n)
        self._handle(risk.RiskLevelAssessed(
            provider_id=provider.provider_id, previous_level=None,
            level=("low", "medium", "high")[n % 3], reason="latest return scored"))

    def remind(self, n: int) -> None:
        request = self._request(n, waiting=True)
        self._handle(notify.NotificationDelivered(
            provider_id=request.provider_id, notification_id=f"n{n}",
            recipient=f"provider-{request.provider_id}", channel="inbox",
            about_event_id="e1", about_event_type="ReturnOverdue", reference=str(request.id)))

    def _handle(self, event: IntegrationEvent) -> None:
        position = next(self.upstream)
        envelope = wrap(event, event_id=f"upstream-{position}",
                        time=datetime(2026, 1, 1, tzinfo=UTC), correlation_id="corr")
        self.app.handle(envelope, Tracking("upstream", position))


# What the aggregates say ---------------------------------------------------------------------

def stored_aggregates(app: Intake) -> list[Any]:
    """Every aggregate in the store, as it stands, in the order each first appeared."""
    first: dict[uuid.UUID, None] = {}
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=500):
        for notification in page:
            first.setdefault(notification.originator_id, None)
        start = page[-1].id + 1
    return [app.repository.get(i) for i in first]


def of_kind(aggregates: list[Any], kind: type) -> list[Any]:
    return [a for a in aggregates if isinstance(a, kind)]


def by_creation(aggregates: list[Any]) -> list[Any]:
    return sorted(aggregates, key=lambda a: (a.created_on, str(a.id)))


def providers(aggregates: list[Any]) -> list[ProviderRecord]:
    return [ProviderRecord(p.provider_id, p.name, p.suspended_by_escalation)
            for p in by_creation(of_kind(aggregates, Provider))]


def contracts(aggregates: list[Any]) -> list[ContractRecord]:
    return [ContractRecord(
        provider_id=c.provider_id, reference=c.reference, service_type=c.service_type,
        annual_value=c.annual_value, regulator=c.regulator,
        regulator_service_id=c.regulator_service_id, start_date=c.start_date,
        end_date=c.end_date, contract_manager=c.contract_manager, level=c.level,
        assessed_risk=c.assessed_risk, kpi_returns=c.kpi_returns, awarded_on=c.awarded_on,
        ended_on=c.ended_on) for c in by_creation(of_kind(aggregates, Contract))]


def requests(aggregates: list[Any]) -> list[RequestRecord]:
    return [RequestRecord(
        id=r.id, provider_id=r.provider_id, contract_reference=r.contract_reference, key=r.key,
        form=r.form, period_start=r.period_start, period_end=r.period_end, issue_on=r.issue_on,
        due_on=r.due_on, kpis=tuple(r.kpis), requested_by=r.requested_by, status=r.status,
        submitted_on=r.submitted_on, submitted_return=r.submitted_return,
        overdue_since=r.overdue_since, allocated_to=r.allocated_to,
        reminders=tuple(r.reminders)) for r in by_creation(of_kind(aggregates, ReturnRequest))]


def returns(aggregates: list[Any]) -> list[MonitoringReturn]:
    """Returns in the order they were sent (the order they first appear in the store)."""
    return of_kind(aggregates, MonitoringReturn)


def open_drafts(aggregates: list[Any], provider_id: str) -> dict[Any, DraftRecord]:
    return {(d.contract_reference, d.form, d.period_start, d.period_end): DraftRecord(
        d.contract_reference, d.form, d.period_start, d.period_end, d.modified_on, d.saved_by)
        for d in of_kind(aggregates, ReturnDraft) if d.open and d.provider_id == provider_id}


def return_log(aggregates: list[Any], kept: Callable[[ReturnLogRow], bool]) -> list[ReturnLogRow]:
    """The return log as intake built it from its aggregates, before the register."""
    names = {p.provider_id: p.name for p in of_kind(aggregates, Provider)}
    service_types = {c.reference: c.service_type for c in of_kind(aggregates, Contract)}
    rows = [ReturnLogRow(
        request_id=str(r.id), contract_reference=r.contract_reference,
        provider_id=r.provider_id, provider_name=names[r.provider_id],
        service_type=service_types[r.contract_reference], form=r.form,
        period_start=r.period_start, period_end=r.period_end, issued_on=r.issue_on,
        due_on=r.due_on, status=r.status.value, submitted_on=r.submitted_on,
        return_id=r.submitted_return, allocated_to=r.allocated_to,
        reminders=tuple(r.reminders)) for r in of_kind(aggregates, ReturnRequest)]
    return sorted((row for row in rows if kept(row)),
                  key=lambda r: (r.due_on, r.contract_reference, r.form, r.request_id))


def keeps(log_filter: LogFilter) -> Callable[[ReturnLogRow], bool]:
    """The filter as a test of one row (what the register's SQL must agree with)."""
    def kept(row: ReturnLogRow) -> bool:
        return ((log_filter.due_from is None or row.due_on >= log_filter.due_from)
                and (log_filter.due_to is None or row.due_on <= log_filter.due_to)
                and (log_filter.provider_ids is None
                     or row.provider_id in log_filter.provider_ids)
                and all(getattr(log_filter, name) in (None, getattr(row, name))
                        for name in ("status", "form", "allocated_to", "service_type")))
    return kept
