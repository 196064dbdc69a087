"""The return calendar: the council's clock, and each run of the schedule that asks contracts
for the returns they owe and marks the late ones overdue."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial
from typing import Any

from eventsourcing.persistence import IntegrityError

from services.intake.application.due_dates import DueDates, DueView, contracts_to_check
from services.intake.application.records import IntakeRecords
from services.intake.application.register_view import RegisterView
from services.intake.domain.calendar import return_key
from services.intake.domain.clock import Clock
from services.intake.domain.contract import Contract
from services.intake.domain.monitoring_return import MonitoringReturn
from services.intake.domain.return_request import ReturnRequest
from services.intake.domain.return_rounds import Calendar, LastRun, calendar_fingerprint
from shared.clock import check_sane
from shared.domain import Refused
from shared.topics import topics_of
from shared.views.store import mutated


@dataclass(frozen=True)
class TickResult:
    today: date
    requested: int
    overdue: int


class ReturnSchedule(IntakeRecords):
    """Moves the council's clock and runs the schedule up to its date."""

    # Requests (new, or fallen overdue) saved in one transaction: a deadline day at national
    # size makes tens of thousands, too many for one (PostgreSQL locks the table to insert).
    requests_per_commit = 500

    def exists_clock(self) -> bool:
        return self.exists(Clock.create_id())

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
        clock records the run once it is done (due_dates.py says why that is all it reads)."""
        clock = self.find(Clock, Clock.create_id())
        last = LastRun.of(clock)
        view = self.views.get(DueDates)
        read_through = self.views.followers[DueDates].position
        clock = clock or Clock(today=check_sane(to, "to"))
        clock.advance(to)
        self.save(clock)
        checked = contracts_to_check(view, last, to, self._placing)
        requested = self._request_due_returns(view, checked, to, correlation_id)
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

    def _request_due_returns(self, view: DueView, contract_ids: list[uuid.UUID], to: date,
                             correlation_id: str) -> int:
        """Asks each contract for what it owes by `to`, a commit for many contracts' requests."""
        saving = Commits(self, self.requests_per_commit,
                         saved=partial(self._fulfil_sent_meanwhile, correlation_id=correlation_id))
        register, begun = None, -1
        for contract_id in contract_ids:
            if saving.begun != begun:  # a batch begun: the register has what was sent before
                register, begun = self.register_view(), saving.begun
            contract: Contract = self.repository.get(contract_id, projector_func=mutated)
            asked = set(view.requests_of(contract.reference))
            saving.add(*self._returns_to_ask_for(contract, to, correlation_id, asked, register))
        return saving.finish()

    def _fulfil_sent_meanwhile(self, requests: list[ReturnRequest], since: int,
                               correlation_id: str) -> None:
        """Returns stored after `since`, while the batch was being made, for requests it made
        not fulfilled: the submission found no request to fulfil (the batch was not saved
        yet), so the first such return fulfils it now, as one sent earlier did when made."""
        waiting = {(r.contract_reference, r.key): r.id for r in requests
                   if r.submitted_return is None}
        for sent in self._returns_stored_after(since):
            request_id = waiting.pop((sent.contract_reference, return_key(
                sent.form, sent.period_start, sent.period_end)), None)
            if request_id is None:
                continue
            request: ReturnRequest = self.repository.get(request_id, projector_func=mutated)
            request.fulfil(str(sent.originator_id), sent.submitted_on, correlation_id)
            self.save(request)

    def _returns_stored_after(self, position: int) -> Iterator[MonitoringReturn.Submitted]:
        """Returns submitted after a position in the log, in the order they were stored."""
        while page := self.recorder.select_notifications(
                position + 1, 100, topics=topics_of(MonitoringReturn.Submitted)):
            yield from (self.mapper.to_domain_event(n) for n in page)
            position = page[-1].id

    def _mark_overdue(self, to: date, correlation_id: str) -> int:
        def marked(request_id: uuid.UUID) -> ReturnRequest | None:
            request: ReturnRequest = self.repository.get(request_id, projector_func=mutated)
            return request if request.mark_overdue(to, correlation_id) else None

        saving = Commits(self, self.requests_per_commit, again=marked)
        # The view caught up again: a request this run made may be overdue already (the clock
        # moved past its due date).
        for request_id in self.views.get(DueDates).falling_overdue(to):
            request = marked(request_id)
            if request is not None:
                saving.add(request)
        return saving.finish()

    def _returns_to_ask_for(self, contract: Contract, to: date, correlation_id: str,
                            asked: Collection[uuid.UUID] = (),
                            register: RegisterView | None = None) -> list[ReturnRequest]:
        """The requests the contract is owed by `to` and not yet asked for, made (not saved).
        `asked` holds requests known to be stored (the due-date view's); any other is looked
        up in the store, which a concurrent run may have written since the view was read.
        Returns sent early are read from `register` if given (the run's batch reads one caught
        up as it begins, and those sent later once it is saved), else the register now."""
        new = []
        for due in self.owed(contract, to):
            if due.issue_on > to or not contract.owes(due.due_on):
                continue
            request_id = ReturnRequest.create_id(contract.reference, due.key)
            if request_id in asked or self.exists(request_id):
                continue
            request = ReturnRequest(
                provider_id=contract.provider_id, contract_reference=contract.reference,
                key=due.key, form=due.form, period_start=due.period_start,
                period_end=due.period_end, issue_on=due.issue_on, due_on=due.due_on,
                kpis=list(due.kpis), correlation_id=correlation_id,
            )
            early = self.submitted_for(contract.reference, due.key, register)
            if early:  # sent before it was asked for: it counts
                request.fulfil(str(early[0].id), early[0].submitted_on, correlation_id)
            new.append(request)
        return new


class Commits:
    """Saves a run's changed aggregates a batch at a time, in the order they were added: one
    transaction per item made a deadline day thousands of commits (and the views and the relay
    woke for each). A run cut short keeps the batches committed; the next run does the rest.

    `again` works one out afresh from the store by its id (None: nothing to save now): a batch
    another writer clashed with (a return sent for a request being marked overdue) is then
    saved an aggregate at a time, as before batches, so one clash does not fail the run.
    `saved` is told of each batch saved, with the store's position when it was begun, so what
    others stored meanwhile can be caught up with."""

    def __init__(self, app: ReturnSchedule, size: int,
                 again: Callable[[uuid.UUID], Any | None] | None = None,
                 saved: Callable[[list[Any], int], None] | None = None) -> None:
        self.app, self.size, self.again, self.on_saved = app, size, again, saved
        self.pending: list[Any] = []
        self.saved = 0
        self.begun = self._position()

    def add(self, *aggregates: Any) -> None:
        self.pending += aggregates
        if len(self.pending) >= self.size:
            self._save()

    def finish(self) -> int:
        """Saves what is left; how many were saved in all."""
        self._save()
        return self.saved

    def _position(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def _save(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            self.app.save(*batch)
            self.saved += len(batch)
        except IntegrityError:
            if self.again is None:
                raise
            for aggregate in batch:  # their events went with the failed transaction
                fresh = self.again(aggregate.id)
                if fresh is not None:
                    self.app.save(fresh)
                    self.saved += 1
        if self.on_saved is not None:
            self.on_saved(batch, self.begun)
        self.begun = self._position()
