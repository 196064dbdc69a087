"""A return intake asked a provider for: the period it covers, so that what notify says about
the request later (an overdue return names only the request) can say which period it was."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import stable_id


class RequestedReturn(Aggregate):
    """One return request: its contract, form and period."""

    @staticmethod
    def create_id(request_id: str, **_: object) -> UUID:
        return stable_id("notify-requested-return", request_id)

    @event("Noted")
    def __init__(self, request_id: str, provider_id: str, contract_reference: str, form: str,
                 period_start: date, period_end: date) -> None:
        self.request_id = request_id
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.form = form
        self.period_start = period_start
        self.period_end = period_end

    def period(self) -> dict[str, Any]:
        """The fields a message about the request uses to say which period it covers."""
        return {"period_start": self.period_start, "period_end": self.period_end}
