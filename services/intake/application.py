"""Intake: the front door. Providers, contracts, the return calendar and every return."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property, singledispatchmethod
from pathlib import Path
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError
from prometheus_client.core import GaugeMetricFamily
from pydantic import ValidationError

from services.intake import audit
from services.intake.adapters.calendar_file import OrganisationCalendar
from services.intake.adapters.calendar_file import load as load_calendar
from services.intake.adapters.evidence_store import EvidenceStore
from services.intake.domain.calendar import (
    ReturnDue,
    financial_year_of,
    kpi_returns_owed,
    return_key,
    returns_owed,
)
from services.intake.domain.clock import Clock
from services.intake.domain.contract import Contract, check_dates, check_value
from services.intake.domain.evidence_type import evidence_type
from services.intake.domain.intelligence import ReportedConcern, VisitFigures
from services.intake.domain.monitoring_return import (
    FormDoesNotMatchLevel,
    MonitoringReturn,
    check_period,
)
from services.intake.domain.provider import Provider
from services.intake.domain.return_request import ReturnRequest, check_due_on
from services.intake.drafts import ReturnDrafts
from services.intake.due import (
    Calendar,
    DueDates,
    LastRun,
    calendar_fingerprint,
    contracts_to_check,
)
from services.intake.integration import to_integration
from services.intake.records import ContractRecord, ProviderRecord, RequestRecord
from services.intake.register import RegisterProjection, RegisterView
from services.intake.return_log import LogFilter, ReturnLogRow
from services.intake.sharing import IntelligenceSharing
from services.intake.sharing_views import SharingIndex
from shared.at_rest import Sealer
from shared.clock import ClockMode, check_sane, uk_today
from shared.contracts import escalation, notify, risk
from shared.contracts.envelope import IntegrationEvent
from shared.contracts.forms import FORMS, LEVEL_FORMS, UnknownForm, form_for_level, parse_form
from shared.domain import InvalidInput, Refused
from shared.eventstore import NotFound, Processing, ServiceApplication
from shared.views.store import StoreProjection
from shared.working_days import Nation, WorkingDays


class UnknownProvider(NotFound):
    """No provider is registered with this id."""


class UnknownContract(NotFound):
    """No contract has this reference."""


@dataclass(frozen=True)
class Award:
    """What an officer records when a contract is awarded."""

    provider_id: str
    reference: str
    service_type: str
    annual_value: Decimal
    regulator: str | None
    regulator_service_id: str | None
    start_date: date
    end_date: date | None
    contract_manager: str
    kpi_returns: bool = False


@dataclass(frozen=True)
class Submission:
    """A return as a provider sends it: the form, its version and its answers."""

    form: str
    form_version: int | None
    answers: dict[str, Any]
    submitted_by: str
    logged_by: str | None = None  # the signed-in person sending it


@dataclass(frozen=True)
class AskedReturn:
    """A return an officer asks a contract for outside the calendar (a self-assessment, say)."""

    form: str
    period_start: date
    period_end: date
    due_on: date
    requested_by: str


@dataclass(frozen=True)
class TickResult:
    today: date
    requested: int
    overdue: int


class Intake(IntelligenceSharing, ReturnDrafts, ServiceApplication):
    """Registers providers and contracts, runs the return calendar, records returns."""

    service = "intake"
    # Built without settings (unit tests, the benchmark), intake follows the ticks it is given.
    default_clock = ClockMode.TRAINING
    # Its lists (providers, contracts, the return log, returns owed) read the register; the
    # calendar's tick reads the due dates.
    # Sharing with other councils keeps its own (services/intake/sharing_views.py).
    projections: ClassVar[tuple[type[StoreProjection[Any]], ...]] = (RegisterProjection,
                                                                     DueDates, SharingIndex)

    def metrics(self) -> list[Any]:
        overdue = GaugeMetricFamily("assure_returns_overdue", "Returns asked for, past their "
                                    "due date and not received", labels=["service"])
        overdue.add_metric([self.service], self.register_view().overdue())
        return [overdue]

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        _ = self.calendar  # a wrong calendar file stops the start, not the first schedule run
        _ = self.sharing_setup  # and so does a wrong sharing set-up

    @cached_property
    def evidence(self) -> EvidenceStore:
        return EvidenceStore(Path(self.env.get("ASSURE_EVIDENCE_DIR", "assure-data/evidence")),
                             Sealer.from_env(self.env, "evidence"))

    @cached_property
    def calendar(self) -> OrganisationCalendar:
        """The organisation's calendar (ASSURE_CALENDAR_FILE), else the documented defaults."""
        return load_calendar(self.env.get("ASSURE_CALENDAR_FILE"))

    @cached_property
    def working_days(self) -> WorkingDays:
        nation = Nation(self.env.get("ASSURE_NATION", Nation.SCOTLAND.value))
        return WorkingDays(nation, self.calendar.local_holidays)

    # Registry ---------------------------------------------------------------------------------

    def register_provider(
        self, name: str, provider_id: str | None, registered_by: str, correlation_id: str
    ) -> tuple[Provider, bool]:
        """Registers a provider; registering the same one again returns it unchanged."""
        provider_id = provider_id or uuid.uuid4().hex
        existing = self.find(Provider, Provider.create_id(provider_id))
        if existing:
            existing.check_same_registration(name)
            return existing, False
        provider = Provider(
            provider_id=provider_id, name=name, registered_by=registered_by,
            correlation_id=correlation_id,
        )
        return self._save_new(provider, lambda: self.register_provider(
            name, provider_id, registered_by, correlation_id))

    def register_view(self) -> RegisterView:
        """The register of providers, contracts and returns, caught up with every commit."""
        return self.views.get(RegisterProjection)

    def providers(self) -> list[ProviderRecord]:
        """Every registered provider, in the order they were registered."""
        return self.register_view().providers()

    def provider(self, provider_id: str) -> ProviderRecord:
        """A provider as the lists show it (get_provider loads it to change it)."""
        found = self.register_view().provider(provider_id)
        if found is None:
            raise UnknownProvider(f"no provider is registered with id {provider_id}")
        return found

    def get_provider(self, provider_id: str) -> Provider:
        provider = self.find(Provider, Provider.create_id(provider_id))
        if provider is None:
            raise UnknownProvider(f"no provider is registered with id {provider_id}")
        return provider

    def award_contract(self, award: Award, by: str, correlation_id: str) -> tuple[Contract, bool]:
        """Awards a contract and places it at its monitoring level; suspended providers get none."""
        existing = self.find(Contract, Contract.create_id(award.reference))
        if existing:
            if existing.provider_id != award.provider_id:
                raise InvalidInput(
                    f"contract {award.reference} belongs to another provider", "reference")
            return existing, False
        self.get_provider(award.provider_id).check_may_be_awarded()
        check_dates(award.start_date, award.end_date)
        check_value(award.annual_value)
        contract = Contract(
            provider_id=award.provider_id, reference=award.reference,
            service_type=award.service_type, annual_value=award.annual_value,
            regulator=award.regulator, regulator_service_id=award.regulator_service_id,
            start_date=award.start_date, end_date=award.end_date,
            contract_manager=award.contract_manager, kpi_returns=award.kpi_returns,
            awarded_on=self.today(), awarded_by=by, correlation_id=correlation_id,
        )
        contract.recompute_level("contract awarded", correlation_id)
        return self._save_new(contract, lambda: self.award_contract(award, by, correlation_id))

    def get_contract(self, reference: str) -> Contract:
        contract = self.find(Contract, Contract.create_id(reference))
        if contract is None:
            raise UnknownContract(f"no contract has the reference {reference}")
        return contract

    def contract(self, reference: str) -> ContractRecord:
        """A contract as the lists show it (get_contract loads it to change it)."""
        found = self.register_view().contract(reference)
        if found is None:
            raise UnknownContract(f"no contract has the reference {reference}")
        return found

    def contracts(self, provider_id: str | None = None) -> list[ContractRecord]:
        """Every contract (or the provider's), in the order they were awarded."""
        return self.register_view().contracts(provider_id)

    def change_contract(self, reference: str, change: str, **kwargs: Any) -> Contract:
        """Applies one named change (vary_value, change_regulation, …) to a contract."""
        contract = self.get_contract(reference)
        getattr(contract, change)(**kwargs)
        self.save(contract)
        return contract

    def summarise(self, aggregates: list[Any]) -> dict[str, Any]:
        return audit.summary(aggregates)

    # The calendar -----------------------------------------------------------------------------

    def exists_clock(self) -> bool:
        return self.exists(Clock.create_id())

    def today(self) -> date:
        """The council's date: the real UK date, or in training mode this clock's (a stored
        date outside the sane range is not believed)."""
        if not self.clock.training:
            return uk_today()
        clock = self.find(Clock, Clock.create_id())
        return clock.today if clock and clock.sane else self.clock.start or uk_today()

    async def connect_clock(self, js: Any, bucket: str, replicas: int) -> None:
        """Starts a training clock at its start date, and tells the other services the date."""
        await super().connect_clock(js, bucket, replicas)
        if self.clock.training and self.clock.start and not self.exists_clock():
            with contextlib.suppress(IntegrityError):  # another instance started it
                await asyncio.to_thread(self.tick, self.clock.start, "clock started")
        await self.clock.publish(self.today())

    def move_clock(self, to: date, correlation_id: str) -> TickResult:
        """An administrator moves a training clock by hand, forward and a bounded step; a real
        clock follows the real date and nobody moves it."""
        if not self.clock.training:
            raise Refused("this system's clock follows the real date and the daily schedule "
                          "moves it; only a system started for training (`assure up "
                          "--training`) has a clock to move by hand", field="to")
        check_sane(to, "to")
        clock = self.find(Clock, Clock.create_id())
        if clock:
            clock.check_step(to)
        return self.tick(to, correlation_id)

    def tick(self, to: date, correlation_id: str) -> TickResult:
        """Runs the schedule up to a date: issues return requests, then marks overdue ones; the
        clock records the run once it is done (due.py says why that is all it reads)."""
        clock = self.find(Clock, Clock.create_id())
        last = LastRun.of(clock)
        view = self.views.get(DueDates)
        read_through = self.views.followers[DueDates].position
        clock = clock or Clock(today=check_sane(to, "to"))
        clock.advance(to)
        self.save(clock)
        checked = contracts_to_check(view, last, to, self._placing)
        requested = sum(self._request_due_returns(self.repository.get(i), to, correlation_id)
                        for i in checked)
        overdue = self._mark_overdue(to, correlation_id)
        clock.finish_run(read_through, self._placing.fingerprint)
        self.save(clock)
        return TickResult(today=to, requested=requested, overdue=overdue)

    @cached_property
    def _placing(self) -> Calendar:
        """The calendar the schedule runs on, named so a run knows if the last used another."""
        return Calendar(self.calendar.config, self.working_days.is_working_day,
                        calendar_fingerprint(self.calendar.config, self.working_days.nation,
                                             self.calendar.local_holidays))

    def _mark_overdue(self, to: date, correlation_id: str) -> int:
        overdue = 0
        for request_id in self.views.get(DueDates).falling_overdue(to):
            request: ReturnRequest = self.repository.get(request_id)
            if request.mark_overdue(to, correlation_id):
                self.save(request)
                overdue += 1
        return overdue

    def owed(self, contract: Contract, until: date) -> list[ReturnDue]:
        """Every return the contract owes from the year before `until` to the year after."""
        if contract.level is None:
            return []
        first = max(financial_year_of(contract.start_date), financial_year_of(until) - 1)
        owed: list[ReturnDue] = []
        for year in range(first, financial_year_of(until) + 2):
            owed += returns_owed(contract.level, contract.start_date, contract.end_date, year,
                                 self.working_days.is_working_day, self.calendar.config)
            if contract.kpi_returns:
                owed += kpi_returns_owed(contract.start_date, contract.end_date, year,
                                         self.working_days.is_working_day, self.calendar.config)
        return sorted(owed, key=lambda due: (due.due_on, due.form))

    def _request_due_returns(self, contract: Contract, to: date, correlation_id: str) -> int:
        new = []
        for due in self.owed(contract, to):
            request_id = ReturnRequest.create_id(contract.reference, due.key)
            if due.issue_on <= to and contract.owes(due.due_on) and not self.exists(request_id):
                request = ReturnRequest(
                    provider_id=contract.provider_id, contract_reference=contract.reference,
                    key=due.key, form=due.form, period_start=due.period_start,
                    period_end=due.period_end, issue_on=due.issue_on, due_on=due.due_on,
                    kpis=list(due.kpis), correlation_id=correlation_id,
                )
                early = self.submitted_for(contract.reference, due.key)
                if early:  # sent before it was asked for: it counts
                    request.fulfil(str(early[0].id), early[0].submitted_on, correlation_id)
                new.append(request)
        if new:
            self.save(*new)
        return len(new)

    def request_return(self, contract_reference: str, asked: AskedReturn,
                       correlation_id: str) -> tuple[ReturnRequest, bool]:
        """Asks a live contract for a return outside the calendar; asking again returns the
        first request unchanged."""
        contract = self.get_contract(contract_reference)
        if asked.form not in FORMS:
            raise InvalidInput(f"there is no form called {asked.form!r}; known forms: "
                               f"{', '.join(FORMS)}", field="form")
        check_period(asked.period_start, asked.period_end)
        key = return_key(asked.form, asked.period_start, asked.period_end)
        existing = self.find(ReturnRequest, ReturnRequest.create_id(contract_reference, key))
        if existing:
            return existing, False
        today = self.today()
        contract.check_may_be_asked_for_a_return(today)
        _check_form_matches_level(contract, asked.form)
        check_due_on(asked.due_on, today)
        request = ReturnRequest(
            provider_id=contract.provider_id, contract_reference=contract_reference, key=key,
            form=asked.form, period_start=asked.period_start, period_end=asked.period_end,
            issue_on=today, due_on=asked.due_on, kpis=[], correlation_id=correlation_id,
            by=asked.requested_by,
        )
        early = self.submitted_for(contract_reference, key)
        if early:  # sent before it was asked for: it counts, as on the calendar
            request.fulfil(str(early[0].id), early[0].submitted_on, correlation_id)
        return self._save_new(request, lambda: self.request_return(
            contract_reference, asked, correlation_id))

    def submitted_for(self, contract_reference: str, key: str) -> list[MonitoringReturn]:
        """Returns submitted for one contract, form and period, first submission first."""
        return [self.repository.get(uuid.UUID(i))
                for i in self.register_view().returns_of(contract_reference, key)]

    def next_owed(self, contract: Contract, form: str | None = None) -> ReturnDue | None:
        """The next return the contract owes that nobody has sent yet."""
        today = self.today()
        return next((due for due in self.owed(contract, today)
                     if due.due_on >= today and (form is None or due.form == form)
                     and not self.submitted_for(contract.reference, due.key)), None)

    def _requests(self) -> list[ReturnRequest]:
        """The requests still waiting for a return: the only ones the schedule can mark
        overdue, loaded to be changed."""
        return [self.repository.get(r.id) for r in self.register_view().requests(waiting=True)]

    def requests_for(self, contract_reference: str) -> list[RequestRecord]:
        """The contract's return requests, in the order they were made."""
        return self.register_view().requests(contract_reference=contract_reference)

    def allocate(self, request_id: uuid.UUID, coordinator: str, correlation_id: str,
                 release: bool = False) -> ReturnRequest:
        """A coordinator takes (or releases) a return so two people never work the same one."""
        request: ReturnRequest = self.get(ReturnRequest, request_id)
        if release:
            request.release(coordinator, correlation_id)
        else:
            request.allocate(coordinator, correlation_id)
        self.save(request)
        return request

    def return_log(self, log_filter: LogFilter, limit: int | None = None,
                   offset: int = 0) -> list[ReturnLogRow]:
        """The coordinators' return log, ordered by due date then contract: every row the
        filter keeps, or a page of `limit` rows from `offset`."""
        return self.register_view().log_page(log_filter, limit, offset)

    def return_log_count(self, log_filter: LogFilter) -> int:
        """How many rows of the return log the filter keeps."""
        return self.register_view().log_count(log_filter)

    def each_in_return_log(self, log_filter: LogFilter) -> Iterator[ReturnLogRow]:
        """Every row the filter keeps, read from the register a batch at a time (exports)."""
        return self.register_view().each_in_log(log_filter)

    # Returns ----------------------------------------------------------------------------------

    def submit_return(
        self,
        contract_reference: str,
        submission: Submission,
        idempotency_key: str | None,
        correlation_id: str,
        corrects: uuid.UUID | None = None,
    ) -> tuple[MonitoringReturn, bool]:
        """Records a return; a retry with the same idempotency key returns the first one."""
        contract = self.get_contract(contract_reference)
        form, request = self._validated_form(contract, submission)
        original = self.get_return(corrects) if corrects else None
        if original:
            self._check_correction(original, contract, submission.form)
        answers = form.model_dump(mode="json")
        key = idempotency_key or uuid.uuid4().hex
        digest = _digest(contract_reference, submission, answers, corrects)
        existing = self.find(
            MonitoringReturn, MonitoringReturn.create_id(contract.provider_id, key))
        if existing:
            existing.check_same_request(digest)
            return existing, False
        if original:
            original.check_may_be_corrected()
        today = self.today()
        monitoring_return = MonitoringReturn(
            provider_id=contract.provider_id, contract_reference=contract_reference,
            submission_key=key, request_digest=digest, form=submission.form,
            form_version=form.version, period_start=form.period_start,
            period_end=form.period_end, answers=answers,
            sections={name: rating.value for name, rating in form.section_ratings().items()},
            submitted_by=submission.submitted_by, submitted_on=today,
            request_id=str(request.id) if request else None,
            due_on=request.due_on if request else None,
            corrects=str(corrects) if corrects else None, correlation_id=correlation_id,
            logged_by=submission.logged_by,
        )
        if request:
            request.fulfil(str(monitoring_return.id), today, correlation_id)
        if original:
            original.superseded_by(str(monitoring_return.id), correlation_id)
        draft = self.discard_draft_of(monitoring_return, correlation_id)  # sent: not a draft
        try:
            self.save(*(a for a in (monitoring_return, request, original, draft)
                        if a is not None))
        except IntegrityError:  # a concurrent retry or correction got there first
            return self.submit_return(contract_reference, submission, key, correlation_id,
                                      corrects)
        return monitoring_return, True

    def _validated_form(self, contract: Contract,
                        submission: Submission) -> tuple[Any, ReturnRequest | None]:
        """The submitted form, validated, and the council's request for that return if it made
        one (read once here: the return fulfils it)."""
        try:
            version = submission.form_version or _latest_version(submission.form)
            form = parse_form(submission.form, version, submission.answers)
        except UnknownForm as error:
            raise InvalidInput(str(error), field="form") from error
        except ValidationError as error:
            raise _form_errors(error) from error
        check_period(form.period_start, form.period_end)
        key = return_key(submission.form, form.period_start, form.period_end)
        request = self.find(ReturnRequest, ReturnRequest.create_id(contract.reference, key))
        # A return the council asked for is taken even if the level has changed since.
        if request is None:
            _check_form_matches_level(contract, submission.form)
        return form, request

    @staticmethod
    def _check_correction(original: MonitoringReturn, contract: Contract, form: str) -> None:
        if original.contract_reference != contract.reference or original.form != form:
            raise InvalidInput(
                "a correction must be for the same contract and form as the return it corrects",
                field="form",
            )

    def get_return(self, return_id: uuid.UUID) -> MonitoringReturn:
        return self.get(MonitoringReturn, return_id)

    def returns_for(self, contract_reference: str) -> list[MonitoringReturn]:
        """The contract's returns (corrections too), in the order they were sent."""
        self.contract(contract_reference)
        return [self.repository.get(uuid.UUID(i))
                for i in self.register_view().returns_of(contract_reference)]

    def attach_evidence(
        self, return_id: uuid.UUID, content: bytes, media_type: str, filename: str,
        attached_by: str, correlation_id: str,
    ) -> dict[str, Any]:
        """Keeps an evidence file with its SHA-256, size and type, linked to the return: the
        type its content shows, which the declared type and the file's name must agree with."""
        monitoring_return = self.get_return(return_id)
        media_type = evidence_type(content, media_type, filename)
        sha256 = hashlib.sha256(content).hexdigest()
        if monitoring_return.attach_evidence(
            sha256, len(content), media_type, filename, attached_by, correlation_id
        ):
            self.evidence.put(content)
            self.save(monitoring_return)
        return next(e for e in monitoring_return.evidence if e["sha256"] == sha256)

    def evidence_file(self, return_id: uuid.UUID, sha256: str) -> tuple[dict[str, Any], bytes]:
        monitoring_return = self.get_return(return_id)
        item = next((e for e in monitoring_return.evidence if e["sha256"] == sha256), None)
        if item is None:
            raise NotFound(f"return {return_id} has no evidence {sha256}")
        return item, self.evidence.get(sha256)

    # Intelligence ------------------------------------------------------------------------------

    def report_concern(self, report: ReportedConcern) -> ReportedConcern:
        """Records a concern a person reported; the same report again changes nothing."""
        if not self.exists(report.id):
            self.provider(report.provider_id)
            self.save(report)
        return self.repository.get(report.id)

    def record_visit_figures(self, figures: list[VisitFigures]) -> int:
        new = [f for f in figures if not self.exists(f.id)]
        if new:
            self.save(*new)
        return len(new)

    def contract_for_regulator_service(self, service_id: str) -> ContractRecord | None:
        """The contract that holds the regulator's service now, if any does."""
        return self.register_view().contract_regulated_as(service_id)

    # Consumed events ---------------------------------------------------------------------------

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Upstream events intake does not act on are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: risk.RiskLevelAssessed, processing: Processing) -> None:
        assert processing.envelope is not None
        # Only the live contracts whose assessed risk changes are loaded: the others are
        # left as they are (Contract.assess_risk changes nothing for them either).
        for record in self.contracts(event.provider_id):
            if record.ended_on is None and record.assessed_risk != event.level.value:
                contract = self.get_contract(record.reference)
                contract.assess_risk(event.level.value, "risk service",
                                     processing.envelope.correlationid)
                processing.collect_events(contract)

    @policy.register
    def _(self, event: escalation.EscalationApproved, processing: Processing) -> None:
        assert processing.envelope is not None
        if event.step != "suspension":
            return
        provider = self.get_provider(event.provider_id)
        provider.suspend(event.escalation_id, processing.envelope.correlationid)
        processing.collect_events(provider)

    @policy.register
    def _(self, event: escalation.ProviderSuspended | escalation.ProviderDecommissioned
          | escalation.BreachNoticeIssued | risk.ConcernRaised | risk.ConcernResolved,
          processing: Processing) -> None:
        # Facts an agreement with another council may share (services/intake/sharing.py).
        self.consider_sharing(event, processing)

    @policy.register
    def _(self, event: notify.NotificationDelivered, processing: Processing) -> None:
        assert processing.envelope is not None
        if event.about_event_type != "ReturnOverdue" or not event.reference:
            return
        if not event.recipient.startswith("provider-"):
            return
        request = self.find(ReturnRequest, uuid.UUID(event.reference))  # one read, not two
        if request is None:
            return
        request.record_reminder(self.today(), processing.envelope.correlationid)
        processing.collect_events(request)

    # Plumbing ----------------------------------------------------------------------------------

    def _save_new(self, aggregate: Any, retry: Any) -> tuple[Any, bool]:
        try:
            self.save(aggregate)
        except IntegrityError:
            return retry()  # a concurrent request created it first: answer as a retry would
        return aggregate, True

    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        return to_integration(domain_event)


