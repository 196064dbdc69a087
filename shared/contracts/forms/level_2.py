"""The LEVEL 2 provider monitoring return, with day centres' attendance (004 App. 4-6)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator
from pydantic_core import InitErrorDetails

from shared.contracts.forms.common import (
    Count,
    FormModel,
    Money,
    Notes,
    OperationalPolicies,
    OutcomeReport,
    Section,
    ShortText,
    StaffingLevel,
    Text,
    TextList,
    all_policies_in_place,
    field_error,
    refuse,
)
from shared.contracts.risk import RiskLevel


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


# Sections -----------------------------------------------------------------------------------


class PurposeAndFunding(Section):
    """1. Introduction: purpose, aims and objectives of the service, current funding."""

    summary_of_purpose: Text
    aims: Text
    objectives: Text
    current_funding: Text


class ServiceUpdate(Section):
    """2. Service update: activity, management and staffing."""

    activity: Text
    management_and_staffing: Text
    staffing: StaffingLevel


class DeliveryAgainstContract(Section):
    """3. Impact and outcomes achieved; key performance targets met and unmet."""

    outcomes: Annotated[tuple[OutcomeReport, ...], Field(min_length=1, max_length=50)]
    outcome_stars_completed: Count | None = None
    kpis_met: TextList
    kpis_unmet: TextList
    additional_information: Notes


class InvolvementAndFeedback(Section):
    """4. How people who use the service take part, and what they said."""

    nature_of_involvement: Text
    feedback: Text
    feedback_gathered: bool = Field(description="surveys, comment cards or similar this period")


class IssueOrRisk(Section):
    """One issue or risk for the service, the organisation or the partnership."""

    description: Annotated[str, Field(min_length=1, max_length=1000)]
    level: RiskLevel
    action: Notes


class IssuesAndRisks(Section):
    """5. Issues and risks, opportunities and challenges, comments and complaints."""

    issues: Annotated[tuple[IssueOrRisk, ...], Field(default=(), max_length=50)]
    opportunities_and_challenges: Notes
    comments_compliments_complaints: Notes
    complaints_received: Count


class Finance(Section):
    """6. Income and expenditure in pounds, the finance report, additional funding."""

    income: Money
    expenditure: Money
    audited_accounts_attached: bool
    finance_report: Notes
    additional_funding: Notes


class NextSteps(Section):
    """9. Current priorities and planned developments."""

    current_priorities: Text
    planned_developments: Text


class AgeBands(Section):
    """Registered older people by age group (004 App. 4, day centres)."""

    aged_55_to_64: Count
    aged_65_to_74: Count
    aged_75_to_84: Count
    aged_85_and_over: Count

    def total(self) -> int:
        return self.aged_55_to_64 + self.aged_65_to_74 + self.aged_75_to_84 + self.aged_85_and_over


class DaysAttended(Section):
    """How many people attend one, two, three, four or five days a week."""

    one_day: Count
    two_days: Count
    three_days: Count
    four_days: Count
    five_days: Count

    def total(self) -> int:
        return self.one_day + self.two_days + self.three_days + self.four_days + self.five_days


class ReferralSource(Section):
    source: ShortText
    referrals: Count


Attendance = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class DayCentreAttendance(Section):
    """2. Service users of a day centre: days open, registered, ages, attendance, referrals."""

    days_open: Annotated[frozenset[Weekday], Field(min_length=1)]
    registered: Count
    age_bands: AgeBands
    average_daily_attendance: Attendance
    highest_daily_attendance: Count
    lowest_daily_attendance: Count
    days_attended: DaysAttended
    referral_sources: Annotated[tuple[ReferralSource, ...], Field(default=(), max_length=20)]

    @model_validator(mode="after")
    def _figures_add_up(self) -> DayCentreAttendance:
        refuse("DayCentreAttendance", self._inconsistencies())
        return self

    def _inconsistencies(self) -> list[InitErrorDetails]:
        low, avg, high = (self.lowest_daily_attendance, self.average_daily_attendance,
                          self.highest_daily_attendance)
        checks = [
            (low > high, "lowest_daily_attendance", low,
             f"lowest daily attendance {low} is above the highest {high}"),
            (low <= high and not low <= avg <= high, "average_daily_attendance", avg,
             f"average daily attendance {avg} is not between the lowest {low} and highest {high}"),
            (high > self.registered, "highest_daily_attendance", high,
             f"highest daily attendance {high} is above the {self.registered} registered"),
            (self.age_bands.total() > self.registered, "age_bands", self.age_bands.total(),
             f"age bands add up to {self.age_bands.total()}, more than the "
             f"{self.registered} registered"),
            (self.days_attended.total() > self.registered, "days_attended",
             self.days_attended.total(), f"attendees by days add up to "
             f"{self.days_attended.total()}, more than the {self.registered} registered"),
        ]
        return [field_error((name,), "figures_inconsistent", message, value)
                for broken, name, value, message in checks if broken]


ContractIssues = Annotated[tuple[ShortText, ...], Field(max_length=50)]


class Level2Return(FormModel):
    """A six-monthly LEVEL 2 provider monitoring return, with Annex 1 policies."""

    form = "return-level-2"
    version = 1

    purpose_and_funding: PurposeAndFunding
    service_update: ServiceUpdate
    delivery_against_contract: DeliveryAgainstContract
    involvement_and_feedback: InvolvementAndFeedback
    issues_and_risks: IssuesAndRisks
    finance: Finance
    contract_issues: ContractIssues = Field(description="7. Contract issues; empty if none")
    other_information: Notes
    next_steps: NextSteps
    operational_policies: OperationalPolicies
    day_centre_attendance: DayCentreAttendance | None = None


def example() -> dict[str, Any]:
    """An older people's day centre's return for October to March with nothing of concern."""
    return {
        "period_start": "2025-10-01",
        "period_end": "2026-03-31",
        "purpose_and_funding": {
            "summary_of_purpose": "A day centre for older people in a rural town.",
            "aims": "Reduce isolation and support people to live at home for longer.",
            "objectives": "Five days of activities, meals and company each week.",
            "current_funding": "Council grant of £48,000 a year, 2024 to 2027.",
        },
        "service_update": {
            "activity": "Chair exercise, lunch club and a monthly outing.",
            "management_and_staffing": "Coordinator and three sessional workers; 12 volunteers.",
            "staffing": "no_shortages",
        },
        "delivery_against_contract": {
            "outcomes": [
                {"outcome": "People feel less isolated", "achieved": "achieved"},
                {"outcome": "Carers have regular breaks", "achieved": "achieved"},
            ],
            "outcome_stars_completed": 18,
            "kpis_met": ["Open five days a week", "Average attendance above 15"],
            "kpis_unmet": [],
        },
        "involvement_and_feedback": {
            "nature_of_involvement": "Members' committee meets monthly; comment cards.",
            "feedback": "Members value the lunch club and asked for more outings.",
            "feedback_gathered": True,
        },
        "issues_and_risks": {
            "issues": [{"description": "Minibus due for replacement in 2027.", "level": "low"}],
            "complaints_received": 0,
        },
        "finance": {
            "income": "51200.00", "expenditure": "49850.00", "audited_accounts_attached": True,
        },
        "contract_issues": [],
        "next_steps": {
            "current_priorities": "Recruit two more volunteer drivers.",
            "planned_developments": "A Saturday lunch club from summer.",
        },
        "operational_policies": all_policies_in_place(),
        "day_centre_attendance": {
            "days_open": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "registered": 46,
            "age_bands": {
                "aged_55_to_64": 3, "aged_65_to_74": 12, "aged_75_to_84": 19,
                "aged_85_and_over": 11,
            },
            "average_daily_attendance": "17.4",
            "highest_daily_attendance": 24,
            "lowest_daily_attendance": 11,
            "days_attended": {
                "one_day": 21, "two_days": 15, "three_days": 7, "four_days": 2, "five_days": 1,
            },
            "referral_sources": [
                {"source": "Social work", "referrals": 5},
                {"source": "Self or family", "referrals": 4},
            ],
        },
    }
