"""The rules that rate a return's sections green, amber or red (domain-rules §4), which intake
publishes on `ReturnSubmitted` and risk scores.

The return forms (shared/contracts/forms/) carry the provider's answers; the judgement of them,
the targets, tolerances and ratings, is intake's, here (issue 17). A LEVEL 1 return carries the
ratings its officer gave; every other form's are derived from its answers. A form is read by
its answers' names, duck-typed, so this module needs no pydantic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from shared.vocabulary import (
    ANNUAL_TURNOVER_LIMIT,
    ASP_TRAINING_THRESHOLD,
    CMR_MEETING_RECORD_SECTIONS,
    CMR_RETURN_SECTIONS,
    INDICATOR_MISSED_WHEN_TRUE,
    KPI_SECTIONS,
    PERSONAL_OUTCOMES_THRESHOLD,
    SELF_ASSESSMENT_SECTIONS,
    SUPERVISION_THRESHOLD,
    Achievement,
    Rating,
    RiskLevel,
    StaffingLevel,
    UnknownForm,
)

# Any: a validated return form (shared/contracts/forms/), read by the names of its answers.
Form = Any


def section_ratings(form: Form) -> dict[str, Rating]:
    """Each section of the return rated, in the order intake publishes them."""
    try:
        rate = _RATINGS_BY_FORM[form.form]
    except KeyError:
        raise UnknownForm(f"no rules rate the sections of form {form.form!r}") from None
    return rate(form)


# Rules every form may use -------------------------------------------------------------------

_SEVERITY = {Rating.GREEN: 0, Rating.AMBER: 1, Rating.RED: 2}


def worst(*ratings: Rating) -> Rating:
    """The highest risk among the ratings (red over amber over green)."""
    return max(ratings, key=_SEVERITY.__getitem__)


def rate_shortfall(actual: Decimal, target: Decimal, tolerance: Decimal = Decimal(10)) -> Rating:
    """A figure meeting its target is green; short by up to `tolerance` points amber; else red."""
    if actual >= target:
        return Rating.GREEN
    return Rating.AMBER if target - actual <= tolerance else Rating.RED


def rate_staffing(level: StaffingLevel) -> Rating:
    """No shortages green; shortages covered (or agency cover) amber; shortages limiting red."""
    # 004 App. 3 §6a: the question that matters is whether shortages limit the service.
    if level is StaffingLevel.NO_SHORTAGES:
        return Rating.GREEN
    if level is StaffingLevel.SHORTAGES_LIMITING_SERVICE:
        return Rating.RED
    return Rating.AMBER


def rate_outcomes(outcomes: Iterable[Any]) -> Rating:
    """All achieved green; more than half not achieved red; anything between amber."""
    achieved = [o.achieved for o in outcomes]
    missed = sum(a is Achievement.NOT_ACHIEVED for a in achieved)
    if all(a is Achievement.ACHIEVED for a in achieved):
        return Rating.GREEN
    return Rating.RED if missed * 2 > len(achieved) else Rating.AMBER


def rate_policies(missing: int) -> Rating:
    """Every Annex 1 policy in place green; one or two missing amber; three or more red."""
    if missing == 0:
        return Rating.GREEN
    return Rating.AMBER if missing <= 2 else Rating.RED


# LEVEL 1: the ratings as the officer gave them (004 App. 3) ---------------------------------


def _cmr_level_1(form: Form) -> dict[str, Rating]:
    """The ratings as given, the five return sections then the meeting record's."""
    names = (*CMR_RETURN_SECTIONS, *CMR_MEETING_RECORD_SECTIONS)
    return {name: getattr(form, name).rating for name in names}


# LEVEL 2 (004 App. 4-6) ---------------------------------------------------------------------

# A deficit up to this share of income is amber; beyond it, red (rate_balance).
DEFICIT_TOLERANCE = Decimal("0.10")


def rate_targets(met: int, unmet: int) -> Rating:
    """Every key performance target met green; some unmet amber; more unmet than met red."""
    if unmet == 0:
        return Rating.GREEN
    return Rating.RED if unmet > met else Rating.AMBER


def rate_involvement(feedback_gathered: bool) -> Rating:
    """Surveys, comment cards or other feedback gathered green; none amber."""
    return Rating.GREEN if feedback_gathered else Rating.AMBER


def rate_issues(levels: list[RiskLevel]) -> Rating:
    """Any high risk red; any medium amber; none, or only low, green."""
    if RiskLevel.HIGH in levels:
        return Rating.RED
    return Rating.AMBER if RiskLevel.MEDIUM in levels else Rating.GREEN


def rate_balance(income: Decimal, expenditure: Decimal) -> Rating:
    """Spending within income green; a deficit up to 10% of income amber; a larger one red."""
    if expenditure <= income:
        return Rating.GREEN
    return Rating.AMBER if expenditure - income <= income * DEFICIT_TOLERANCE else Rating.RED


def _level_2(form: Form) -> dict[str, Rating]:
    """Ratings derived from the answers by the rate_* rules above."""
    delivery = form.delivery_against_contract
    return {
        "service_update": rate_staffing(form.service_update.staffing),
        "delivery_against_contract": worst(
            rate_outcomes(delivery.outcomes),
            rate_targets(len(delivery.kpis_met), len(delivery.kpis_unmet)),
        ),
        "involvement_and_feedback": rate_involvement(
            form.involvement_and_feedback.feedback_gathered),
        "issues_and_risks": rate_issues([i.level for i in form.issues_and_risks.issues]),
        "finance": rate_balance(form.finance.income, form.finance.expenditure),
        "operational_policies": rate_policies(len(form.operational_policies.missing())),
    }


