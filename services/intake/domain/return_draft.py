"""A return a provider has started but not yet sent: kept between sittings (§4).

A draft is not a submission: its answers are not checked against the form, it is never scored
and never leaves intake (no integration event). Submitting the return discards it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import stable_id


class ReturnDraft(Aggregate):
    """The answers typed so far for one contract, form and period."""

    @staticmethod
    def create_id(contract_reference: str, form: str, period_start: date, period_end: date,
                  **_: object) -> UUID:
        return stable_id("return-draft", contract_reference, form, period_start.isoformat(),
                         period_end.isoformat())

    @event("Started")
    def __init__(
        self,
        provider_id: str,
        contract_reference: str,
        form: str,
        period_start: date,
        period_end: date,
        answers: dict[str, Any],
        by: str,
        correlation_id: str,
    ) -> None:
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.form = form
        self.period_start = period_start
        self.period_end = period_end
        self.answers = answers
        self.saved_by = by
        self.submitted_as: str | None = None

    @property
    def open(self) -> bool:
        """Still being written: not yet sent as a return."""
        return self.submitted_as is None

    def save_answers(self, answers: dict[str, Any], by: str, correlation_id: str) -> None:
        """Keeps the answers as they now stand (a draft sent already starts again)."""
        self._saved(provider_id=self.provider_id, answers=answers, by=by,
                    correlation_id=correlation_id)

    @event("Saved")
    def _saved(self, provider_id: str, answers: dict[str, Any], by: str,
               correlation_id: str) -> None:
        self.answers = answers
        self.saved_by = by
        self.submitted_as = None

    def discard_as_submitted(self, return_id: str, correlation_id: str) -> None:
        """The return was sent: the draft is done with."""
        if self.open:
            self._discarded(provider_id=self.provider_id, return_id=return_id,
                            correlation_id=correlation_id)

    @event("Discarded")
    def _discarded(self, provider_id: str, return_id: str, correlation_id: str) -> None:
        self.submitted_as = return_id
