"""Returns asked for: an officer's request outside the calendar, a coordinator's allocation,
and the coordinators' return log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from services.intake.application.listings import RequestRecord
from services.intake.application.records import IntakeRecords
from services.intake.application.return_log import LogFilter, ReturnLogRow
from services.intake.domain.calendar import return_key
from services.intake.domain.monitoring_return import check_form_matches_level, check_period
from services.intake.domain.return_request import ReturnRequest, check_due_on
from shared.contracts.forms import FORMS
from shared.domain import InvalidInput


@dataclass(frozen=True)
class AskedReturn:
    """A return an officer asks a contract for outside the calendar (a self-assessment, say)."""

    form: str
    period_start: date
    period_end: date
    due_on: date
    requested_by: str


class ReturnRequests(IntakeRecords):
    """Asks contracts for returns, allocates them to coordinators and lists them."""

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
        check_form_matches_level(contract.reference, contract.level, asked.form)
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
