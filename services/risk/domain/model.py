"""The scoring model: a return's ratings and answers to a risk score that explains itself.

A return is scored out of 100, where higher means lower risk (002), in two steps.

1. Section ratings. Each section's rating earns points: by default green 100, amber 50, red 0.
   The ratings score is the weighted mean of those points; a section weighs 1 unless the model
   gives it a weight (0 leaves it out). Each section that earns less than 100 costs its share of
   the gap: `weight x (100 - points) / total weight`.
2. Answers. Named rules read the answers and each that applies costs its points, whatever the
   section ratings say, because each marks a contractual threshold or a safeguarding check the
   council treats as a risk in its own right. The defaults:

   - asp-training-below-threshold, 5 points: ASP training below 80% of staff
     (004 App. 3 §5; CMR and self-assessment).
   - supervision-below-threshold, 5 points: supervisions below 80% of staff (004 App. 3 §6b;
     CMR and self-assessment).
   - staffing-shortages-limiting-service, 10 points: staffing shortages limit the service
     (004 App. 3 §6a; CMR, self-assessment and LEVEL 2).
   - safer-recruitment-checks-missing, 10 points: staff files lack PVG checks, references, SSSC
     registration or the hourly rate, as 004 App. 3 §6d lists them (CMR).
   - incidents-not-notified, 5 points: an incident the provider describes was not notified to
     the Care Inspectorate (004 App. 3 §2c; CMR). Once per return, however many.

   A rule reads the return's typed answers (`answers.py`): where the form does not ask what it
   needs, it does not apply. A rule whose points are 0 is switched off.

3. Limiting ratings. A red rating on a section the council marks as limiting holds the score
   at that section's limit, whatever the arithmetic gives: the way the regulators' own
   aggregation rules let one inadequate area limit the overall rating (a CQC key question rated
   inadequate, or a Care Inspectorate quality indicator graded weak or unsatisfactory, keeps
   the overall judgement down). By default safety and quality and adult support and protection
   limit the score to 74%, the top of the 50-74% band: people's safety and protection are what
   004 §15 has shared at once, and a return red there does not sit in "no significant risk"
   beside returns with nothing wrong. The limit is a line of the explanation, costing what it
   takes off; of several red limiting sections the lowest limit holds.

The percentage is 100 less every cost, to two decimal places (ROUND_HALF_UP on the ratings
score), never below 0: a cost that would take it below 0 counts only down to 0, and its line
says so. The explanation has one `Deduction` per cost, ratings first in the order the sections
were given, then rules in the model's order; its points always add up to exactly 100 less the
percentage (the ratings' rounding is shared out by largest remainder). The band is the
governance report's (`scoring.band_for`): 100%, 75-99%, 50-74%, below 50%, so 99.99 is 75-99,
74.99 is 50-74 and 49.5 is below 50.

With no answer rule applying and no limiting section red, the default model gives the same
percentage as the first model, "rag-sections-1" (`FIRST_MODEL`): the mean of green 100, amber 50
and red 0. The default model before limiting ratings, "sections-and-answers-1", is the default
without them. All are kept in `KNOWN_MODELS`, since scores in the history name the model that
made them.

An organisation overrides any part with `model_from_dict`, under a version of its own, so every
score says which model made it and old scores can be read against new ones.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from services.risk.domain.answers import ReturnAnswers
from shared.vocabulary import (
    ASP_TRAINING_THRESHOLD,
    SUPERVISION_THRESHOLD,
    Band,
    Rating,
    StaffingLevel,
)

_CENT = Decimal("0.01")
_HUNDRED_CENTS = 10_000


def band_for(percentage: Decimal) -> Band:
    """Bands of the governance report; fractional scores fall below a boundary they miss (002)."""
    if percentage >= 100:
        return Band.FULL
    if percentage >= 75:
        return Band.NO_SIGNIFICANT_RISK
    if percentage >= 50:
        return Band.MODERATE_RISK
    return Band.SIGNIFICANT_RISK


@dataclass(frozen=True)
class Deduction:
    """One line of a score's explanation: what cost how many points."""

    reason: str
    points: Decimal
    rule: str = field(default="", compare=False)

    def __str__(self) -> str:
        unit = "point" if self.points == 1 else "points"
        return f"{self.reason}: {number(self.points)} {unit}"