def _digest(reference: str, submission: Submission, answers: dict[str, Any],
            corrects: uuid.UUID | None) -> str:
    canonical = json.dumps(
        {"contract": reference, "form": submission.form, "answers": answers,
         "submitted_by": submission.submitted_by, "corrects": str(corrects or "")},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_form_matches_level(contract: Contract, form: str) -> None:
    """A monitoring level's form goes only to contracts at that level (004 §8); the other
    forms (KPI returns, the light-touch self-assessment) go to a contract at any level."""
    if form in LEVEL_FORMS and form != form_for_level(contract.level):
        raise FormDoesNotMatchLevel(
            f"contract {contract.reference} is monitored at LEVEL {contract.level}, so its "
            f"return is the {form_for_level(contract.level)} form, not {form}",
            field="form",
        )


def _latest_version(form: str) -> int:
    model = FORMS.get(form)
    if model is None:
        raise UnknownForm(f"there is no form called {form!r}; known forms: {', '.join(FORMS)}")
    return model.version


def _form_errors(error: ValidationError) -> InvalidInput:
    problems = [
        (".".join(["answers", *(str(part) for part in item["loc"])]), item["msg"])
        for item in error.errors()
    ]
    field, message = problems[0]
    return InvalidInput(message, field=field, problems=problems)


