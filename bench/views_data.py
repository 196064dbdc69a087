"""bench.views' national store: years of history made fast through the services' own code.

The same history bench.national's loader makes (bench/national_data.py: its providers, contracts
of every service type and level, return calendar, returns late, missed and poor), plus what
officers do with it: reported concerns, proposals decided, interventions closed, notifications
read, and every in-app notification's e-mail sent. Made a batch of providers at a time:

- intake's own commands register, award, issue the calendar's requests (the tick's own steps,
  `_returns_to_ask_for` and `mark_overdue`), take returns (`submit_return`) and concerns;
- every event a service publishes is handed, as the integration event its relay would put on
  JetStream (`to_integration`, in an envelope with the relay's event id), to the `policy` of
  each service that consumes it, in order, as the tracked consumers would: risk scores each
  return and raises concerns under the council's rules, escalation opens interventions and
  proposes steps, notify routes and composes notifications, intake records reminders;
- escalation's and notify's own commands decide proposals, close interventions, mark
  notifications read; notify's delivery code derives each notification's e-mail, sent at once.

All of it reads and writes in memory (bench/views_memory.py) and is then stored through each
application's mapper and recorder, a thousand events to a transaction: the stored events are the
services' own (mapper, hash chain, recorder). Each provider's choices come from a random
generator seeded by the seed and the provider, so the data set does not depend on the batch size.
Last, the relays, consumers and notify's dispatcher are left where running would have left them
(bench/views_streams.py), so `assure up` neither publishes nor applies the history again.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from assure.services import ALL
from bench.national_data import (
    BY,
    LATE,
    MISSED,
    Shape,
    answers_for,
    awards,
    build_apps,
    kind_of,
    provider_id,
    quality,
    steps,
)
from bench.views_memory import InMemory
from bench.views_streams import leave_as_run
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.intervention import Intervention
from services.intake.application import Award, Submission
from services.intake.application import submissions as intake_module
from services.intake.domain.calendar import financial_year_of
from services.intake.domain.clock import Clock
from services.intake.domain.intelligence import ReportedConcern
from services.intake.domain.return_request import ReturnRequest
from services.notify.domain.delivery import Status
from services.notify.domain.notification import Notification
from services.notify.domain.routing import is_provider
from shared.contracts.envelope import Envelope, event_id_for
from shared.contracts.forms import parse_form
from shared.domain import Refused
from shared.eventstore import Processing, ServiceApplication
from shared.settings import AssureSettings

RUN = "v"  # provider ids nat-v-00000 ...: the same in every data set, so a cached one is found
TODAY = date(2026, 11, 23)  # the council's date the history runs to (the training clock's)
# Of the generator: a cached data set made by another version is made again. 4: every e-mail
# is sent (version 3 and earlier left each one's first attempt open, so `assure up` sent them
# all again).
VERSION = 4
MARKER = "data-set.json"
# What officers do, out of 100: concerns reported about a provider at each calendar step,
# proposals approved or rejected at the next step (the rest wait), open interventions closed at
# a step, notifications read by the council's officers and by providers' users.
REPORTED, APPROVED, REJECTED, CLOSED, READ_COUNCIL, READ_PROVIDER = 1, 50, 20, 10, 60, 40
APPROVER = ("Head of Strategic Planning", "head_of_strategic_planning")


@dataclass
class Made:
    """What generation made, for the record and the printout."""

    providers: int = 0
    contracts: int = 0
    requested: int = 0
    returns: int = 0
    late: int = 0
    missed: int = 0
    concerns_reported: int = 0
    decisions: int = 0
    closed: int = 0
    read: int = 0
    deliveries: int = 0
    events: Counter[str] = field(default_factory=Counter)  # stored events per service
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process: steadier than the wall time on a shared machine

    def as_dict(self) -> dict[str, Any]:
        total = sum(self.events.values())
        return {**{k: v for k, v in vars(self).items() if k != "events"},
                "events": dict(self.events), "events_total": total,
                "events_per_second": round(total / self.seconds) if self.seconds else None,
                "events_per_cpu_second": round(total / self.cpu_seconds)
                if self.cpu_seconds else None}


def consumers() -> dict[tuple[str, str], list[str]]:
    """(upstream service, event type) -> the services whose consumers take it."""
    found: dict[tuple[str, str], list[str]] = {}
    for definition in ALL:
        for upstream, types in definition.consumes.items():
            for kind in types:
                found.setdefault((upstream, kind.event_type), []).append(definition.name)
    return found


class Batch:
    """Providers [first, last) made from registration to the council's date."""

    def __init__(self, memory: dict[str, InMemory], shape: Shape, first: int, last: int,
                 contracts: list[Award], made: Made) -> None:
        self.memory, self.shape, self.made = memory, shape, made
        self.apps: dict[str, Any] = {name: m.app for name, m in memory.items()}
        self.indexes = range(first, last)
        self.contracts = contracts
        self.rng = {provider_id(RUN, i): random.Random(f"{shape.seed}:{i}") for i in self.indexes}
        self.routes = consumers()
        self.day = shape.start
        self.requested: list[ReturnRequest.Requested] = []
        self.late: list[ReturnRequest.Requested] = []
        self.notes: list[Any] = []  # in-app notifications made since the last deliveries
        self.to_read: list[tuple[uuid.UUID, str]] = []
        self.waiting: list[uuid.UUID] = []  # proposals made at this step, decided at the next
        self.opened: list[uuid.UUID] = []  # interventions, open until closed at a later step

    def make(self) -> None:
        self.apps["intake"].today = lambda: self.day  # the training clock, at each step
        self._register()
        requested = self.made.requested
        for day in steps(self.shape):
            self._step(day)
        self._last_run()
        if self.contracts and self.made.requested == requested:
            # The commands read what they need through the application, which answers from the
            # batch in memory; a command that reads a view instead would find it empty here.
            raise RuntimeError("the return calendar asked these contracts for nothing: does "
                               "intake's tick now read a view? bench/views_memory.py must "
                               "answer that read from the batch too")

    def _register(self) -> None:
        intake = self.apps["intake"]
        for index in self.indexes:
            intake.register_provider(f"National provider {index:05d}", provider_id(RUN, index),
                                     BY, _correlation())
        for award in self.contracts:
            intake.award_contract(award, BY, _correlation())
        self.made.providers += len(self.indexes)
        self.made.contracts += len(self.contracts)
        self._hand_on()

    def _step(self, day: date) -> None:
        self.day = day
        self._officers_act()
        self._tick(day)
        self._hand_on()
        late, self.late = self.late, []
        for request in late:  # sent after the due date, once the clock has passed it
            self._submit(request, late=True)
        requested, self.requested = self.requested, []
        for request in requested:
            self._answer(request)
        self._report_concerns()
        self._hand_on()
        self._deliver()
        self._hand_on()

    def _last_run(self) -> None:
        """The schedule run once more at the last day, after the day's events (a level moved by
        a risk score asks for that level's returns), as a running system's daily run leaves
        it: `make_clock` records this run, so a tick on the data set reads only what is due
        after it, as on a running system (a clock that cannot vouch for one has every contract
        read, which is not a day's tick)."""
        self._tick(self.day)
        self._hand_on()

    def _tick(self, day: date) -> None:
        """What intake's tick does for these providers' contracts (the clock is moved once, for
        every batch, by `make_clock`)."""
        intake, correlation = self.apps["intake"], _correlation()
        for contract in intake.contracts():
            intake.save(*intake._returns_to_ask_for(contract, day, correlation))
        for request in intake._requests():
            if request.mark_overdue(day, correlation):
                intake.save(request)

    # Providers' returns -------------------------------------------------------------------

    def _answer(self, request: ReturnRequest.Requested) -> None:
        roll = self.rng[request.provider_id].randrange(1000)
        if roll < MISSED:
            self.made.missed += 1
        elif roll < MISSED + LATE:
            self.late.append(request)
        else:
            self._submit(request)

    def _submit(self, request: ReturnRequest.Requested, late: bool = False) -> None:
        provider = request.provider_id
        kind = kind_of(self.rng[provider], quality(RUN, int(provider.rsplit("-", 1)[1])))
        answers = _answers(request.form, request.period_start, request.period_end, kind,
                           tuple(request.kpis))
        self.apps["intake"].submit_return(
            request.contract_reference,
            Submission(request.form, None, answers, "Registered manager"),
            idempotency_key=str(request.originator_id), correlation_id=_correlation())
        self.made.returns += 1
        self.made.late += late

    def _report_concerns(self) -> None:
        for provider, rng in self.rng.items():
            if rng.randrange(100) >= REPORTED:
                continue
            safety = rng.random() < 0.3
            self.apps["intake"].report_concern(ReportedConcern(
                report_key=f"{provider}:{self.day.isoformat()}", provider_id=provider,
                contract_reference=None, source="operational-staff",
                description="Staff visiting found people waiting for their lunchtime care"
                if safety else "A family complained that visits are often late",
                safety_at_risk=safety, reported_by="Locality team", correlation_id=_correlation(),
                recorded_by="Locality team"))
            self.made.concerns_reported += 1

    # Officers -----------------------------------------------------------------------------

    def _officers_act(self) -> None:
        """Proposals made at the previous step decided, interventions closed, messages read."""
        escalation, notify = self.apps["escalation"], self.apps["notify"]
        waiting, self.waiting = self.waiting, []
        for escalation_id in waiting:
            self._decide(escalation, escalation_id)
        still_open = []
        for intervention_id in self.opened:
            intervention = escalation.repository.get(intervention_id)
            if self.rng[intervention.provider_id].randrange(100) < CLOSED and self._close(
                    escalation, intervention):
                continue
            still_open.append(intervention_id)
        self.opened = still_open
        to_read, self.to_read = self.to_read, []
        for notification_id, reader in to_read:
            notify.mark_read(notification_id, reader)
        self.made.read += len(to_read)

    def _decide(self, escalation: Any, escalation_id: uuid.UUID) -> None:
        proposal: Escalation = escalation.repository.get(escalation_id)
        if not proposal.pending:
            return
        roll = self.rng[proposal.provider_id].randrange(100)
        if roll < APPROVED:
            escalation.approve(escalation_id, *APPROVER, _correlation(), on=self.day,
                               reason="the evidence supports it")
        elif roll < APPROVED + REJECTED:
            escalation.reject(escalation_id, *APPROVER, "not proportionate yet", _correlation(),
                              on=self.day)
        else:
            return
        self.made.decisions += 1

    def _close(self, escalation: Any, intervention: Intervention) -> bool:
        try:
            escalation.close_intervention(intervention.id, "the provider has improved",
                                          "Commissioning officer", self.day, _correlation())
        except Refused:
            return False  # a plan, notice or decision still open keeps it open
        self.made.closed += 1
        return True

    # Notify's e-mail ----------------------------------------------------------------------

    def _deliver(self) -> None:
        """Each new in-app notification's e-mail, derived as notify's dispatcher derives it and
        sent at once (the SMTP server accepted it)."""
        notify, now = self.apps["notify"], datetime.now(UTC)
        notes, self.notes = self.notes, []
        facts = {p: notify.provider_facts(p) for p in {n.provider_id for n in notes}}
        deliveries = [d for note in notes
                      for d in notify._deliveries_for(note, facts[note.provider_id], now)]
        for delivery in deliveries:
            if delivery.status == Status.PENDING:
                delivery.begin_attempt(now, notify.retry_policy)
            if delivery.status == Status.DISPATCHING:  # Delivery.queue begins the first attempt
                delivery.sent(delivery.attempts, now)
        if deliveries:
            notify.save(*deliveries)
        self.made.deliveries += len(deliveries)

    # The relays and consumers -------------------------------------------------------------

    def _hand_on(self) -> None:
        """Every event made so far to the services that consume it, until nothing new is made."""
        busy = True
        while busy:
            busy = False
            for upstream, memory in self.memory.items():
                for domain_event in memory.unread():
                    busy = True
                    self._noted(upstream, domain_event)
                    self._publish(upstream, memory.app, domain_event)

    def _noted(self, upstream: str, domain_event: Any) -> None:
        """What the batch itself follows: requests to answer, proposals, notifications."""
        if isinstance(domain_event, ReturnRequest.Requested):
            self.requested.append(domain_event)
            self.made.requested += 1
        elif isinstance(domain_event, Escalation.Proposed):
            self.waiting.append(domain_event.originator_id)
        elif isinstance(domain_event, Intervention.Opened):
            self.opened.append(domain_event.originator_id)
        elif isinstance(domain_event, Notification.Delivered):
            self.notes.append(domain_event)
            self._maybe_read(domain_event)

    def _maybe_read(self, note: Notification.Delivered) -> None:
        rng = self.rng[note.provider_id]
        if is_provider(note.recipient):
            if rng.randrange(100) < READ_PROVIDER:
                self.to_read.append((note.originator_id, f"manager-{note.provider_id}"))
        elif rng.randrange(100) < READ_COUNCIL:
            self.to_read.append((note.originator_id, f"officer-{rng.randrange(40):02d}"))

    def _publish(self, upstream: str, app: ServiceApplication, domain_event: Any) -> None:
        contract = app.to_integration(domain_event)
        if contract is None:
            return
        takers = self.routes.get((upstream, contract.event_type))
        if not takers:
            return
        event_id = event_id_for(domain_event.originator_id, domain_event.originator_version)
        # The envelope a consumer decodes (shared.contracts.envelope.wrap), built without
        # re-validating the contract the relay has just made: policies read its id, time and
        # correlation and the contract itself.
        envelope = Envelope.model_construct(
            id=event_id, type=contract.event_type, dataversion=contract.version,
            source=f"assure/{upstream}", subject=contract.provider_id,
            time=domain_event.timestamp,
            correlationid=getattr(domain_event, "correlation_id", None) or event_id,
            causationid=getattr(domain_event, "causation_id", None), data={})
        for name in takers:
            processing = _Collected(None, envelope)
            self.memory[name].app.policy(contract, processing)
            self.memory[name].collect(processing)