# LEVEL 3 (004 App. 8) -----------------------------------------------------------------------

# Spending less than this share of the funding suggests funded work was not delivered.
UNDERSPEND_FLOOR = Decimal("0.75")


def rate_spend(funding: Decimal, spent: Decimal) -> Rating:
    """Spending 75-100% of the funding green; an overspend or a deeper underspend amber."""
    # Neither is red on its own: a small grant's spend is a question to ask, not a risk found.
    if spent > funding or spent < funding * UNDERSPEND_FLOOR:
        return Rating.AMBER
    return Rating.GREEN


def _level_3(form: Form) -> dict[str, Rating]:
    """Ratings derived from the answers by rate_outcomes, rate_spend and rate_policies."""
    return {
        "outcomes": rate_outcomes(form.outcomes),
        "funding": rate_spend(form.funding.amount, form.funding.spent),
        "operational_policies": rate_policies(len(form.operational_policies.missing())),
    }


# KPI returns (001, "KPI submissions") -------------------------------------------------------

# Default targets. 001 names the KPIs but not their targets, which each contract's
# specification sets; these are the defaults a commissioning team would start from.
OUTCOMES_ACHIEVED_TARGET = Decimal(80)
SPOT_CHECKS_TARGET = Decimal(100)
COMPLAINTS_IN_TIMESCALE_TARGET = Decimal(90)
EMPLOYMENT_TARGET = Decimal(25)
COMMISSIONED_HOURS_TARGET = Decimal(95)


def annualised(period_percent: Decimal, period_days: int) -> Decimal:
    """A rate over `period_days` scaled to a year, so quarters and years compare."""
    return (period_percent * 365 / max(period_days, 1)).quantize(Decimal("0.01"))


def rate_turnover(annual_percent: Decimal, limit: Decimal = ANNUAL_TURNOVER_LIMIT) -> Rating:
    """Annualised turnover within the limit green; up to 10 points over amber; further red."""
    # Turnover is a poor-performance trigger (000); lower is better, so the shortfall inverts.
    return rate_shortfall(-annual_percent, -limit)


# How each KPI is rated from its figures, given the days the return covers.
_KPI_RULES: dict[str, Callable[[Any, int], Rating]] = {
    "kpi1": lambda kpi, _: rate_shortfall(kpi.achieved_percent, OUTCOMES_ACHIEVED_TARGET),
    "kpi2": lambda kpi, _: rate_shortfall(kpi.completed_percent, SPOT_CHECKS_TARGET),
    "kpi3": lambda kpi, _: rate_shortfall(kpi.in_timescale_percent,
                                          COMPLAINTS_IN_TIMESCALE_TARGET),
    "kpi4": lambda kpi, _: rate_shortfall(kpi.supported_percent, EMPLOYMENT_TARGET),
    "kpi5": lambda kpi, _: rate_shortfall(kpi.delivered_percent, COMMISSIONED_HOURS_TARGET),
    "kpi6": lambda kpi, days: rate_turnover(annualised(kpi.turnover_percent, days)),
}


def _kpi(form: Form) -> dict[str, Rating]:
    """Each KPI given rated by its shortfall against its target (turnover: its excess)."""
    days = (form.period_end - form.period_start).days + 1
    return {
        section: _KPI_RULES[name](kpi, days)
        for name, section in KPI_SECTIONS.items()
        if (kpi := getattr(form, name)) is not None
    }


# The light-touch self-assessment (002) ------------------------------------------------------


def rate_compliance(compliant: bool) -> Rating:
    """A compliance indicator met is green, missed is amber; an SAQ alone never rates red."""
    # The answers are the provider's own and unverified ("light touch"): red needs evidence
    # from a return, meeting or visit. This fits 002, where no SAQ scored below 50%.
    return Rating.GREEN if compliant else Rating.AMBER


def _self_assessment(form: Form) -> dict[str, Rating]:
    """Each compliance indicator's section, rated by rate_compliance."""
    # These ratings are the only place the SAQ's compliance indicators are decided: risk reads
    # each back from its section's rating (services/risk/domain/indicators.py).
    indicators = {
        "six_monthly_reviews_up_to_date": form.six_monthly_reviews_up_to_date,
        "personal_outcomes_met": form.personal_outcomes_met_percent
        >= PERSONAL_OUTCOMES_THRESHOLD,
        "engagement_surveys_done": form.engagement_or_satisfaction_surveys_done,
        "incidents_up_on_previous_period": form.incidents_this_period
        > form.incidents_previous_period,
        "asp_training_up_to_date": form.asp_training_percent >= ASP_TRAINING_THRESHOLD,
        "supervisions_up_to_date": form.supervisions_up_to_date_percent
        >= SUPERVISION_THRESHOLD,
        "mandatory_training_up_to_date": form.mandatory_training_up_to_date,
    }
    return {SELF_ASSESSMENT_SECTIONS[name]:
            rate_compliance(value != (name == INDICATOR_MISSED_WHEN_TRUE))
            for name, value in indicators.items()}


_RATINGS_BY_FORM: dict[str, Callable[[Form], dict[str, Rating]]] = {
    "cmr-level-1": _cmr_level_1,
    "return-level-2": _level_2,
    "return-level-3": _level_3,
    "kpi": _kpi,
    "self-assessment": _self_assessment,
}
