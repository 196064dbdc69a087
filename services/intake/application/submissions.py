"""Returns as providers send them: validated against their form, corrections, and the
evidence files attached to them."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from services.intake.application.return_drafts import ReturnDrafts
from services.intake.domain.calendar import return_key
from services.intake.domain.contract import Contract
from services.intake.domain.evidence_type import evidence_type
from services.intake.domain.monitoring_return import (
    MonitoringReturn,
    check_form_matches_level,
    check_period,
)
from services.intake.domain.return_request import ReturnRequest
from services.intake.domain.section_ratings import section_ratings
from shared.contracts.forms import FORMS, UnknownForm, parse_form
from shared.domain import InvalidInput
from shared.eventstore import NotFound


@dataclass(frozen=True)
class Submission:
    """A return as a provider sends it: the form, its version and its answers."""

    form: str
    form_version: int | None
    answers: dict[str, Any]
    submitted_by: str
    logged_by: str | None = None  # the signed-in person sending it


class Submissions(ReturnDrafts):
    """Records the returns providers send, and their evidence (a return sent ends its draft)."""

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
            sections={name: rating.value for name, rating in section_ratings(form).items()},
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
            check_form_matches_level(contract.reference, contract.level, submission.form)
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


def _digest(reference: str, submission: Submission, answers: dict[str, Any],
            corrects: uuid.UUID | None) -> str:
    canonical = json.dumps(
        {"contract": reference, "form": submission.form, "answers": answers,
         "submitted_by": submission.submitted_by, "corrects": str(corrects or "")},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()

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