class AnswerRule(Protocol):
    """A named rule that reads a return's answers and may cost points."""

    name: ClassVar[str]

    @property
    def points(self) -> Decimal: ...

    def applies(self, answers: ReturnAnswers) -> Deduction | None: ...


# The named answer rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class _BelowThresholdCostsPoints:
    points: Decimal
    threshold: Decimal

    what: ClassVar[str]
    name: ClassVar[str]

    def percent(self, answers: ReturnAnswers) -> Decimal | None:
        raise NotImplementedError

    def applies(self, answers: ReturnAnswers) -> Deduction | None:
        value = self.percent(answers)
        if value is None or value >= self.threshold:
            return None
        reason = (f"{self.what} {number(value)}% is below the {number(self.threshold)}% "
                  "threshold")
        return Deduction(reason, self.points, self.name)


@dataclass(frozen=True)
class AspTrainingBelowThresholdCostsPoints(_BelowThresholdCostsPoints):
    """ASP training must reach 80% of staff (004 App. 3 §5)."""

    points: Decimal = Decimal(5)
    threshold: Decimal = Decimal(ASP_TRAINING_THRESHOLD)

    name: ClassVar[str] = "asp-training-below-threshold"
    what: ClassVar[str] = "ASP training"

    def percent(self, answers: ReturnAnswers) -> Decimal | None:
        return answers.asp_training_percent


@dataclass(frozen=True)
class SupervisionBelowThresholdCostsPoints(_BelowThresholdCostsPoints):
    """Supervisions must reach 80% of staff (004 App. 3 §6b)."""

    points: Decimal = Decimal(5)
    threshold: Decimal = Decimal(SUPERVISION_THRESHOLD)

    name: ClassVar[str] = "supervision-below-threshold"
    what: ClassVar[str] = "Supervision"

    def percent(self, answers: ReturnAnswers) -> Decimal | None:
        return answers.supervision_percent


@dataclass(frozen=True)
class StaffingShortagesLimitingTheServiceCostPoints:
    """Shortages that limit the service are the staffing answer that matters (004 App. 3 §6a)."""

    points: Decimal = Decimal(10)

    name: ClassVar[str] = "staffing-shortages-limiting-service"

    def applies(self, answers: ReturnAnswers) -> Deduction | None:
        if answers.staffing is not StaffingLevel.SHORTAGES_LIMITING_SERVICE:
            return None
        return Deduction("Staffing shortages are limiting the service", self.points, self.name)


# Section 6d's checks of staff files (004 App. 3), in the record's order.
SAFER_RECRUITMENT_CHECKS = {
    "pvg_checks": "PVG checks",
    "references": "references",
    "sssc_registration": "SSSC registration",
    "hourly_rate_evidenced": "hourly rate",
}


@dataclass(frozen=True)
class SaferRecruitmentChecksMissingCostPoints:
    """Staff files must show PVG, references, SSSC registration and the rate (App. 3 §6d)."""

    points: Decimal = Decimal(10)

    name: ClassVar[str] = "safer-recruitment-checks-missing"

    def applies(self, answers: ReturnAnswers) -> Deduction | None:
        files = answers.staff_files
        if files is None:
            return None
        missing = [label for key, label in SAFER_RECRUITMENT_CHECKS.items()
                   if not getattr(files, key)]
        if not missing:
            return None
        reason = f"Safer recruitment checks missing from staff files ({', '.join(missing)})"
        return Deduction(reason, self.points, self.name)


@dataclass(frozen=True)
class IncidentsNotNotifiedCostPoints:
    """Incidents described but not notified to the Care Inspectorate (004 App. 3 §2c)."""

    points: Decimal = Decimal(5)

    name: ClassVar[str] = "incidents-not-notified"

    def applies(self, answers: ReturnAnswers) -> Deduction | None:
        unnotified = answers.incidents_not_notified
        if not unnotified:
            return None
        incidents = "incident" if unnotified == 1 else "incidents"
        reason = f"{unnotified} {incidents} not notified to the Care Inspectorate"
        return Deduction(reason, self.points, self.name)


