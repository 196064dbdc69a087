"""The compliance and intelligence indicators of a return, as the governance report counts them.

002 reports, for the providers who returned a questionnaire, the share saying yes to each of
seven compliance indicators and five intelligence indicators (domain-rules.md §5). This module
reads them from one return's form name, typed answers (`answers.py`) and section ratings, so
reports can add them up across providers with `shares_saying_yes`. A question the form does not
ask gives None, "the form does not say", never a guess.

What each form says:

- self-assessment: every indicator. Intake rates a section for each compliance indicator,
  green where it is met (services/intake/domain/section_ratings.py), and publishes it, so each
  compliance indicator is read from its section's rating, not worked out a second time here;
  the intelligence indicators are read from the answers.
- cmr-level-1: every indicator but "incidents up on the pre-period" (the CMR counts this
  period's incidents only; comparing returns is the trend reader's job). Personal outcomes are
  recorded as evidence text under a rated section, so the outcomes rating stands for the answer:
  green is "met", amber or red is "not met" and "not all met"; a green rating does not say that
  every outcome was met, so "not all met" is then None.
- return-level-2: surveys (feedback gathered), staffing shortages and outcomes (the outcomes
  agreed in the contract: met when at least 80% are achieved, not all met when any is not).
- return-level-3: outcomes as for LEVEL 2, and surveys done when it reports people's feedback.
- kpi: outcomes from KPI1 (outcomes achieved of those set), when the return carries it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.risk.domain.answers import OutcomesAchieved, ReturnAnswers

# The indicators' names, the figures they are read by and the staffing positions are the
# services' shared vocabulary.
from shared.vocabulary import (
    ASP_TRAINING_THRESHOLD,
    COMPLIANCE,
    INDICATOR_MISSED_WHEN_TRUE,
    INTELLIGENCE,
    PERSONAL_OUTCOMES_THRESHOLD,
    SELF_ASSESSMENT_SECTIONS,
    SUPERVISION_THRESHOLD,
    Rating,
    StaffingLevel,
)

# Form names, as the forms in shared/contracts/forms name themselves.
CMR_LEVEL_1 = "cmr-level-1"
SELF_ASSESSMENT = "self-assessment"
LEVEL_2 = "return-level-2"
LEVEL_3 = "return-level-3"
KPI = "kpi"


@dataclass(frozen=True)
class Indicators:
    """One return's indicators: True, False, or None where the form does not say."""

    compliance: dict[str, bool | None]
    intelligence: dict[str, bool | None]


def indicators_for(form: str, answers: ReturnAnswers,
                   sections: Mapping[str, Rating]) -> Indicators:
    """002's compliance and intelligence indicators from a return's answers and its section
    ratings; unknown forms say nothing."""
    reader = _READERS.get(form)
    found = reader(answers) if reader is not None else {}
    if form == SELF_ASSESSMENT:
        found.update(_self_assessment_compliance(sections))
    compliance = {name: found.get(name) for name in COMPLIANCE}
    intelligence = {name: found.get(name) for name in INTELLIGENCE}
    intelligence["mandatory_training_not_up_to_date"] = _negated(
        compliance["mandatory_training_up_to_date"])
    return Indicators(compliance, intelligence)


def shares_saying_yes(returns: Iterable[Indicators]) -> dict[str, Decimal | None]:
    """Per indicator, the percentage of returns saying yes among those that say, to 1 dp (002)."""
    said: dict[str, list[bool]] = {name: [] for name in (*COMPLIANCE, *INTELLIGENCE)}
    for indicators in returns:
        for name, value in {**indicators.compliance, **indicators.intelligence}.items():
            if value is not None:
                said[name].append(value)
    return {name: _share(values) for name, values in said.items()}


def _share(values: list[bool]) -> Decimal | None:
    if not values:
        return None
    share = Decimal(sum(values)) * 100 / len(values)
    return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Each form's indicators ---------------------------------------------------------------------


