"""A monitoring return: what a provider told the council about one contract and period (§4)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.intake.domain.evidence_type import EVIDENCE_TYPES
from shared.domain import InvalidInput, Refused, stable_id
from shared.vocabulary import LEVEL_FORMS, form_for_level

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class IdempotencyKeyReused(Refused):
    """The idempotency key was used before for a different submission."""


class FormDoesNotMatchLevel(InvalidInput):
    """The form submitted is not the one the contract's monitoring level asks for."""


def check_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise InvalidInput("the period must end on or after its start", field="period_end")


def check_form_matches_level(reference: str, level: int | None, form: str) -> None:
    """A monitoring level's form goes only to contracts at that level (004 §8); the other
    forms (KPI returns, the light-touch self-assessment) go to a contract at any level."""
    if form in LEVEL_FORMS and form != form_for_level(level):
        raise FormDoesNotMatchLevel(
            f"contract {reference} is monitored at LEVEL {level}, so its "
            f"return is the {form_for_level(level)} form, not {form}",
            field="form",
        )


def check_evidence(media_type: str, size: int) -> None:
    if media_type not in EVIDENCE_TYPES:
        raise InvalidInput(
            f"evidence of type {media_type!r} is not accepted (PDF, images, office documents, "
            "text or CSV)", field="file",
        )
    if size == 0:
        raise InvalidInput("the file is empty", field="file")
    if size > MAX_EVIDENCE_BYTES:
        raise InvalidInput("evidence files are limited to 10 MB", field="file")


class MonitoringReturn(Aggregate):
    """A submitted return; never edited in place (a correction is a new, linked submission)."""

    @staticmethod
    def create_id(provider_id: str, submission_key: str, **_: object) -> UUID:
        return stable_id("return", provider_id, submission_key)

    @event("Submitted")
    def __init__(
        self,
        provider_id: str,
        contract_reference: str,
        submission_key: str,
        request_digest: str,
        form: str,
        form_version: int,
        period_start: date,
        period_end: date,
        answers: dict[str, Any],
        sections: dict[str, str],
        submitted_by: str,
        submitted_on: date,
        request_id: str | None,
        due_on: date | None,
        corrects: str | None,
        correlation_id: str,
        logged_by: str | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.submission_key = submission_key
        self.request_digest = request_digest
        self.form = form
        self.form_version = form_version
        self.period_start = period_start
        self.period_end = period_end
        self.answers = answers
        self.sections = dict(sections)
        self.submitted_by = submitted_by  # the signatory the form names: data, not identity
        self.logged_by = logged_by  # the signed-in person who sent it (older returns: None)
        self.submitted_on = submitted_on
        self.request_id = request_id
        self.due_on = due_on
        self.corrects = corrects
        self.corrected_by: str | None = None
        self.evidence: list[dict[str, Any]] = []

    @property
    def late(self) -> bool:
        return self.due_on is not None and self.submitted_on > self.due_on

    def check_same_request(self, request_digest: str) -> None:
        if request_digest != self.request_digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different return",
                field="Idempotency-Key",
            )

    def check_may_be_corrected(self) -> None:
        if self.corrected_by:
            raise Refused(
                f"this return was already corrected by {self.corrected_by}; correct that one",
                field="return_id",
            )

    def superseded_by(self, correction_id: str, correlation_id: str) -> None:
        """Links the original to its correction; the original's content stays as it was."""
        self._corrected(provider_id=self.provider_id, correction_id=correction_id,
                        correlation_id=correlation_id)

    @event("Corrected")
    def _corrected(self, provider_id: str, correction_id: str, correlation_id: str) -> None:
        self.corrected_by = correction_id

    def attach_evidence(
        self, sha256: str, size: int, media_type: str, filename: str, attached_by: str,
        correlation_id: str,
    ) -> bool:
        check_evidence(media_type, size)
        if any(item["sha256"] == sha256 for item in self.evidence):
            return False
        self._evidence_attached(
            provider_id=self.provider_id, sha256=sha256, size=size, media_type=media_type,
            filename=filename, attached_by=attached_by, correlation_id=correlation_id,
        )
        return True

    @event("EvidenceAttached")
    def _evidence_attached(
        self, provider_id: str, sha256: str, size: int, media_type: str, filename: str,
        attached_by: str, correlation_id: str,
    ) -> None:
        self.evidence.append(
            {"sha256": sha256, "size": size, "media_type": media_type, "filename": filename}
        )
