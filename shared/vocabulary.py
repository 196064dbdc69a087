"""The words the services and the composition root share: kinds of service, staffing positions,
002's indicators and the figures the council's documents set.

Plain data and standard library only, so any service's domain, the contracts and the governance
report may all use it: which kinds of service a council commissions (a contract's service type),
the staffing positions of the monitoring record, the names and wording of the compliance and
intelligence indicators that `RiskScored` carries and the governance report counts, and the
thresholds that both intake's rating of a return's sections and risk's rules read. How a return's
sections are rated is intake's rule (services/intake/domain/section_ratings.py) and how its
answers give each indicator is risk's (services/risk/domain/indicators.py); only the vocabulary
and the figures live here.

The enums the contracts carry and the domains reason with live here too (a rating, a band, a
severity, a risk level, a rung of the ladder, a source of concern, a category of shared fact, how
far an outcome was achieved), with the form each monitoring level is sent and the sections of the
forms intake rates: the contract modules in shared/contracts/ import and re-export them, so a
domain uses the word without importing pydantic (issue 17).
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
# import a service: intake rates a return's sections by it (and publishes the ratings) and
# risk's indicators and rules read it or default to it.
# 80% compliance thresholds of the monitoring meeting record, sections 5 and 6b (004 App. 3).
ASP_TRAINING_THRESHOLD = 80
SUPERVISION_THRESHOLD = 80
# Personal outcomes count as met when at least this share of them is met; the same 80% as ASP
# training and supervision. Below 100% they are also "not all met", so 002's two outcome
# indicators overlap, as its figures (30% and 78.3%) do.
PERSONAL_OUTCOMES_THRESHOLD = 80
# KPI6: staff turnover above this a year rates the KPI return's section down and raises a concern.
ANNUAL_TURNOVER_LIMIT = Decimal(30)

# Intake rates a self-assessment's section for each compliance indicator, green where it is met
# (services/intake/domain/section_ratings.py); risk reads each indicator back from its rating.
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



# Words of intake's contracts (shared/contracts/intake.py) ---------------------------------------


class Rating(StrEnum):
    """A section's risk rating on the monitoring record (red is the highest risk)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class ConcernSource(StrEnum):
    """Where intelligence about a provider comes from (004 §9, 003)."""

    OPERATIONAL_STAFF = "operational-staff"
    COMPLAINT = "complaint"
    WHISTLEBLOWING = "whistleblowing"
    ADULT_SUPPORT_AND_PROTECTION = "adult-support-and-protection"
    PROVIDER_NOTIFICATION = "provider-notification"
    REGULATOR = "regulator"
    FINANCIAL = "financial"
    LAY_ASSESSOR = "lay-assessor"


# The return forms (shared/contracts/forms/) -----------------------------------------------------


class UnknownForm(ValueError):
    """A return names a form, version or monitoring level there is no form for."""


# The form each monitoring level's returns are made on (004 §8), by form name; each is the `form`
# of its model in shared/contracts/forms/ (tests/unit/test_forms.py holds them together).
LEVEL_FORMS: dict[str, int] = {"cmr-level-1": 1, "return-level-2": 2, "return-level-3": 3}


def form_for_level(level: int) -> str:
    """The return form a contract monitored at `level` is sent (004 §8)."""
    for form, its_level in LEVEL_FORMS.items():
        if its_level == level:
            return form
    raise UnknownForm(f"there is no monitoring level {level}; levels are 1, 2 and 3")


# The sections of a LEVEL 1 return, each carrying the rating the officer gave it: the five of
# the return itself (004 §10.1.1; domain-rules.md §4), then the monitoring meeting record's, by
# their numbers there (004 App. 3). Intake publishes the ratings in this order.
CMR_RETURN_SECTIONS = (
    "leadership_and_management",
    "sustainability",
    "finance",
    "safety_and_quality",
    "outcomes",
)
CMR_MEETING_RECORD_SECTIONS = {
    "introduction_and_matters_arising": "1",
    "service_users_and_care_plans": "2a",
    "reviews": "2b",
    "incidents_and_accidents": "2c",
    "satisfaction_surveys": "3",
    "comments_compliments_complaints": "4",
    "adult_support_and_protection": "5",
    "staffing": "6a",
    "supervision_and_appraisal": "6b",
    "mandatory_training": "6c",
    "safer_recruitment": "6d",
    "care_inspectorate_findings": "7",
    "observations": "8",
}
# The section each KPI of a KPI return is rated under (001, "KPI submissions").
KPI_SECTIONS = {
    "kpi1": "kpi1_service_user_outcomes",
    "kpi2": "kpi2_spot_checks",
    "kpi3": "kpi3_complaints_and_concerns",
    "kpi4": "kpi4_employment",
    "kpi5": "kpi5_commissioned_hours",
    "kpi6": "kpi6_staff_turnover",
}


class Achievement(StrEnum):
    """How far an agreed outcome was achieved in the period."""

    ACHIEVED = "achieved"
    PARTLY_ACHIEVED = "partly_achieved"
    NOT_ACHIEVED = "not_achieved"


# Words of risk's contracts (shared/contracts/risk.py) -------------------------------------------


class Band(StrEnum):
    """Governance-report bands of the risk score; higher scores mean lower risk (002)."""

    FULL = "100%"
    NO_SIGNIFICANT_RISK = "75-99%"
    MODERATE_RISK = "50-74%"
    SIGNIFICANT_RISK = "below 50%"


class Severity(StrEnum):
    MODERATE = "moderate"
    SERIOUS = "serious"


class RiskLevel(StrEnum):
    """Low / medium / high on the council's likelihood x impact matrix (004 §8-9)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# Words of escalation's contracts (shared/contracts/escalation.py) -------------------------------


class Level(StrEnum):
    """The rungs of the intervention ladder (003)."""

    ENCOURAGE = "encourage"
    ENABLE = "enable"
    ENFORCE = "enforce"


# Words of the contracts between councils (shared/contracts/sharing.py) --------------------------


class Category(StrEnum):
    """A kind of fact two councils may agree to share (issue 20)."""

    SUSPENSION = "suspension"
    DECOMMISSION = "decommission"
    BREACH_NOTICE = "breach-notice"
    SERIOUS_CONCERN = "serious-concern"
    INSPECTION_GRADE = "inspection-grade"


# Categories whose fact may carry the publishing officer's own words, if the agreement says so:
# a breach notice's deficiency and a concern's summary. Nothing else ever carries free text.
FREE_TEXT_CATEGORIES = frozenset({Category.BREACH_NOTICE, Category.SERIOUS_CONCERN})