RULES: dict[str, type[AnswerRule]] = {
    rule.name: rule for rule in (
        AspTrainingBelowThresholdCostsPoints,
        SupervisionBelowThresholdCostsPoints,
        StaffingShortagesLimitingTheServiceCostPoints,
        SaferRecruitmentChecksMissingCostPoints,
        IncidentsNotNotifiedCostPoints,
    )
}


def _rating_points(points: Mapping[Rating, Any]) -> dict[Rating, Decimal]:
    missing = [rating.value for rating in Rating if rating not in points]
    if missing:
        raise ValueError(f"the model gives no points for {', '.join(missing)}")
    values = {rating: _amount(points[rating], f"points for {rating.value}") for rating in Rating}
    if not values[Rating.GREEN] >= values[Rating.AMBER] >= values[Rating.RED]:
        raise ValueError("green must earn at least as many points as amber, and amber as red")
    return values


def _amount(value: Any, what: str, top: int | None = 100) -> Decimal:
    """A number from 0 (to `top`) with at most two decimal places."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not amount.is_finite() or amount < 0 or (top is not None and amount > top):
        upper = f" to {top}" if top is not None else ""
        raise ValueError(f"{what} must be a number from 0{upper}, not {value!r}")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"{what} has more than two decimal places: {value!r}")
    return amount


# The model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringModel:
    """A versioned scoring model: points per rating, section weights, answer rules and the
    sections whose red rating limits the score."""

    version: str
    points: Mapping[Rating, Decimal] = field(hash=False)
    weights: Mapping[str, Decimal] = field(default_factory=dict, hash=False)
    rules: tuple[AnswerRule, ...] = ()
    limits: Mapping[str, Decimal] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise ValueError("a scoring model needs a version")
        points = _rating_points(self.points)
        weights = {str(name): _amount(w, f"weight of {name}", top=None)
                   for name, w in self.weights.items()}
        limits = {str(name): _amount(cap, f"limit of {name}")
                  for name, cap in self.limits.items()}
        object.__setattr__(self, "points", MappingProxyType(points))
        object.__setattr__(self, "weights", MappingProxyType(weights))
        object.__setattr__(self, "limits", MappingProxyType(limits))
        object.__setattr__(self, "rules", tuple(self.rules))
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ValueError(f"a rule appears twice in the model: {', '.join(names)}")
        for rule in self.rules:
            _amount(rule.points, f"points of {rule.name}")

    def weight(self, section: str) -> Decimal:
        return self.weights.get(section, Decimal(1))


_RAG_POINTS = {Rating.GREEN: Decimal(100), Rating.AMBER: Decimal(50), Rating.RED: Decimal(0)}
# Safety and protection (004 §15; CMR sections "safety and quality" and 5, ASP): a red there
# holds the score at the top of the 50-74% band ("moderate risk", 002).
SAFETY_AND_PROTECTION_LIMITS = {"safety_and_quality": Decimal(74),
                                "adult_support_and_protection": Decimal(74)}
# The first model: section ratings alone.
FIRST_MODEL = ScoringModel(version="rag-sections-1", points=_RAG_POINTS)
# Ratings and answer rules, before limiting ratings.
SECTIONS_AND_ANSWERS_1 = ScoringModel(
    version="sections-and-answers-1",
    points=_RAG_POINTS,
    rules=tuple(rule() for rule in RULES.values()),
)
DEFAULT_MODEL = dataclasses.replace(SECTIONS_AND_ANSWERS_1, version="sections-and-answers-2",
                                    limits=SAFETY_AND_PROTECTION_LIMITS)
KNOWN_MODELS = {model.version: model
                for model in (FIRST_MODEL, SECTIONS_AND_ANSWERS_1, DEFAULT_MODEL)}


@dataclass(frozen=True)
class ScoredReturn:
    """A return's score under one model: ratings, percentage, band and what cost the points."""

    model_version: str
    section_ratings: Mapping[str, Rating] = field(hash=False)
    percentage: Decimal
    band: Band
    explanation: tuple[Deduction, ...]

    def explanation_lines(self) -> list[str]:
        """The explanation as an officer reads it, one line per cost."""
        if not self.explanation:
            return ["nothing cost any points"]
        return [str(deduction) for deduction in self.explanation]