class _Collected(Processing):
    """A consumer's `Processing`, collecting only aggregates (what every policy collects)
    without the library's protocol checks, which cost more here than the policies' own work."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if obj is not None:
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
        self.saved_kwargs.update(kwargs)


@cache
def _answers(form: str, start: date, end: date, kind: str, kpis: tuple[str, ...]
             ) -> dict[str, Any]:
    """A return's answers (bench.national's), the same for every contract that owes that form
    and period: intake validates and copies them, and nothing changes them."""
    return answers_for(form, start, end, kind, kpis)


def _correlation() -> str:
    return uuid.uuid4().hex


# The whole data set ---------------------------------------------------------------------------


def settings_for(where: Path, postgres: dict[str, Any] | None, prefix: str,
                 shape: Shape) -> AssureSettings:
    """The stores' settings: SQLite files in `where`, or PostgreSQL schemas named `prefix`*; a
    training clock that starts where the history starts."""
    store: dict[str, Any] = {}
    if postgres:
        store = {"postgres_host": postgres["host"], "postgres_port": postgres["port"],
                 "postgres_user": postgres["user"], "postgres_password": postgres["password"],
                 "postgres_dbname": postgres["dbname"], "postgres_schema_prefix": prefix}
    return AssureSettings(data_dir=where, clock="training", clock_start=shape.start,
                          run_background_jobs=False, **store)


def make(settings: AssureSettings, shape: Shape, batch: int = 100,
         say: Callable[[str], None] = print) -> Made:
    """Makes the data set in the settings' stores; returns what it made."""
    apps = build_apps(settings, fast=True)
    made, began, cpu = Made(), time.perf_counter(), time.process_time()
    try:
        with shortcuts(apps):
            _make(apps, shape, batch, made, began, say)
        leave_as_run(apps, settings)
        made.seconds = time.perf_counter() - began
        made.cpu_seconds = time.process_time() - cpu
    finally:
        for app in apps.values():
            app.close()
    return made


