"""The words the services and the composition root share: kinds of service and 002's indicators.

Plain data and standard library only, so any service's domain, the contracts and the governance
report may all use it: which kinds of service a council commissions (a contract's service type)
and the names and wording of the compliance and intelligence indicators that `RiskScored`
carries and the governance report counts. How a return's answers give each indicator is risk's
rule (services/risk/domain/indicators.py); only the vocabulary lives here.
"""

from __future__ import annotations

from enum import StrEnum


class ServiceType(StrEnum):
    """Kinds of commissioned service (004 §2, App. 4; 001)."""

    CARE_HOME = "care-home"
    CARE_AT_HOME = "care-at-home"
    DAY_SERVICES = "day-services"
    SHORT_BREAKS = "short-breaks"
    CARER_SUPPORT = "carer-support"
    EARLY_INTERVENTION = "early-intervention-and-prevention"
    INFORMATION_AND_ADVICE = "information-advice-and-support"
    SUPPORTED_HOUSING = "supported-housing"
    ADVOCACY = "advocacy"
    EMPLOYMENT_SUPPORT = "employment-support"
    SKILLS_DEVELOPMENT = "skills-development"



# 002's indicators, in the order its tables list them.
COMPLIANCE = (
    "six_monthly_reviews_up_to_date",
    "personal_outcomes_met",
    "engagement_surveys_done",
    "incidents_up_on_previous_period",
    "asp_training_up_to_date",
    "supervisions_up_to_date",
    "mandatory_training_up_to_date",
)
INTELLIGENCE = (
    "affected_by_staffing_shortages",
    "management_changes",
    "personal_outcomes_not_all_met",
    "capacity_or_vacancy_concerns",
    "mandatory_training_not_up_to_date",
)
# As 002 words them, each read after the share of providers: "73.3% reported that ...".
INDICATOR_LABELS: dict[str, str] = {
    "six_monthly_reviews_up_to_date": "6 monthly reviews for service users are up to date",
    "personal_outcomes_met": "service user personal outcomes have been met",
    "engagement_surveys_done":
        "have undertaken engagement/satisfaction surveys or gathered feedback",
    "incidents_up_on_previous_period":
        "reported an increase in the number of incidents and accidents compared to the "
        "period before",
    "asp_training_up_to_date": "reported that Adult Support and Protection Training was up to date",
    "supervisions_up_to_date": "staff supervisions are up to date",
    "mandatory_training_up_to_date": "reported mandatory training is up to date",
    "affected_by_staffing_shortages": "reported being affected by staffing shortages",
    "management_changes": "have experienced management changes",
    "personal_outcomes_not_all_met": "have not met all personal outcomes for people they support",
    "capacity_or_vacancy_concerns": "have concerns regarding capacity/vacancies",
    "mandatory_training_not_up_to_date": "reported mandatory training is not up to date",
}