def score(
    model: ScoringModel, sections: Mapping[str, Rating], answers: ReturnAnswers
) -> ScoredReturn:
    """Scores a return under `model`; the explanation's points add up to 100 less the score."""
    ratings = _ratings(sections)
    costs = [*_rating_costs(model, ratings), *_answer_costs(model, answers)]
    explanation = _floored_at_zero(costs)
    explanation += _limited(model, ratings, Decimal(100) - _sum(explanation))
    percentage = (Decimal(100) - _sum(explanation)).quantize(_CENT)
    return ScoredReturn(model.version, ratings, percentage, band_for(percentage),
                        tuple(explanation))


def _ratings(sections: Mapping[str, Rating]) -> dict[str, Rating]:
    """The section ratings, checked; a profile replayed from its store gives them as text."""
    if not sections:
        raise ValueError("a return needs at least one rated section to be scored")
    ratings = {}
    for name, rating in sections.items():
        if rating not in set(Rating):
            raise ValueError(f"section {name!r} is rated {rating!r}; ratings are green, amber, red")
        ratings[name] = Rating(rating)
    return ratings


def _rating_costs(model: ScoringModel, ratings: Mapping[str, Rating]) -> list[Deduction]:
    """Each section's share of the gap, the rounding shared out so the shares sum exactly."""
    weights = {name: Fraction(model.weight(name)) for name in ratings}
    total = sum(weights.values(), Fraction(0))
    if not total:
        raise ValueError("every section of the return weighs 0 in the scoring model")
    exact = {name: weights[name] * (100 - Fraction(model.points[rating])) * 100 / total
             for name, rating in ratings.items()}  # in hundredths of a point
    gap = _HUNDRED_CENTS - _half_up(_HUNDRED_CENTS - sum(exact.values(), Fraction(0)))
    cents = {name: math.floor(share) for name, share in exact.items()}
    by_remainder = sorted(exact, key=lambda name: cents[name] - exact[name])  # stable: order kept
    for name in by_remainder[: gap - sum(cents.values())]:
        cents[name] += 1
    return [Deduction(f"{label(name)} rated {ratings[name]}",
                      (Decimal(cents[name]) / 100).quantize(_CENT), "section-rating")
            for name in ratings if exact[name] > 0]


def _answer_costs(model: ScoringModel, answers: ReturnAnswers) -> list[Deduction]:
    found = (rule.applies(answers) for rule in model.rules if rule.points)
    return [deduction for deduction in found if deduction is not None]


def _floored_at_zero(costs: list[Deduction]) -> list[Deduction]:
    """Costs counted in order until the score reaches 0; the rest count only what remains."""
    left = Decimal(100)
    counted = []
    for cost in costs:
        points = min(cost.points, left)
        if points < cost.points:
            cost = Deduction(f"{cost.reason} ({number(cost.points)} points; only "
                             f"{number(points)} counted as a score cannot fall below 0%)",
                             points, cost.rule)
        counted.append(cost)
        left -= points
    return counted


def _limited(model: ScoringModel, ratings: Mapping[str, Rating],
             percentage: Decimal) -> list[Deduction]:
    """What a red limiting section takes off a score above its limit; of several, the lowest
    limit holds, and every section with that limit is named."""
    caps = {name: model.limits[name] for name, rating in ratings.items()
            if rating is Rating.RED and name in model.limits}
    if not caps or percentage <= min(caps.values()):
        return []
    cap = min(caps.values())
    names = [name for name, limit in caps.items() if limit == cap]
    reason = (f"{_names(names)} rated red, which limits the score to {number(cap)}% "
              f"(the {band_for(cap).value} band)")
    return [Deduction(reason, percentage - cap, LIMITING_RATING)]


LIMITING_RATING = "limiting-rating"


def _sum(deductions: list[Deduction]) -> Decimal:
    return sum((d.points for d in deductions), Decimal(0))


def _half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


# Per-organisation models --------------------------------------------------------------------

_MODEL_KEYS = ("version", "based_on", "points", "weights", "deductions", "limiting_sections")


