"""A contract monitoring return: what a provider told the council about one period."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts.intake import Rating
from shared.domain import InvalidInput, Refused, stable_id

# The sections of a LEVEL 1 contract monitoring return (domain-rules.md §4, 004 §10.1.1).
LEVEL_1_SECTIONS = (
    "leadership_and_management",
    "sustainability",
    "finance",
    "safety_and_quality",
    "outcomes",
)
LEVEL_1_FORM = "cmr-level-1"
FORM_VERSION = 1


class IdempotencyKeyReused(Refused):
    """The idempotency key was used before for a different submission."""


def check_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise InvalidInput("the period must end on or after its start", field="period_end")


def check_sections(sections: dict[str, str]) -> None:
    missing = [name for name in LEVEL_1_SECTIONS if name not in sections]
    if missing:
        raise InvalidInput(f"missing section ratings: {', '.join(missing)}", field="sections")
    unknown = sorted(set(sections) - set(LEVEL_1_SECTIONS))
    if unknown:
        raise InvalidInput(f"unknown sections: {', '.join(unknown)}", field="sections")
    for name, rating in sections.items():
        if rating not in Rating.__members__.values():
            raise InvalidInput(f"{rating!r} is not green, amber or red", field=f"sections.{name}")


class MonitoringReturn(Aggregate):
    """A submitted return; never edited in place (a correction is a new, linked submission)."""

    @staticmethod
    def create_id(provider_id: str, submission_key: str, **_: object) -> UUID:
        return stable_id("return", provider_id, submission_key)

    @event("Submitted")
    def __init__(
        self,
        provider_id: str,
        submission_key: str,
        request_digest: str,
        form: str,
        form_version: int,
        period_start: date,
        period_end: date,
        sections: dict[str, str],
        submitted_by: str,
        correlation_id: str,
    ) -> None:
        self.provider_id = provider_id
        self.submission_key = submission_key
        self.request_digest = request_digest
        self.form = form
        self.form_version = form_version
        self.period_start = period_start
        self.period_end = period_end
        self.sections = dict(sections)
        self.submitted_by = submitted_by

    def check_same_request(self, request_digest: str) -> None:
        if request_digest != self.request_digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different return",
                field="Idempotency-Key",
            )
