"""What one council's Assure tells another's, and what intake tells risk about it (issue 20).

Two kinds of contract live here:

- **Between councils** (`source_service = "sharing"`), on the councils' edge servers under
  `share.<from council>.<to council>.<category>.<regulator service id>` (facts and their
  withdrawal) and `share.<from>.<to>.agreement.<reference>` (the steps of a data-sharing
  agreement). Their `provider_id` is the event's subject as both councils know it: the
  regulator's service id for a fact (the one key two councils share: each keeps its own
  provider ids), the agreement's reference for an agreement step. They carry no personal data
  of people who use services, and free text only where the agreement allows it for a category
  (`FREE_TEXT_CATEGORIES`).
- **Inside a council** (`source_service = "intake"`), on intake's stream like its other events:
  intelligence received from another council, and its withdrawal, for risk to weigh.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from shared.contracts.envelope import IntegrationEvent, contract
from shared.vocabulary import FREE_TEXT_CATEGORIES as FREE_TEXT_CATEGORIES  # re-exported
from shared.vocabulary import Category

SUBJECTS = "share.>"
COUNCIL_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
INTELLIGENCE_RECEIVED = "evt.intake.*.*.IntelligenceReceivedFromCouncil"
INTELLIGENCE_WITHDRAWN = "evt.intake.*.*.ReceivedIntelligenceWithdrawn"
TEXT_LIMIT = 1000


class AgreementStep(StrEnum):
    """A step of an agreement one council tells the other about."""

    OFFERED = "offered"  # proposed and approved by the sender; the receiver may approve it
    ACCEPTED = "accepted"  # the receiver approved what was offered: the agreement is in force
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    ENDED = "ended"


@contract
class AgreementStepShared(IntegrationEvent):
    """A step of a data-sharing agreement, told to the partner council so both histories hold
    it; `provider_id` is the agreement's reference. The terms are the sender's view: what it
    `sends` the receiver, and what it `receives` from it."""

    event_type = "AgreementStepShared"
    source_service = "sharing"

    from_council: str = Field(pattern=COUNCIL_PATTERN)
    from_council_name: str = Field(min_length=1, max_length=200)
    to_council: str = Field(pattern=COUNCIL_PATTERN)
    step: AgreementStep
    sends: list[Category]
    receives: list[Category]
    service_ids: list[str] = Field(max_length=5000)
    free_text: list[Category] = []
    starts_on: date
    ends_on: date | None = None
    by: str = Field(min_length=1, max_length=200)  # the sending council's officer
    role: str = Field(min_length=1, max_length=60)
    proposed_by: str | None = Field(default=None, max_length=200)  # with an offer
    reason: str | None = Field(default=None, max_length=TEXT_LIMIT)
    at: datetime


@contract
class IntelligenceShared(IntegrationEvent):
    """A fact about a regulated service one council shares with another under an agreement;
    `provider_id` is the regulator's service id."""

    event_type = "IntelligenceShared"
    source_service = "sharing"

    from_council: str = Field(pattern=COUNCIL_PATTERN)
    from_council_name: str = Field(min_length=1, max_length=200)
    to_council: str = Field(pattern=COUNCIL_PATTERN)
    agreement: str = Field(min_length=1, max_length=64)
    fact_id: str = Field(min_length=1, max_length=64)
    category: Category
    regulator: str | None = Field(default=None, max_length=40)
    occurred_on: date
    severity: str | None = Field(default=None, max_length=20)  # serious concerns
    grade: int | None = Field(default=None, ge=1, le=6)  # Care Inspectorate's lowest grade
    rating: str | None = Field(default=None, max_length=40)  # CQC's overall rating
    due_on: date | None = None  # a breach notice's date to comply by
    text: str | None = Field(default=None, max_length=TEXT_LIMIT)  # only where agreed


@contract
class IntelligenceWithdrawn(IntegrationEvent):
    """A council takes back a fact it shared (a concern resolved, a fact shared in error);
    `provider_id` is the regulator's service id."""

    event_type = "IntelligenceWithdrawn"
    source_service = "sharing"

    from_council: str = Field(pattern=COUNCIL_PATTERN)
    from_council_name: str = Field(min_length=1, max_length=200)
    to_council: str = Field(pattern=COUNCIL_PATTERN)
    agreement: str = Field(min_length=1, max_length=64)
    fact_id: str = Field(min_length=1, max_length=64)
    category: Category
    withdrawn_on: date
    reason: str = Field(min_length=1, max_length=200)


@contract
class IntelligenceReceivedFromCouncil(IntegrationEvent):
    """Another council's fact about a regulated service one of our contracts buys, received
    under a data-sharing agreement: evidence for risk to weigh, not an order."""

    event_type = "IntelligenceReceivedFromCouncil"
    source_service = "intake"

    received_id: str
    council: str
    council_name: str
    agreement: str
    category: Category
    regulator: str | None = None
    regulator_service_id: str
    contract_reference: str
    occurred_on: date
    severity: str | None = None
    grade: int | None = None
    rating: str | None = None
    due_on: date | None = None
    text: str | None = None


@contract
class ReceivedIntelligenceWithdrawn(IntegrationEvent):
    """The council that shared a fact withdrew it: risk marks its log entries withdrawn."""

    event_type = "ReceivedIntelligenceWithdrawn"
    source_service = "intake"

    received_id: str
    reason: str
    withdrawn_on: date