def model_from_dict(d: Mapping[str, Any], base: ScoringModel = DEFAULT_MODEL) -> ScoringModel:
    """An organisation's model: `base` with the given parts overridden, under its own version.

    Keys: `version` (required, and new if anything changed), `based_on` (a built-in model's
    version, instead of `base`: a council model written for "sections-and-answers-1" keeps its
    meaning by naming it), `points` ({"amber": 60}), `weights` ({"safety_and_quality": 2}),
    `deductions`, by rule name, either the points ({"incidents-not-notified": 10}; 0 switches
    the rule off) or the rule's settings ({"asp-training-below-threshold": {"points": 8,
    "threshold": 90}}), and `limiting_sections`: the score a red rating on the section holds
    the return to ({"staffing": 49}; false unmarks a section limiting by default).
    """
    refuse_unknown("scoring model", d, _MODEL_KEYS)
    if "version" not in d:
        raise ValueError("a scoring model needs a version of its own")
    base = _base(d.get("based_on"), base)
    model = ScoringModel(
        version=d["version"],
        points={**base.points, **_rating_overrides(d.get("points", {}))},
        weights={**base.weights, **mapping_of(d.get("weights", {}), "weights")},
        rules=_rules(base.rules, mapping_of(d.get("deductions", {}), "deductions")),
        limits=_limits(base.limits, d.get("limiting_sections", {})),
    )
    if model.version == base.version and model != base:
        raise ValueError(f"a changed scoring model needs a version other than {base.version!r}")
    return model


def _base(named: Any, base: ScoringModel) -> ScoringModel:
    if named is None:
        return base
    if named not in KNOWN_MODELS:
        raise ValueError(f"based_on names no known model: {named!r}; known: "
                         f"{', '.join(KNOWN_MODELS)}")
    return KNOWN_MODELS[named]


def _limits(base: Mapping[str, Decimal], given: Any) -> dict[str, Any]:
    limits: dict[str, Any] = dict(base)
    for name, cap in mapping_of(given, "limiting_sections").items():
        if cap is False:
            limits.pop(str(name), None)
        else:
            limits[str(name)] = cap  # checked by the model, named by its section
    return limits


def _rating_overrides(points: Any) -> dict[Rating, Any]:
    given = mapping_of(points, "points")
    refuse_unknown("rating", given, tuple(Rating))
    return {Rating(name): value for name, value in given.items()}


def _rules(base: tuple[AnswerRule, ...], overrides: Mapping[str, Any]) -> tuple[AnswerRule, ...]:
    refuse_unknown("deduction rule", overrides, tuple(RULES))
    rules = {rule.name: rule for rule in base}
    for name, setting in overrides.items():
        current = rules.get(name) or RULES[name]()
        settings = setting if isinstance(setting, Mapping) else {"points": setting}
        known = tuple(f.name for f in dataclasses.fields(current))  # type: ignore[arg-type]
        refuse_unknown(f"setting of {name}", settings, known)
        values = {key: _amount(value, f"{key} of {name}") for key, value in settings.items()}
        rules[name] = dataclasses.replace(current, **values)  # type: ignore[type-var]
    return tuple(rules.values())


def refuse_unknown(what: str, given: Mapping[str, Any], known: tuple[str, ...]) -> None:
    unknown = sorted(str(key) for key in given if key not in known)
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(known)}")


def mapping_of(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must be a mapping, not {type(value).__name__}")
    return value


# Wording ------------------------------------------------------------------------------------

_ACRONYMS = {"asp": "ASP", "kpi": "KPI", "pvg": "PVG", "sssc": "SSSC"}


def label(section: str) -> str:
    """A section's name as an officer writes it: `safety_and_quality` -> `Safety and quality`."""
    words = [_word(w) for w in section.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _word(word: str) -> str:
    for short, written in _ACRONYMS.items():
        rest = word[len(short):]
        if word.startswith(short) and (not rest or rest.isdigit()):
            return written + word[len(short):]
    return word


def _names(sections: list[str]) -> str:
    """Sections as a sentence names them: `Safety and quality and adult support and protection`."""
    written = [label(name) for name in sections]
    written[1:] = [w[:1].lower() + w[1:] if w[1:2].islower() else w for w in written[1:]]
    return written[0] if len(written) == 1 else f"{', '.join(written[:-1])} and {written[-1]}"


def number(value: Decimal) -> str:
    """A figure without trailing zeros: 5, 72.5, 2.78."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
