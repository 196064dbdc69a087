"""The interventions of 003 (rows 1-18) on the Encourage / Enable / Enforce ladder (§7)."""

from __future__ import annotations

from enum import StrEnum

from shared.domain import InvalidInput
from shared.vocabulary import Level


class Step(StrEnum):
    """One intervention of the protocol, in the council's words (003)."""

    FEEDBACK = "feedback"
    INFORMATION_SHARING = "information sharing"
    TARGETED_COMMUNICATIONS = "targeted communications"
    REWARD = "reward"
    ADVICE_AND_GUIDANCE = "advice and guidance"
    TRAINING = "training"
    SCHEDULED_VISIT = "scheduled visit"
    RESPONSIVE_VISIT = "responsive visit"
    CONTRACT_MANAGEMENT_MEETING = "contract management meeting"
    CONTRACT_REVIEW_MEETING = "contract review meeting"
    RISK_ASSESSMENT = "risk assessment"
    IMPROVEMENT_PLAN = "improvement plan"
    BREACH_NOTICE = "breach notice"
    DIRECTED_IMPROVEMENT_PLAN = "directed improvement plan"
    CONTRACT_VARIATION = "contract variation"
    SUSPENSION = "suspension"
    DECOMMISSION = "decommission"
    # Not a row of 003 but a serious step of §8: whether the Chief Officer is told.
    TELL_THE_CHIEF_OFFICER = "tell the chief officer"


# The lowest rung each intervention belongs to (003's columns "Above - Monitor Encourage",
# "Enable", "B - Enable/Enforce", "NC - Enforce"). Taking a step never lowers the level.
LEVEL_OF: dict[Step, Level] = {
    Step.FEEDBACK: Level.ENCOURAGE,
    Step.INFORMATION_SHARING: Level.ENCOURAGE,
    Step.TARGETED_COMMUNICATIONS: Level.ENCOURAGE,
    Step.REWARD: Level.ENCOURAGE,
    Step.ADVICE_AND_GUIDANCE: Level.ENCOURAGE,
    Step.TRAINING: Level.ENCOURAGE,
    Step.SCHEDULED_VISIT: Level.ENCOURAGE,
    Step.CONTRACT_MANAGEMENT_MEETING: Level.ENCOURAGE,
    Step.RISK_ASSESSMENT: Level.ENCOURAGE,
    Step.RESPONSIVE_VISIT: Level.ENABLE,
    Step.CONTRACT_REVIEW_MEETING: Level.ENABLE,
    Step.CONTRACT_VARIATION: Level.ENABLE,
    Step.IMPROVEMENT_PLAN: Level.ENABLE,
    Step.BREACH_NOTICE: Level.ENFORCE,
    Step.DIRECTED_IMPROVEMENT_PLAN: Level.ENFORCE,
    Step.SUSPENSION: Level.ENFORCE,
    Step.DECOMMISSION: Level.ENFORCE,
    Step.TELL_THE_CHIEF_OFFICER: Level.ENFORCE,
}

MEETINGS = frozenset({Step.CONTRACT_MANAGEMENT_MEETING, Step.CONTRACT_REVIEW_MEETING})
VISITS = frozenset({Step.SCHEDULED_VISIT, Step.RESPONSIVE_VISIT})
# Steps with their own commands, because each carries more than a note (plans, notices,
# approvals); the rest are recorded as they are taken.
OWN_COMMAND = {
    Step.IMPROVEMENT_PLAN: "request an improvement plan",
    Step.DIRECTED_IMPROVEMENT_PLAN: "direct an improvement plan against a breach notice",
    Step.BREACH_NOTICE: "issue a breach notice",
    Step.SUSPENSION: "propose a suspension",
    Step.DECOMMISSION: "propose a decommission",
    Step.TELL_THE_CHIEF_OFFICER: "propose telling the Chief Officer",
}
_RANK = {Level.ENCOURAGE: 0, Level.ENABLE: 1, Level.ENFORCE: 2}


class PerformanceRating(StrEnum):
    """Where the provider stands against the performance threshold (003's three columns)."""

    ABOVE_THRESHOLD = "above the performance threshold"
    BELOW_THRESHOLD = "below the performance threshold"
    NON_COMPLIANT = "non-compliant"


RATING_AT = {
    Level.ENCOURAGE: PerformanceRating.ABOVE_THRESHOLD,
    Level.ENABLE: PerformanceRating.BELOW_THRESHOLD,
    Level.ENFORCE: PerformanceRating.NON_COMPLIANT,
}


def higher(first: Level, second: Level) -> Level:
    """The higher rung of two."""
    return first if _RANK[first] >= _RANK[second] else second


def parse_step(value: str, field: str = "step") -> Step:
    try:
        return Step(value)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not an intervention; it is one of " + ", ".join(s.value for s in Step),
            field=field,
        ) from None


def parse_level(value: str, field: str = "level") -> Level:
    try:
        return Level(value)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a level; it is encourage, enable or enforce", field=field
        ) from None


class StepAboveLevel(InvalidInput):
    """A step was chosen above the level it is meant to serve."""


def check_step_fits_level(step: Step, level: Level) -> None:
    """A step cannot be above the level chosen for it: no breach notice at Encourage."""
    if _RANK[LEVEL_OF[step]] > _RANK[level]:
        raise StepAboveLevel(
            f"a {step.value} is an {LEVEL_OF[step].value.title()} step, above "
            f"{level.value.title()}",
            field="step",
        )
