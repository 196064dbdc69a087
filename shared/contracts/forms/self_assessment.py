"""The light-touch self-assessment questionnaire (SAQ) and the indicators it gives (002)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from shared.contracts.forms.common import (
    ASP_TRAINING_THRESHOLD,
    SUPERVISION_THRESHOLD,
    Count,
    FormModel,
    Notes,
    Percent,
    StaffingLevel,
)
from shared.contracts.intake import Rating

# Personal outcomes count as met when at least this share of them is met; the same 80% the
# monitoring record uses for ASP training and supervision (004 App. 3). Below 100% they are
# also "not all met", so the two indicators overlap, as 002's figures (30% and 78.3%) do.
PERSONAL_OUTCOMES_THRESHOLD = 80

# The section each compliance indicator is rated under.
SECTIONS = {
    "six_monthly_reviews_up_to_date": "six_monthly_reviews",
    "personal_outcomes_met": "personal_outcomes",
    "engagement_surveys_done": "engagement_surveys",
    "incidents_up_on_previous_period": "incidents",
    "asp_training_up_to_date": "asp_training",
    "supervisions_up_to_date": "supervisions",
    "mandatory_training_up_to_date": "mandatory_training",
}


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

    def compliance_indicators(self) -> dict[str, bool]:
        """002's compliance indicators; each is reported as the share of providers saying yes."""
        return {
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

    def intelligence_indicators(self) -> dict[str, bool]:
        """002's market intelligence: what is affecting providers, true where it is."""
        return {
            "affected_by_staffing_shortages": self.staffing is not StaffingLevel.NO_SHORTAGES,
            "management_changes": self.management_changes,
            "personal_outcomes_not_all_met": self.personal_outcomes_met_percent < Decimal(100),
            "capacity_or_vacancy_concerns": self.capacity_or_vacancy_concerns,
            "mandatory_training_not_up_to_date": not self.mandatory_training_up_to_date,
        }

    def section_ratings(self) -> dict[str, Rating]:
        """Each compliance indicator rated by rate_compliance (more incidents is the miss)."""
        met = self.compliance_indicators()
        # More incidents than in the period before is the miss, not the achievement.
        met["incidents_up_on_previous_period"] = not met["incidents_up_on_previous_period"]
        return {SECTIONS[name]: rate_compliance(ok) for name, ok in met.items()}


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
