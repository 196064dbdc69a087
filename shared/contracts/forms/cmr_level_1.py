"""The LEVEL 1 contract monitoring return (CMR) and its monitoring meeting record (004 App. 3)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from shared.contracts.forms.common import (
    Count,
    FormModel,
    InPeriodDate,
    Money,
    Notes,
    OptionalInPeriodDate,
    Percent,
    RatedSection,
    Section,
    ShortText,
    StaffingLevel,
    Text,
    TextList,
    field_error,
    refuse,
)
from shared.vocabulary import CMR_MEETING_RECORD_SECTIONS, CMR_RETURN_SECTIONS

__all__ = ["CmrLevel1", "example"]

# The five sections of the return itself (004 §10.1.1; domain-rules.md §4), and the monitoring
# meeting record's, each with its own risk analysis (004 App. 3): plain vocabulary, because
# intake's domain reads each section's rating by these names.
RETURN_SECTIONS = CMR_RETURN_SECTIONS
MEETING_RECORD_SECTIONS = CMR_MEETING_RECORD_SECTIONS

Grade = Annotated[int, Field(ge=1, le=6, description="Care Inspectorate grade, 6 excellent")]


# The return's own sections (004 §10.1.1) ----------------------------------------------------


class LeadershipAndManagement(RatedSection):
    """Staffing, management, training, supervision and support."""

    summary: Text
    management_changes: bool


class Sustainability(RatedSection):
    """Demand, service delivery, staff complement, capacity and changes."""

    summary: Text
    staff_complement: Count
    vacancies: Count
    capacity_concerns: bool


class Finance(RatedSection):
    """Income, expenditure and financial risks, in pounds."""

    income: Money
    expenditure: Money
    financial_risks: Notes


class SafetyAndQuality(RatedSection):
    """Issues and risks, incidents and concerns including ASP concerns, complaints."""

    issues_and_risks: Notes
    asp_concerns: Count


class Outcomes(RatedSection):
    """Evidence of outcomes achieved for people who use the service."""

    evidence: Text


# The monitoring meeting record (004 App. 3) -------------------------------------------------


class IntroductionAndMattersArising(RatedSection):
    """1: changes since the last meeting and previous unmet agreed actions."""

    meeting_date: OptionalInPeriodDate
    changes_since_last_meeting: Notes
    previous_unmet_actions: TextList


class ServiceUsersAndCarePlans(RatedSection):
    """2a: numbers, referrals, capacity, and the care/support plans evidenced."""

    service_users: Count
    referrals: Count
    running_at_capacity: bool
    main_referral_source: Annotated[str | None, Field(default=None, max_length=200)]
    care_plans_evidenced: Count
    care_plans_person_centred: bool


class Reviews(RatedSection):
    """2b: six-monthly reviews up to date."""

    six_monthly_reviews_up_to_date: bool
    reviews_up_to_date_percent: Percent | None = None


class IncidentNote(Section):
    """One incident or accident the provider describes."""

    occurred_on: InPeriodDate
    summary: ShortText
    notified_to_care_inspectorate: bool


class IncidentsAndAccidents(RatedSection):
    """2c: incidents and accidents, notifications to the Care Inspectorate, missed visits."""

    incidents: Count
    # Serious adverse incidents: a death or serious injury, as 004 §15 names them; among the
    # incidents counted. Optional, so returns made before the question was asked still parse.
    serious_incidents: Count = 0
    notifications_to_care_inspectorate: Count
    missed_visits: Count
    notable_incidents: Annotated[tuple[IncidentNote, ...], Field(default=(), max_length=50)]

    @model_validator(mode="after")
    def _notable_incidents_are_among_those_counted(self) -> IncidentsAndAccidents:
        if self.serious_incidents > self.incidents:
            refuse("IncidentsAndAccidents", [field_error(
                ("serious_incidents",), "more_than_counted",
                f"{self.serious_incidents} serious incidents but {self.incidents} counted",
                self.serious_incidents,
            )])
        if len(self.notable_incidents) > self.incidents:
            refuse("IncidentsAndAccidents", [field_error(
                ("notable_incidents",), "more_than_counted",
                f"{len(self.notable_incidents)} incidents described but {self.incidents} counted",
                len(self.notable_incidents),
            )])
        return self


class SatisfactionSurveys(RatedSection):
    """3: satisfaction surveys and other feedback, and what changed because of it."""

    surveys_done: bool
    surveys_returned: Count
    action_plan_in_place: bool
    feedback_shaped_service: Notes


class CommentsComplimentsComplaints(RatedSection):
    """4: comments, compliments and complaints recorded, and the complaints policy."""

    comments: Count
    compliments: Count
    complaints: Count
    complaints_upheld: Count
    policy_updated_since_last_meeting: bool

    @model_validator(mode="after")
    def _upheld_are_among_complaints(self) -> CommentsComplimentsComplaints:
        if self.complaints_upheld > self.complaints:
            refuse("CommentsComplimentsComplaints", [field_error(
                ("complaints_upheld",), "more_than_received",
                f"{self.complaints_upheld} complaints upheld of {self.complaints} received",
                self.complaints_upheld,
            )])
        return self


class AdultSupportAndProtection(RatedSection):
    """5: ASP training (at least 80% compliant), annual refresher, policy current."""

    part_of_induction: bool
    training_compliance_percent: Percent
    annual_refresher: bool
    policy_updated_since_last_meeting: bool
    referrals: Count


class Staffing(RatedSection):
    """6a: the staffing position, and staff on long-term sick or maternity leave."""

    position: StaffingLevel
    staff_on_long_term_leave: Count


class SupervisionAndAppraisal(RatedSection):
    """6b: supervisions and appraisals (at least 80% compliant), staff development."""

    supervision_compliance_percent: Percent
    appraisal_compliance_percent: Percent | None = None


class MandatoryTraining(RatedSection):
    """6c: no concerns with mandatory training as the framework agreement details."""

    up_to_date: bool
    compliance_percent: Percent | None = None


class SaferRecruitment(RatedSection):
    """6d: staff files show PVG, references, SSSC registration and the hourly rate."""

    staff_files_checked: Count
    pvg_checks: bool
    references: bool
    sssc_registration: bool
    hourly_rate_evidenced: bool


class CareInspectorateFindings(RatedSection):
    """7: findings and actions from the latest inspection not already addressed."""

    latest_grade: Grade | None = None
    outstanding_requirements: TextList


class Observations(RatedSection):
    """8: what the officer saw and heard from staff, service users and visitors."""

    details: Notes


class CmrLevel1(FormModel):
    """A LEVEL 1 contract monitoring return with its monitoring meeting record."""

    form = "cmr-level-1"
    version = 1

    leadership_and_management: LeadershipAndManagement
    sustainability: Sustainability
    finance: Finance
    safety_and_quality: SafetyAndQuality
    outcomes: Outcomes

    introduction_and_matters_arising: IntroductionAndMattersArising
    service_users_and_care_plans: ServiceUsersAndCarePlans
    reviews: Reviews
    incidents_and_accidents: IncidentsAndAccidents
    satisfaction_surveys: SatisfactionSurveys
    comments_compliments_complaints: CommentsComplimentsComplaints
    adult_support_and_protection: AdultSupportAndProtection
    staffing: Staffing
    supervision_and_appraisal: SupervisionAndAppraisal
    mandatory_training: MandatoryTraining
    safer_recruitment: SaferRecruitment
    care_inspectorate_findings: CareInspectorateFindings
    observations: Observations


def example() -> dict[str, Any]:
    """A care-at-home CMR for April to July with nothing of concern."""
    green = {"rating": "green"}
    return {
        "period_start": "2026-04-01",
        "period_end": "2026-07-31",
        "leadership_and_management": {
            **green, "management_changes": False,
            "summary": "Stable management team; registered manager in post since 2019.",
        },
        "sustainability": {
            **green, "summary": "Demand steady; all commissioned packages picked up.",
            "staff_complement": 42, "vacancies": 1, "capacity_concerns": False,
        },
        "finance": {**green, "income": "412000.00", "expenditure": "398500.00"},
        "safety_and_quality": {**green, "asp_concerns": 0},
        "outcomes": {
            **green, "evidence": "Personal outcomes reviewed for all 38 people; 35 fully met.",
        },
        "introduction_and_matters_arising": {
            **green, "meeting_date": "2026-07-14",
            "changes_since_last_meeting": "New rostering system introduced in May.",
        },
        "service_users_and_care_plans": {
            **green, "service_users": 38, "referrals": 6, "running_at_capacity": False,
            "main_referral_source": "Locality social work teams",
            "care_plans_evidenced": 2, "care_plans_person_centred": True,
        },
        "reviews": {
            **green, "six_monthly_reviews_up_to_date": True, "reviews_up_to_date_percent": 100,
        },
        "incidents_and_accidents": {
            **green, "incidents": 2, "notifications_to_care_inspectorate": 1, "missed_visits": 0,
            "notable_incidents": [{
                "occurred_on": "2026-05-09", "summary": "Fall at home, no injury; GP informed.",
                "notified_to_care_inspectorate": True,
            }],
        },
        "satisfaction_surveys": {
            **green, "surveys_done": True, "surveys_returned": 24, "action_plan_in_place": True,
            "feedback_shaped_service": "Visit times now agreed a week ahead, as people asked.",
        },
        "comments_compliments_complaints": {
            **green, "comments": 5, "compliments": 11, "complaints": 1, "complaints_upheld": 0,
            "policy_updated_since_last_meeting": False,
        },
        "adult_support_and_protection": {
            **green, "part_of_induction": True, "training_compliance_percent": 94,
            "annual_refresher": True, "policy_updated_since_last_meeting": False, "referrals": 0,
        },
        "staffing": {**green, "position": "no_shortages", "staff_on_long_term_leave": 1},
        "supervision_and_appraisal": {
            **green, "supervision_compliance_percent": 88, "appraisal_compliance_percent": 90,
        },
        "mandatory_training": {**green, "up_to_date": True, "compliance_percent": "96.5"},
        "safer_recruitment": {
            **green, "staff_files_checked": 2, "pvg_checks": True, "references": True,
            "sssc_registration": True, "hourly_rate_evidenced": True,
        },
        "care_inspectorate_findings": {**green, "latest_grade": 5},
        "observations": {
            **green, "details": "Staff spoke warmly of support; two people visited were content.",
        },
    }
