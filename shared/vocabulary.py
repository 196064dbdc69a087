"""The words the services and the composition root share: kinds of service, staffing positions,
002's indicators and the figures the council's documents set.

Plain data and standard library only, so any service's domain, the contracts and the governance
report may all use it: which kinds of service a council commissions (a contract's service type),
the staffing positions of the monitoring record, the names and wording of the compliance and
intelligence indicators that `RiskScored` carries and the governance report counts, and the
thresholds that both the return forms (rating their sections) and risk's rules read. How a
return's answers give each indicator is risk's rule (services/risk/domain/indicators.py); only
the vocabulary and the figures live here.
"""

from __future__ import annotations

from decimal import Decimal
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



class StaffingLevel(StrEnum):
    """The staffing position of section 6a of the monitoring meeting record (004 App. 3)."""

    NO_SHORTAGES = "no_shortages"
    SHORTAGES_NOT_LIMITING_SERVICE = "shortages_not_limiting_service"
    SHORTAGES_LIMITING_SERVICE = "shortages_limiting_service"
    AGENCY_STAFF_USED = "agency_staff_used"


# The figures below are stated once, here, because two readers need each and shared/ cannot
# import a service: a return form rates its sections by it (intake publishes the ratings) and
# risk's indicators and rules read it or default to it.
# 80% compliance thresholds of the monitoring meeting record, sections 5 and 6b (004 App. 3).
ASP_TRAINING_THRESHOLD = 80
SUPERVISION_THRESHOLD = 80
# Personal outcomes count as met when at least this share of them is met; the same 80% as ASP
# training and supervision. Below 100% they are also "not all met", so 002's two outcome
# indicators overlap, as its figures (30% and 78.3%) do.
PERSONAL_OUTCOMES_THRESHOLD = 80
# KPI6: staff turnover above this a year is rated down by the KPI return and raises a concern.
ANNUAL_TURNOVER_LIMIT = Decimal(30)

# The self-assessment rates a section for each compliance indicator, green where it is met
# (shared/contracts/forms/self_assessment.py); risk reads each indicator back from its rating.
SELF_ASSESSMENT_SECTIONS = {
    "six_monthly_reviews_up_to_date": "six_monthly_reviews",
    "personal_outcomes_met": "personal_outcomes",
    "engagement_surveys_done": "engagement_surveys",
    "incidents_up_on_previous_period": "incidents",
    "asp_training_up_to_date": "asp_training",
    "supervisions_up_to_date": "supervisions",
    "mandatory_training_up_to_date": "mandatory_training",
}
# The one indicator that is a miss when true: more incidents than in the period before.
INDICATOR_MISSED_WHEN_TRUE = "incidents_up_on_previous_period"

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

