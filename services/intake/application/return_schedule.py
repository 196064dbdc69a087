"""The return calendar: the council's clock, and each run of the schedule that asks contracts
for the returns they owe and marks the late ones overdue."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from eventsourcing.persistence import IntegrityError

from services.intake.application.due_dates import DueDates, contracts_to_check
from services.intake.application.records import IntakeRecords
from services.intake.domain.clock import Clock
from services.intake.domain.contract import Contract
from services.intake.domain.return_request import ReturnRequest
from services.intake.domain.return_rounds import Calendar, LastRun, calendar_fingerprint
from shared.clock import check_sane
from shared.domain import Refused


@dataclass(frozen=True)
class TickResult:
    today: date
    requested: int
    overdue: int


class ReturnSchedule(IntakeRecords):
    """Moves the council's clock and runs the schedule up to its date."""

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
