"""A provider's risk profile: each return scored once, read against the one before (§5).

After each score the profile reads the band as an assessed risk level (low / medium / high) and
records `RiskLevelAssessed` when that level changes; intake recomputes contract levels from it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.risk.domain.risk_profile import RiskProfile
from shared.domain import stable_id

pytestmark = pytest.mark.unit

LEVEL_1 = ("leadership_and_management", "sustainability", "finance", "safety_and_quality",
           "outcomes")
GREEN = dict.fromkeys(LEVEL_1, "green")
UNSAFE = {**GREEN, "safety_and_quality": "red", "finance": "red"}


def opened(provider_id: str = "oakwood") -> RiskProfile:
    profile = RiskProfile(provider_id=provider_id)
    profile.collect_events()
    return profile


def score(profile: RiskProfile, return_id: str, sections: dict[str, str]) -> list:
    profile.score_return(
        return_id, sections, correlation_id="corr-1", causation_id=f"env-{return_id}")
    return profile.collect_events()


def names(events: list) -> list[str]:
    return [type(e).__name__ for e in events]


def test_a_providers_profile_has_one_id_whoever_opens_it():
    assert RiskProfile(provider_id="oakwood").id == RiskProfile.create_id("oakwood")
    assert RiskProfile.create_id("oakwood") != RiskProfile.create_id("elmbank")


def test_scoring_a_return_records_its_score_band_and_explanation():
    profile = opened()

    scored, assessed = score(profile, "r1", {**GREEN, "finance": "amber"})

    assert type(scored).__name__ == "ReturnScored"
    assert type(assessed).__name__ == "RiskLevelAssessed"
    assert scored.return_id == "r1"
    assert scored.score == Decimal("90.00")
    assert scored.band == "75-99%"
    assert scored.explanation == ["finance rated amber: 50 of 100 points lost"]
    assert scored.section_ratings == {**GREEN, "finance": "amber"}
    assert scored.model_version == "rag-sections-1"
    assert (scored.correlation_id, scored.causation_id) == ("corr-1", "env-r1")
    assert profile.latest_score == Decimal("90.00")
    assert profile.latest_band == "75-99%"


def test_a_first_return_has_no_previous_score_or_change():
    scored = score(opened(), "r1", GREEN)[0]

    assert scored.previous_score is None
    assert scored.change is None


def test_a_later_return_is_read_against_the_previous_score():
    # "prior returns also being reviewed ... to identify any trends" (004 App. 3).
    profile = opened()
    score(profile, "r1", GREEN)

    scored = score(profile, "r2", UNSAFE)[0]

    assert scored.previous_score == Decimal("100.00")
    assert scored.change == Decimal("-40.00")


def test_an_improving_return_shows_a_positive_change():
    profile = opened()
    score(profile, "r1", UNSAFE)

    scored = score(profile, "r2", {**GREEN, "outcomes": "amber"})[0]

    assert scored.previous_score == Decimal("60.00")
    assert scored.change == Decimal("30.00")


def test_a_return_is_scored_once_however_often_it_arrives():
    profile = opened()
    score(profile, "r1", UNSAFE)

    again = score(profile, "r1", UNSAFE)

    assert again == []
    assert profile.scored_returns == ["r1"]


def test_a_return_already_scored_is_not_rescored_even_with_different_ratings():
    profile = opened()
    score(profile, "r1", GREEN)

    assert score(profile, "r1", UNSAFE) == []
    assert profile.latest_score == Decimal("100.00")


def test_an_all_green_return_raises_no_concern():
    profile = opened()

    assert names(score(profile, "r1", GREEN)) == ["ReturnScored", "RiskLevelAssessed"]
    assert names(score(profile, "r2", GREEN)) == ["ReturnScored"]
    assert profile.open_concerns == []


def test_a_return_with_red_safety_raises_a_safety_concern_with_its_evidence():
    profile = opened()

    scored, concern, assessed = score(profile, "r1", UNSAFE)

    assert type(concern).__name__ == "ConcernRaised"
    assert concern.provider_id == "oakwood"
    assert concern.category == "safety"
    assert concern.severity == "serious"
    assert concern.safety_at_risk is True
    assert concern.source == "return analysis"
    assert concern.summary == "sections rated red: finance; safety and quality"
    assert concern.evidence == ["r1", "env-r1"]
    assert profile.open_concerns == [concern.concern_id]
    assert (type(assessed).__name__, assessed.level) == ("RiskLevelAssessed", "medium")


def test_a_return_below_50_with_red_sections_raises_two_concerns():
    profile = opened()
    sections = {**GREEN, "finance": "red", "sustainability": "red", "outcomes": "red"}

    events = score(profile, "r1", sections)

    assert names(events) == [
        "ReturnScored", "ConcernRaised", "ConcernRaised", "RiskLevelAssessed"]
    assert len(set(profile.open_concerns)) == 2


def test_a_concern_id_is_the_same_every_time_the_same_return_fires_the_same_rule():
    # Deterministic ids let a redelivered return never open a second concern downstream.
    first = score(opened("oakwood"), "r1", UNSAFE)[1]
    second = score(opened("oakwood"), "r1", UNSAFE)[1]

    assert first.concern_id == second.concern_id
    assert first.concern_id == str(stable_id("concern", "r1", "red-section"))


def test_different_returns_raise_concerns_with_different_ids():
    profile = opened()

    first = score(profile, "r1", UNSAFE)[1]
    second = score(profile, "r2", UNSAFE)[1]

    assert first.concern_id != second.concern_id
    assert profile.open_concerns == [first.concern_id, second.concern_id]


def test_two_rules_fired_by_one_return_give_two_concern_ids():
    sections = {**GREEN, "finance": "red", "sustainability": "red", "outcomes": "red"}

    _, band, red, _ = score(opened(), "r1", sections)

    assert band.concern_id != red.concern_id


# The assessed risk level ---------------------------------------------------------------------


@pytest.mark.parametrize(("sections", "level"), [
    (GREEN, "low"),  # 100%
    ({**GREEN, "finance": "amber"}, "low"),  # 90%: no significant risk
    (UNSAFE, "medium"),  # 60%: moderate risk
    ({**GREEN, "finance": "red", "sustainability": "red", "outcomes": "red"}, "high"),  # 40%
])
def test_a_first_score_assesses_the_providers_risk_level_from_its_band(sections, level):
    # 002: 75-99% no significant risk, 50-74% moderate, below 50% significant.
    profile = opened()

    assessed = score(profile, "r1", sections)[-1]

    assert type(assessed).__name__ == "RiskLevelAssessed"
    assert (assessed.previous_level, assessed.level) == (None, level)
    assert (assessed.correlation_id, assessed.causation_id) == ("corr-1", "env-r1")
    assert profile.risk_level == level


def test_a_worse_band_raises_the_assessed_level_and_says_which_score_did_it():
    profile = opened()
    score(profile, "r1", GREEN)

    assessed = score(profile, "r2", {**GREEN, "finance": "red", "sustainability": "red",
                                     "outcomes": "red"})[-1]

    assert (assessed.previous_level, assessed.level) == ("low", "high")
    assert assessed.reason == "latest return scored 40.00%"
    assert assessed.provider_id == "oakwood"


def test_a_score_that_leaves_the_assessed_level_as_it_was_records_no_assessment():
    profile = opened()
    score(profile, "r1", GREEN)

    events = score(profile, "r2", {**GREEN, "outcomes": "amber"})  # 90%: still low

    assert names(events) == ["ReturnScored"]
    assert profile.risk_level == "low"


def test_an_improving_band_lowers_the_assessed_level():
    profile = opened()
    score(profile, "r1", UNSAFE)

    assessed = score(profile, "r2", GREEN)[-1]

    assert (assessed.previous_level, assessed.level) == ("medium", "low")


def test_a_return_scored_again_assesses_nothing_again():
    profile = opened()
    score(profile, "r1", UNSAFE)

    assert score(profile, "r1", GREEN) == []
    assert profile.risk_level == "medium"