def _make(apps: dict[str, Any], shape: Shape, batch: int, made: Made, began: float,
          say: Callable[[str], None]) -> None:
    memory = {name: InMemory(app) for name, app in apps.items()}
    try:
        every = _contracts_by_provider(shape)
        for first in range(0, shape.providers, batch):
            last = min(first + batch, shape.providers)
            Batch(memory, shape, first, last, [a for i in range(first, last)
                                               for a in every.get(i, [])], made).make()
            for name, each in memory.items():
                made.events[name] += each.write()
            made.seconds = time.perf_counter() - began
            say(f"  {last:,} of {shape.providers:,} providers: {sum(made.events.values()):,} "
                f"events in {made.seconds:.0f} s "
                f"({sum(made.events.values()) / made.seconds:,.0f} events/s)")
        made.events["intake"] += make_clock(memory["intake"], shape)
    finally:
        for each in memory.values():
            each.restore()


def _contracts_by_provider(shape: Shape) -> dict[int, list[Award]]:
    found: dict[int, list[Award]] = {}
    for award in awards(RUN, shape):
        found.setdefault(int(award.provider_id.rsplit("-", 1)[1]), []).append(award)
    return found


@contextlib.contextmanager
def shortcuts(apps: dict[str, Any]) -> Iterator[None]:
    """Work the services repeat for the same input, done once while the data set is made; what
    they store is the same to the byte.

    - What a contract owes depends only on its level, dates, KPI returns and the year.
    - A return's answers are validated once for each form, period and kind: the data set's
      returns share their answers (`_answers`), and the validated form is only read.
    """
    _intake_owes_from_memory(apps["intake"])
    validated: dict[tuple[str, int, int], Any] = {}

    def parse_once(form: str, version: int, data: dict[str, Any]) -> Any:
        key = (form, version, id(data))
        if key not in validated:
            validated[key] = parse_form(form, version, data)
        return validated[key]

    intake_module.parse_form = parse_once
    try:
        yield
    finally:
        intake_module.parse_form = parse_form


