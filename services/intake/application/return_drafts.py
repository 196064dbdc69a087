"""Draft returns and the returns a provider owes: what the provider portal reads and keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

from services.intake.application.listings import ContractRecord, DraftRecord, RequestRecord
from services.intake.application.records import IntakeRecords
from services.intake.domain.monitoring_return import MonitoringReturn, check_period
from services.intake.domain.return_draft import ReturnDraft
from services.intake.domain.return_request import RequestStatus
from shared.contracts.forms import FORMS
from shared.domain import InvalidInput
from shared.eventstore import NotFound


class NoDraft(NotFound):
    """Nothing is being written for this contract, form and period."""


@dataclass(frozen=True)
class DraftAnswers:
    """Answers typed so far: not checked against the form until the return is submitted."""

    contract_reference: str
    form: str
    period_start: date
    period_end: date
    answers: dict[str, Any]
    by: str


@dataclass(frozen=True)
class OwedReturn:
    """A return a contract owes: asked for (perhaps overdue), or the next on the calendar."""

    contract_reference: str
    service_type: str
    form: str
    period_start: date
    period_end: date
    due_on: date
    status: str  # requested, overdue or upcoming
    request_id: str | None
    draft_saved_at: datetime | None
    draft_saved_by: str | None


class ReturnDrafts(IntakeRecords):
    """Keeps a provider's draft returns and lists the returns it owes."""

    def save_draft(self, draft: DraftAnswers, correlation_id: str) -> ReturnDraft:
        """Keeps the answers typed so far; saving again replaces them."""
        contract = self.get_contract(draft.contract_reference)
        if draft.form not in FORMS:
            raise InvalidInput(f"there is no form called {draft.form!r}; known forms: "
                               f"{', '.join(FORMS)}", field="form")
        check_period(draft.period_start, draft.period_end)
        found = self.find(ReturnDraft, ReturnDraft.create_id(
            draft.contract_reference, draft.form, draft.period_start, draft.period_end))
        if found is None:
            found = ReturnDraft(
                provider_id=contract.provider_id, contract_reference=draft.contract_reference,
                form=draft.form, period_start=draft.period_start, period_end=draft.period_end,
                answers=draft.answers, by=draft.by, correlation_id=correlation_id)
        else:
            found.save_answers(draft.answers, draft.by, correlation_id)
        try:
            self.save(found)
        except IntegrityError:  # saved at the same moment elsewhere: this one goes on top
            return self.save_draft(draft, correlation_id)
        return found

    def open_draft(self, contract_reference: str, form: str, period_start: date,
                   period_end: date) -> ReturnDraft | None:
        found = self.find(ReturnDraft, ReturnDraft.create_id(
            contract_reference, form, period_start, period_end))
        return found if found is not None and found.open else None

    def get_draft(self, contract_reference: str, form: str, period_start: date,
                  period_end: date) -> ReturnDraft:
        self.contract(contract_reference)
        found = self.open_draft(contract_reference, form, period_start, period_end)
        if found is None:
            raise NoDraft(f"contract {contract_reference} has no draft {form} return for "
                          f"{period_start:%-d %B %Y} to {period_end:%-d %B %Y}")
        return found

    def returns_owed(self, provider_id: str) -> list[OwedReturn]:
        """The returns the provider's contracts were asked for and have not sent, and each
        live contract's next return on the calendar, soonest due first."""
        self.provider(provider_id)
        today = self.today()
        register = self.register_view()
        requests = register.requests(provider_id=provider_id)
        drafts = register.open_drafts(provider_id)
        owed = []
        for contract in register.contracts(provider_id):
            asked = [r for r in requests if r.contract_reference == contract.reference]
            for request in asked:
                if request.submitted_on is None:
                    owed.append(_owed(contract, drafts, request.form, request.period_start,
                                      request.period_end, request.due_on,
                                      _status(request, today), str(request.id)))
            upcoming = None if contract.ended_on else self.next_owed(contract)
            if upcoming and upcoming.key not in {r.key for r in asked}:
                owed.append(_owed(contract, drafts, upcoming.form, upcoming.period_start,
                                  upcoming.period_end, upcoming.due_on, "upcoming", None))
        return sorted(owed, key=lambda o: (o.due_on, o.contract_reference, o.form))

    def discard_draft_of(self, submitted: MonitoringReturn,
                         correlation_id: str) -> ReturnDraft | None:
        """The draft a return just submitted came from, marked done with (or None)."""
        draft = self.open_draft(submitted.contract_reference, submitted.form,
                                submitted.period_start, submitted.period_end)
        if draft is not None:
            draft.discard_as_submitted(str(submitted.id), correlation_id)
        return draft


def _owed(contract: ContractRecord, drafts: dict[Any, DraftRecord], form: str, start: date,
          end: date, due_on: date, status: str, request_id: str | None) -> OwedReturn:
    draft = drafts.get((contract.reference, form, start, end))
    return OwedReturn(
        contract_reference=contract.reference, service_type=contract.service_type,
        form=form, period_start=start, period_end=end, due_on=due_on, status=status,
        request_id=request_id, draft_saved_at=draft.saved_at if draft else None,
        draft_saved_by=draft.saved_by if draft else None)


def _status(request: RequestRecord, today: date) -> str:
    if request.status is RequestStatus.OVERDUE or request.due_on < today:
        return "overdue"
    return "requested"
