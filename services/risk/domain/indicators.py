"""The compliance and intelligence indicators of a return, as the governance report counts them.

002 reports, for the providers who returned a questionnaire, the share saying yes to each of
seven compliance indicators and five intelligence indicators (domain-rules.md §5). This module
reads them from one return's form name and answers (the JSON of the form), so reports can add
them up across providers with `shares_saying_yes`.

Answers are read defensively: a missing key, a value of the wrong type or a form that does not
ask the question gives None, "the form does not say", never a guess and never an error.

What each form says:

- self-assessment: every indicator. The form rates a section for each compliance indicator,
  green where it is met (`SelfAssessment.section_ratings`, which intake publishes), so each
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
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from shared.contracts.forms.common import (
    ASP_TRAINING_THRESHOLD,
    PERSONAL_OUTCOMES_THRESHOLD,
    SUPERVISION_THRESHOLD,
    Achievement,
    StaffingLevel,
)
from shared.contracts.forms.self_assessment import MISSED_WHEN_TRUE
from shared.contracts.forms.self_assessment import SECTIONS as SELF_ASSESSMENT_SECTIONS
from shared.contracts.intake import Rating

# The indicators' names and wording are the services' shared vocabulary.
from shared.vocabulary import COMPLIANCE, INTELLIGENCE

# Form names, as the forms in shared/contracts/forms name themselves.
CMR_LEVEL_1 = "cmr-level-1"
SELF_ASSESSMENT = "self-assessment"
LEVEL_2 = "return-level-2"
LEVEL_3 = "return-level-3"
KPI = "kpi"

Path = tuple[str, ...]

# Where each form records the answers that both the indicators and the scoring model read.
ASP_TRAINING_PERCENT: dict[str, Path] = {
    CMR_LEVEL_1: ("adult_support_and_protection", "training_compliance_percent"),
    SELF_ASSESSMENT: ("asp_training_percent",),
}
SUPERVISION_PERCENT: dict[str, Path] = {
    CMR_LEVEL_1: ("supervision_and_appraisal", "supervision_compliance_percent"),
    SELF_ASSESSMENT: ("supervisions_up_to_date_percent",),
}
STAFFING_POSITION: dict[str, Path] = {
    CMR_LEVEL_1: ("staffing", "position"),
    SELF_ASSESSMENT: ("staffing",),
    LEVEL_2: ("service_update", "staffing"),
}


@dataclass(frozen=True)
class Indicators:
    """One return's indicators: True, False, or None where the form does not say."""

    compliance: dict[str, bool | None]
    intelligence: dict[str, bool | None]


def indicators_for(form: str, answers: Mapping[str, Any],
                   sections: Mapping[str, str]) -> Indicators:
    """002's compliance and intelligence indicators from a return's answers and its section
    ratings; unknown forms say nothing."""
    reader = _READERS.get(form)
    found = reader(answers) if reader is not None and isinstance(answers, Mapping) else {}
    if form == SELF_ASSESSMENT and isinstance(sections, Mapping):
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


# Reading answers defensively ----------------------------------------------------------------


def read(answers: Mapping[str, Any], path: Path | None) -> Any:
    """The answer at `path`, or None where any step is missing or not a mapping."""
    if path is None:
        return None
    value: Any = answers
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def read_flag(answers: Mapping[str, Any], path: Path | None) -> bool | None:
    """A yes/no answer; anything but a real boolean says nothing."""
    value = read(answers, path)
    return value if isinstance(value, bool) else None


def read_number(answers: Mapping[str, Any], path: Path | None) -> Decimal | None:
    """A finite, non-negative number (JSON gives Decimals as strings); otherwise None."""
    value = read(answers, path)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def read_percent(answers: Mapping[str, Any], path: Path | None) -> Decimal | None:
    """A percentage from 0 to 100; anything else says nothing."""
    number = read_number(answers, path)
    return number if number is not None and number <= 100 else None


def read_choice(answers: Mapping[str, Any], path: Path | None) -> str | None:
    """A text answer such as an enum value; anything but text says nothing."""
    value = read(answers, path)
    return value if isinstance(value, str) else None


# Each form's indicators ---------------------------------------------------------------------


def _negated(value: bool | None) -> bool | None:
    return None if value is None else not value


def _at_least(value: Decimal | None, threshold: int) -> bool | None:
    return None if value is None else value >= threshold


def _shortages(position: str | None) -> bool | None:
    if position not in set(StaffingLevel):
        return None
    return position != StaffingLevel.NO_SHORTAGES


def _training(answers: Mapping[str, Any], form: str) -> dict[str, bool | None]:
    return {
        "asp_training_up_to_date": _at_least(
            read_percent(answers, ASP_TRAINING_PERCENT[form]), ASP_TRAINING_THRESHOLD),
        "supervisions_up_to_date": _at_least(
            read_percent(answers, SUPERVISION_PERCENT[form]), SUPERVISION_THRESHOLD),
        "affected_by_staffing_shortages": _shortages(
            read_choice(answers, STAFFING_POSITION[form])),
    }