def _intake_owes_from_memory(intake: Any) -> None:
    """What a contract owes depends only on its level, dates, KPI returns and the year: worked
    out by intake's own `owed` once for each, not at every step for every contract."""
    owed = intake.owed

    @cache
    def by_terms(level: int | None, start: date, end: date | None, kpi: bool, year: int,
                 until: date) -> list[Any]:
        return owed(_Terms(level, start, end, kpi), until)

    def cached(contract: Any, until: date) -> list[Any]:
        year_start = date(financial_year_of(until), 4, 1)  # the same for every day of a year
        return by_terms(contract.level, contract.start_date, contract.end_date,
                        contract.kpi_returns, financial_year_of(until), year_start)

    intake.owed = cached


@dataclass(frozen=True)
class _Terms:
    """The parts of a contract `Intake.owed` reads."""

    level: int | None
    start_date: date
    end_date: date | None
    kpi_returns: bool


def make_clock(intake: InMemory, shape: Shape) -> int:
    """The training clock, started where the history starts and moved to each calendar step,
    with the run to the last day that every batch ended with (`Batch._last_run`) recorded as
    the last that finished, having read the whole store written before it."""
    clock = Clock(today=shape.start)
    for day in steps(shape):
        clock.advance(day)
    clock.finish_run(intake.app.recorder.max_notification_id() or 0,
                     intake.app._placing.fingerprint)
    intake.save(clock)
    return intake.write()


def marker(where: Path) -> dict[str, Any] | None:
    """What a complete data set in `where` was made with, or None if there is none."""
    path = where / MARKER
    return json.loads(path.read_text()) if path.exists() else None


def mark(where: Path, shape: Shape, made: Made, store: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    (where / MARKER).write_text(json.dumps({
        "version": VERSION, "providers": shape.providers, "years": shape.years,
        "seed": shape.seed, "today": str(shape.today), "store": store,
        "made": made.as_dict()}, indent=2, default=str))
