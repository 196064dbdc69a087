"""Random-ish lives of providers' risk profiles, as risk's consumers and officers make them.

Each step hands risk one upstream event (a contract awarded or re-levelled, a return submitted
with random section ratings, sometimes correcting an earlier one, a return overdue, a concern
reported, inspection grades, a month of visit figures) with the tracking position its consumer
would take, or an officer's change (intelligence logged, a follow-up, an action, an entry
resolved, an analysis held or released). The same seed gives the same history.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eventsourcing.persistence import Tracking

from services.risk.application import RiskAssessment
from shared.contracts import intake
from shared.contracts.envelope import IntegrationEvent, wrap
from shared.contracts.forms import example
from shared.domain import Missing, Refused
from shared.messaging.consumer import tracking_name

LEVEL_1 = ("leadership_and_management", "sustainability", "finance", "safety_and_quality",
           "outcomes")
SERVICE_TYPES = ("care-home", "day-services", "care-at-home")
SOURCES = tuple(intake.ConcernSource)
START = date(2024, 4, 1)


@dataclass
class Lives:
    """What a history has made so far, so later steps refer to what exists."""

    app: RiskAssessment
    rng: random.Random
    providers: list[str]
    position: int = 0
    contracts: dict[str, list[str]] = field(default_factory=dict)
    returns: dict[str, list[tuple[str, date]]] = field(default_factory=dict)

    def send(self, event: IntegrationEvent) -> None:
        self.position += 1
        when = datetime.combine(START, datetime.min.time(), UTC) + timedelta(hours=self.position)
        envelope = wrap(event, event_id=f"evt-{self.position}", time=when,
                        correlation_id=f"corr-{self.position}")
        self.app.handle(envelope, Tracking(tracking_name("intake", 0), self.position))


def live(app: RiskAssessment, seed: int, steps: int, providers: int = 6) -> Lives:
    """Runs `steps` random steps over `providers` providers; returns what was made."""
    lives = Lives(app, random.Random(seed), [f"prov-{seed}-{n}" for n in range(providers)])
    for _ in range(steps):
        step(lives)
    return lives


def step(lives: Lives) -> None:
    """One random step for one random provider."""
    provider = lives.rng.choice(lives.providers)
    if not lives.contracts.get(provider):
        award(lives, provider)
        return
    choice = lives.rng.choices(list(STEPS), weights=[w for w, _ in STEPS.values()])[0]
    # An officer's change the profile refuses (e.g. to an entry closed already) changes nothing.
    with contextlib.suppress(Missing, Refused):
        STEPS[choice][1](lives, provider)


def award(lives: Lives, provider: str) -> None:
    references = lives.contracts.setdefault(provider, [])
    reference = f"{provider}-c{len(references) + 1}"
    references.append(reference)
    lives.send(intake.ContractAwarded(
        provider_id=provider, contract_reference=reference,
        service_type=lives.rng.choice(SERVICE_TYPES), annual_value="120000",
        regulator="care-inspectorate", start_date=START, end_date=None,
        contract_manager="Ann Duncan"))


def relevel(lives: Lives, provider: str) -> None:
    lives.send(intake.ContractLevelChanged(
        provider_id=provider, contract_reference=lives.rng.choice(lives.contracts[provider]),
        previous_level=None, level=lives.rng.randint(1, 3), reason="reviewed"))


def submit(lives: Lives, provider: str) -> None:
    earlier = lives.returns.setdefault(provider, [])
    corrects = None
    if earlier and lives.rng.random() < 0.15:
        corrects, period_end = lives.rng.choice(earlier)
    else:
        period_end = START + timedelta(days=30 * (len(earlier) + 1))
    return_id = f"{provider}-r{len(earlier) + 1}"
    earlier.append((return_id, period_end))
    ratings = {s: lives.rng.choices(["green", "amber", "red"], [6, 3, 1])[0] for s in LEVEL_1}
    answers = example("cmr-level-1")
    for section, rating in ratings.items():
        answers[section]["rating"] = rating
    lives.send(intake.ReturnSubmitted(
        provider_id=provider, return_id=return_id,
        contract_reference=lives.contracts[provider][0], form="cmr-level-1", form_version=1,
        period_start=period_end - timedelta(days=29), period_end=period_end, sections=ratings,
        answers=answers, submitted_by="Registered manager",
        submitted_at=datetime.combine(period_end, datetime.min.time(), UTC), corrects=corrects))


def overdue(lives: Lives, provider: str) -> None:
    due = START + timedelta(days=lives.rng.randint(10, 700))
    lives.send(intake.ReturnOverdue(
        provider_id=provider, request_id=f"{provider}-q{lives.position}",
        contract_reference=lives.contracts[provider][0], form="cmr-level-1", due_on=due,
        overdue_on=due + timedelta(days=1)))


def report(lives: Lives, provider: str) -> None:
    lives.send(intake.ConcernReported(
        provider_id=provider, report_id=f"{provider}-cr{lives.position}",
        source=lives.rng.choice(SOURCES), description="Staff shortages most nights",
        safety_at_risk=lives.rng.random() < 0.3, reported_by="A relative"))


def inspect(lives: Lives, provider: str) -> None:
    grade = lives.rng.randint(1, 6)
    lives.send(intake.InspectionGradeRecorded(
        provider_id=provider, contract_reference=lives.contracts[provider][0],
        regulator="care-inspectorate", regulator_service_id=f"CS{lives.position:010d}",
        grades={"care_and_support": str(grade)}, min_grade=grade,
        graded_on=START + timedelta(days=lives.position), poor_performance=grade <= 3))


def visits(lives: Lives, provider: str) -> None:
    planned = lives.rng.randint(50, 100)
    missed = lives.rng.randint(0, 10)
    lives.send(intake.VisitFiguresRecorded(
        provider_id=provider, contract_reference=lives.contracts[provider][0],
        month=date(2025, lives.rng.randint(1, 12), 1), planned=planned,
        delivered=planned - missed, missed=missed, late=lives.rng.randint(0, 5),
        short_notice_cancellations=0))


def intelligence(lives: Lives, provider: str) -> None:
    lives.app.record_intelligence(provider, f"k{lives.rng.random()}", "staffing",
                                  "Agency staff on most night shifts", "locality team",
                                  "Jo Officer", "corr")


def follow_up(lives: Lives, provider: str) -> None:
    entries = list(lives.app.profile(provider).log)
    if entries:
        change = lives.rng.choice(["agree_follow_up", "record_action", "resolve"])
        lives.app.update_log(provider, lives.rng.choice(entries), change, "Visited; noted",
                             "Jo Officer", "corr")


def hold_or_release(lives: Lives, provider: str) -> None:
    records = list(lives.app.profile(provider).returns.values())
    if records:
        record = lives.rng.choice(records)
        if record["held"]:
            lives.app.release_analysis(provider, record["return_id"], "Jo Officer", "corr")
        else:
            lives.app.hold_analysis(provider, record["return_id"], "checking", "Jo Officer",
                                    "corr")


STEPS: dict[str, tuple[int, Any]] = {
    "award": (1, award), "relevel": (2, relevel), "submit": (8, submit),
    "overdue": (2, overdue), "report": (2, report), "inspect": (1, inspect),
    "visits": (1, visits), "intelligence": (2, intelligence), "follow_up": (3, follow_up),
    "hold_or_release": (2, hold_or_release),
}


def state_of(aggregate: Any) -> Any:
    """An aggregate's attributes with each value's type, to compare two loads exactly."""
    return _typed(dict(vars(aggregate)))


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_typed(item) for item in value])
    return (type(value).__name__, value)
