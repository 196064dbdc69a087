"""The light-touch self-assessment questionnaire (SAQ) and the ratings of its sections (002).

The SAQ's sections are its seven compliance indicators (002), each rated green where the
provider meets it and amber where not. Those ratings are the only place the SAQ's compliance
indicators are decided: intake publishes them on `ReturnSubmitted`, risk scores them and reads
each compliance indicator back from its section's rating (services/risk/domain/indicators.py);
the intelligence indicators are risk's alone. The form keeps the ratings rather than risk
because intake rates every form's sections when it records a return.
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
from shared.contracts.intake import Rating
from shared.vocabulary import (
    ASP_TRAINING_THRESHOLD,
    INDICATOR_MISSED_WHEN_TRUE,
    PERSONAL_OUTCOMES_THRESHOLD,
    SELF_ASSESSMENT_SECTIONS,
    SUPERVISION_THRESHOLD,
)

# The section each compliance indicator is rated under.
SECTIONS = SELF_ASSESSMENT_SECTIONS


def rate_compliance(compliant: bool) -> Rating:
    """A compliance indicator met is green, missed is amber; an SAQ alone never rates red."""
    # The answers are the provider's own and unverified ("light touch"): red needs evidence
    # from a return, meeting or visit. This fits 002, where no SAQ scored below 50%.
    return Rating.GREEN if compliant else Rating.AMBER


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

    def section_ratings(self) -> dict[str, Rating]:
        """Each compliance indicator's section, rated by rate_compliance."""
        indicators = {
            "six_monthly_reviews_up_to_date": self.six_monthly_reviews_up_to_date,
            "personal_outcomes_met": self.personal_outcomes_met_percent
            >= PERSONAL_OUTCOMES_THRESHOLD,
            "engagement_surveys_done": self.engagement_or_satisfaction_surveys_done,
            "incidents_up_on_previous_period": self.incidents_this_period
            > self.incidents_previous_period,
            "asp_training_up_to_date": self.asp_training_percent >= ASP_TRAINING_THRESHOLD,
            "supervisions_up_to_date": self.supervisions_up_to_date_percent
            >= SUPERVISION_THRESHOLD,
            "mandatory_training_up_to_date": self.mandatory_training_up_to_date,
        }
        return {SECTIONS[name]: rate_compliance(value != (name == INDICATOR_MISSED_WHEN_TRUE))
                for name, value in indicators.items()}


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