def _cmr_level_1(answers: Mapping[str, Any]) -> dict[str, bool | None]:
    outcomes = read_choice(answers, ("outcomes", "rating"))
    rated = outcomes if outcomes in set(Rating) else None
    return {
        **_training(answers, CMR_LEVEL_1),
        "six_monthly_reviews_up_to_date": read_flag(
            answers, ("reviews", "six_monthly_reviews_up_to_date")),
        "personal_outcomes_met": None if rated is None else rated == Rating.GREEN,
        "engagement_surveys_done": read_flag(answers, ("satisfaction_surveys", "surveys_done")),
        "mandatory_training_up_to_date": read_flag(answers, ("mandatory_training", "up_to_date")),
        "management_changes": read_flag(
            answers, ("leadership_and_management", "management_changes")),
        # A green rating does not say every outcome was met; amber or red says some were not.
        "personal_outcomes_not_all_met": True if rated in (Rating.AMBER, Rating.RED) else None,
        "capacity_or_vacancy_concerns": read_flag(answers, ("sustainability", "capacity_concerns")),
    }


def _self_assessment(answers: Mapping[str, Any]) -> dict[str, bool | None]:
    """The SAQ's intelligence indicators (its compliance ones come from its ratings)."""
    outcomes = read_percent(answers, ("personal_outcomes_met_percent",))
    return {
        "affected_by_staffing_shortages": _shortages(
            read_choice(answers, STAFFING_POSITION[SELF_ASSESSMENT])),
        "management_changes": read_flag(answers, ("management_changes",)),
        "personal_outcomes_not_all_met": None if outcomes is None else outcomes < 100,
        "capacity_or_vacancy_concerns": read_flag(answers, ("capacity_or_vacancy_concerns",)),
    }


def _self_assessment_compliance(sections: Mapping[str, str]) -> dict[str, bool | None]:
    """Each compliance indicator from its section's rating: green is met, amber missed (the
    incidents section is green when incidents did not rise); a missing rating says nothing."""
    found: dict[str, bool | None] = {}
    for name, section in SELF_ASSESSMENT_SECTIONS.items():
        rating = sections.get(section)
        met = rating == Rating.GREEN if rating in set(Rating) else None
        found[name] = _negated(met) if name == MISSED_WHEN_TRUE else met
    return found


def _outcomes(reports: Any) -> dict[str, bool | None]:
    """Agreed outcomes: met when at least 80% are achieved, not all met when any is not."""
    if not isinstance(reports, list | tuple):
        return {}
    known = [r.get("achieved") for r in reports if isinstance(r, Mapping)]
    known = [a for a in known if a in set(Achievement)]
    if not known:
        return {}
    achieved = sum(a == Achievement.ACHIEVED for a in known)
    return {
        "personal_outcomes_met": achieved * 100 >= PERSONAL_OUTCOMES_THRESHOLD * len(known),
        "personal_outcomes_not_all_met": achieved < len(known),
    }


def _level_2(answers: Mapping[str, Any]) -> dict[str, bool | None]:
    return {
        **_outcomes(read(answers, ("delivery_against_contract", "outcomes"))),
        "engagement_surveys_done": read_flag(
            answers, ("involvement_and_feedback", "feedback_gathered")),
        "affected_by_staffing_shortages": _shortages(
            read_choice(answers, STAFFING_POSITION[LEVEL_2])),
    }


def _level_3(answers: Mapping[str, Any]) -> dict[str, bool | None]:
    feedback = read_choice(answers, ("feedback",))
    return {
        **_outcomes(read(answers, ("outcomes",))),
        # Reported feedback shows it was gathered; no feedback text does not show it was not.
        "engagement_surveys_done": True if feedback and feedback.strip() else None,
    }


def _kpi(answers: Mapping[str, Any]) -> dict[str, bool | None]:
    outcomes_set = read_number(answers, ("kpi1", "outcomes_set"))
    achieved = read_number(answers, ("kpi1", "outcomes_achieved"))
    if not outcomes_set or achieved is None or achieved > outcomes_set:
        return {}
    return {
        "personal_outcomes_met": achieved * 100 >= PERSONAL_OUTCOMES_THRESHOLD * outcomes_set,
        "personal_outcomes_not_all_met": achieved < outcomes_set,
    }


_READERS: dict[str, Callable[[Mapping[str, Any]], dict[str, bool | None]]] = {
    CMR_LEVEL_1: _cmr_level_1,
    SELF_ASSESSMENT: _self_assessment,
    LEVEL_2: _level_2,
    LEVEL_3: _level_3,
    KPI: _kpi,
}
