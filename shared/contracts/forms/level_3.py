"""The LEVEL 3 monitoring form for service agreements, returned once a year (004 App. 8)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from shared.contracts.forms.common import (
    FormModel,
    Money,
    NotBeforePeriodDate,
    Notes,
    OperationalPolicies,
    OutcomeReport,
    Section,
    ShortText,
    Text,
    all_policies_in_place,
)


class AdditionalFunding(Section):
    """Other funding the organisation receives for the service."""

    source: ShortText
    amount: Money | None = None


class Funding(Section):
    """The funding amount, a summary of project spend and additional funding, in pounds."""

    amount: Money
    spent: Money
    spend_summary: Text
    additional_funding: Annotated[tuple[AdditionalFunding, ...], Field(default=(), max_length=20)]


class Signature(Section):
    """Who signed the return, in what role and when (on or after the period starts)."""

    name: ShortText
    role: ShortText
    signed_on: NotBeforePeriodDate


class Level3Return(FormModel):
    """An annual LEVEL 3 monitoring form for a service agreement, with Annex 1 policies."""

    form = "return-level-3"
    version = 1

    achievements_for_funding: Text
    outcomes: Annotated[tuple[OutcomeReport, ...], Field(min_length=1, max_length=50)]
    feedback: Notes
    improvements: Notes
    changes_and_challenges: Notes
    funding: Funding
    operational_policies: OperationalPolicies
    signature: Signature


def example() -> dict[str, Any]:
    """A small information and advice service's annual form with nothing of concern."""
    return {
        "period_start": "2025-04-01",
        "period_end": "2026-03-31",
        "achievements_for_funding": "Weekly drop-in advice sessions in three villages; "
        "212 people helped with benefits, housing and care questions.",
        "outcomes": [
            {"outcome": "People know where to get help", "achieved": "achieved",
             "evidence": "92% of people asked said they knew where to go next."},
            {"outcome": "Carers identified and referred", "achieved": "achieved"},
        ],
        "feedback": "Visitors value a face-to-face service close to home.",
        "improvements": "Added an evening session for working carers.",
        "funding": {
            "amount": "8500.00", "spent": "8320.00",
            "spend_summary": "Staff time £6,900; venue hire £980; travel and materials £440.",
            "additional_funding": [{"source": "Community lottery grant", "amount": "1500.00"}],
        },
        "operational_policies": all_policies_in_place(),
        "signature": {"name": "Morag Bell", "role": "Project manager", "signed_on": "2026-04-08"},
    }