def _negated(value: bool | None) -> bool | None:
    return None if value is None else not value


def _at_least(value: Decimal | None, threshold: int) -> bool | None:
    return None if value is None else value >= threshold


def _shortages(position: StaffingLevel | None) -> bool | None:
    return None if position is None else position is not StaffingLevel.NO_SHORTAGES


def _cmr_level_1(answers: ReturnAnswers) -> dict[str, bool | None]:
    rated = answers.outcomes_rating
    return {
        "asp_training_up_to_date": _at_least(answers.asp_training_percent,
                                             ASP_TRAINING_THRESHOLD),
        "supervisions_up_to_date": _at_least(answers.supervision_percent, SUPERVISION_THRESHOLD),
        "affected_by_staffing_shortages": _shortages(answers.staffing),
        "six_monthly_reviews_up_to_date": answers.six_monthly_reviews_up_to_date,
        "personal_outcomes_met": None if rated is None else rated is Rating.GREEN,
        "engagement_surveys_done": answers.surveys_done,
        "mandatory_training_up_to_date": answers.mandatory_training_up_to_date,
        "management_changes": answers.management_changes,
        # A green rating does not say every outcome was met; amber or red says some were not.
        "personal_outcomes_not_all_met": True if rated in (Rating.AMBER, Rating.RED) else None,
        "capacity_or_vacancy_concerns": answers.capacity_concerns,
    }


def _self_assessment(answers: ReturnAnswers) -> dict[str, bool | None]:
    """The SAQ's intelligence indicators (its compliance ones come from its ratings)."""
    outcomes = answers.outcomes_met_percent
    return {
        "affected_by_staffing_shortages": _shortages(answers.staffing),
        "management_changes": answers.management_changes,
        "personal_outcomes_not_all_met": None if outcomes is None else outcomes < 100,
        "capacity_or_vacancy_concerns": answers.capacity_concerns,
    }


def _self_assessment_compliance(sections: Mapping[str, Rating]) -> dict[str, bool | None]:
    """Each compliance indicator from its section's rating: green is met, amber missed (the
    incidents section is green when incidents did not rise); a missing rating says nothing."""
    found: dict[str, bool | None] = {}
    for name, section in SELF_ASSESSMENT_SECTIONS.items():
        rating = sections.get(section)
        met = None if rating is None else rating == Rating.GREEN
        found[name] = _negated(met) if name == INDICATOR_MISSED_WHEN_TRUE else met
    return found


def _outcomes(outcomes: OutcomesAchieved | None) -> dict[str, bool | None]:
    """Outcomes agreed or set: met when at least 80% are achieved, not all met when any is not."""
    if outcomes is None or not outcomes.of:
        return {}
    return {
        "personal_outcomes_met": outcomes.achieved * 100
        >= PERSONAL_OUTCOMES_THRESHOLD * outcomes.of,
        "personal_outcomes_not_all_met": outcomes.achieved < outcomes.of,
    }


def _level_2(answers: ReturnAnswers) -> dict[str, bool | None]:
    return {
        **_outcomes(answers.outcomes_achieved),
        "engagement_surveys_done": answers.surveys_done,
        "affected_by_staffing_shortages": _shortages(answers.staffing),
    }


def _level_3(answers: ReturnAnswers) -> dict[str, bool | None]:
    feedback = answers.feedback
    return {
        **_outcomes(answers.outcomes_achieved),
        # Reported feedback shows it was gathered; no feedback text does not show it was not.
        "engagement_surveys_done": True if feedback and feedback.strip() else None,
    }


_READERS: dict[str, Callable[[ReturnAnswers], dict[str, bool | None]]] = {
    CMR_LEVEL_1: _cmr_level_1,
    SELF_ASSESSMENT: _self_assessment,
    LEVEL_2: _level_2,
    LEVEL_3: _level_3,
    KPI: lambda answers: _outcomes(answers.outcomes_achieved),
}
