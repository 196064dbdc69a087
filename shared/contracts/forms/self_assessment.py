"""The light-touch self-assessment questionnaire (SAQ) (002).

The SAQ's sections are its seven compliance indicators (002), which intake rates green where
the provider meets it and amber where not (services/intake/domain/section_ratings.py) and
publishes on `ReturnSubmitted`; risk scores them and reads each compliance indicator back from
its section's rating (services/risk/domain/indicators.py). The intelligence indicators are
risk's alone.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.contracts.forms.common import (
    Count,
    FormModel,
    Notes,
    Percent,
    StaffingLevel,
)
from shared.vocabulary import SELF_ASSESSMENT_SECTIONS

# The section each compliance indicator is rated under.
SECTIONS = SELF_ASSESSMENT_SECTIONS


class SelfAssessment(FormModel):
    """A provider's answers to the light-touch self-assessment questionnaire."""

    form = "self-assessment"
    version = 1

    six_monthly_reviews_up_to_date: bool
    personal_outcomes_met_percent: Percent
    engagement_or_satisfaction_surveys_done: bool = Field(
        description="engagement or satisfaction surveys undertaken, or feedback gathered")
    incidents_this_period: Count
    incidents_previous_period: Count
    asp_training_percent: Percent
    supervisions_up_to_date_percent: Percent
    mandatory_training_up_to_date: bool
    staffing: StaffingLevel
    management_changes: bool
    capacity_or_vacancy_concerns: bool
    comments: Notes


def example() -> dict[str, Any]:
    """A care home's self-assessment for August to July with every indicator met."""
    return {
        "period_start": "2025-08-01",
        "period_end": "2026-07-31",
        "six_monthly_reviews_up_to_date": True,
        "personal_outcomes_met_percent": 100,
        "engagement_or_satisfaction_surveys_done": True,
        "incidents_this_period": 9,
        "incidents_previous_period": 11,
        "asp_training_percent": 92,
        "supervisions_up_to_date_percent": "87.5",
        "mandatory_training_up_to_date": True,
        "staffing": "no_shortages",
        "management_changes": False,
        "capacity_or_vacancy_concerns": False,
    }
