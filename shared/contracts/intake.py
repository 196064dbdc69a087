"""Events published by intake, the front door for everything the council learns."""

from datetime import date, datetime
from enum import StrEnum

from shared.contracts.envelope import IntegrationEvent, contract

STREAM = "INTAKE"
SUBJECTS = "evt.intake.>"
PROVIDER_REGISTERED = "evt.intake.*.*.ProviderRegistered"
RETURN_SUBMITTED = "evt.intake.*.*.ReturnSubmitted"


class Rating(StrEnum):
    """A section's risk rating on the monitoring record (red is the highest risk)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@contract
class ProviderRegistered(IntegrationEvent):
    """A care provider organisation was registered with the council."""

    event_type = "ProviderRegistered"
    source_service = "intake"

    name: str


@contract
class ReturnSubmitted(IntegrationEvent):
    """A provider submitted a contract monitoring return with its section ratings."""

    event_type = "ReturnSubmitted"
    source_service = "intake"

    return_id: str
    form: str
    form_version: int
    period_start: date
    period_end: date
    sections: dict[str, Rating]
    submitted_by: str
    submitted_at: datetime
