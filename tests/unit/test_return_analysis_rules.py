"""A return's own analysis: the score band and red sections that raise a concern (§5-6)."""

from __future__ import annotations

from datetime import date

import pytest

from services.risk.domain.answers import NOTHING_SAID
from services.risk.domain.model import FIRST_MODEL, score
from services.risk.domain.rules import (
    RedSectionRaisesAConcern,
    ScoredReturnReading,
    SignificantRiskBandRaisesAConcern,
    triggers_for,
)
from shared.contracts.risk import Severity

pytestmark = pytest.mark.unit

LEVEL_1 = ("leadership_and_management", "sustainability", "finance", "safety_and_quality",
           "outcomes")


def rated(**overrides: str) -> dict[str, str]:
    return {**dict.fromkeys(LEVEL_1, "green"), **overrides}


def reading(sections, return_id="r1"):
    scored = score(FIRST_MODEL, sections, NOTHING_SAID)
    return ScoredReturnReading(return_id, date(2026, 6, 30), scored.percentage, scored.band,
                               scored.section_ratings)


def fire(rule, sections):
    return rule.check(reading(sections))


def concerns_for(sections):
    return triggers_for(reading(sections))


# SignificantRiskBandRaisesAConcern: below 50% is significant risk (002).


def test_a_score_below_50_raises_a_serious_concern():
    sections = rated(finance="red", sustainability="red", outcomes="red")  # 40%

    draft = fire(SignificantRiskBandRaisesAConcern(), sections)

    assert draft is not None
    assert draft.rule == "significant-risk-band"
    assert draft.category == "risk score"
    assert draft.severity is Severity.SERIOUS
    assert draft.summary == ("The return for the period to 30 June 2026 scored 40%, in the band "
                             "below 50% (significant risk).")
    assert draft.evidence == ("r1",)


def test_a_score_of_exactly_50_raises_no_significant_risk_concern():
    sections = {"a": "green", "b": "red"}  # 50%

    assert fire(SignificantRiskBandRaisesAConcern(), sections) is None


def test_a_score_below_50_puts_people_at_risk_only_when_safety_and_quality_is_red():
    unsafe = rated(finance="red", sustainability="red", safety_and_quality="red")
    poor_but_safe = rated(finance="red", sustainability="red", outcomes="red")

    assert fire(SignificantRiskBandRaisesAConcern(), unsafe).safety_at_risk is True
    assert fire(SignificantRiskBandRaisesAConcern(), poor_but_safe).safety_at_risk is False


def test_an_amber_safety_section_below_50_does_not_put_people_at_risk():
    sections = rated(finance="red", sustainability="red", outcomes="red",
                     safety_and_quality="amber")

    assert fire(SignificantRiskBandRaisesAConcern(), sections).safety_at_risk is False


# RedSectionRaisesAConcern: any red section is a concern; red safety puts people at risk (§8).


def test_a_red_section_raises_a_moderate_quality_concern():
    draft = fire(RedSectionRaisesAConcern(), rated(finance="red"))

    assert draft is not None
    assert draft.rule == "red-section"
    assert draft.category == "quality"
    assert draft.severity is Severity.MODERATE
    assert draft.safety_at_risk is False
    assert draft.summary == (
        "The return for the period to 30 June 2026 rated 1 section red: finance.")


def test_a_red_safety_and_quality_section_is_a_serious_safety_concern():
    draft = fire(RedSectionRaisesAConcern(), rated(safety_and_quality="red"))

    assert draft.category == "safety"
    assert draft.severity is Severity.SERIOUS
    assert draft.safety_at_risk is True


def test_the_red_section_concern_lists_every_red_section_alphabetically():
    draft = fire(RedSectionRaisesAConcern(), rated(sustainability="red", finance="red"))

    assert draft.summary.endswith("rated 2 sections red: finance and sustainability.")


def test_amber_sections_raise_no_red_section_concern():
    assert fire(RedSectionRaisesAConcern(), dict.fromkeys(LEVEL_1, "amber")) is None


def test_an_all_green_return_raises_no_concern():
    sections = rated()

    assert concerns_for(sections) == []


def test_an_all_amber_return_raises_no_concern():
    # 50% is moderate risk, not significant, and nothing is red.
    sections = dict.fromkeys(LEVEL_1, "amber")

    assert concerns_for(sections) == []


def test_a_return_below_50_with_red_sections_raises_both_concerns():
    sections = rated(finance="red", sustainability="red", safety_and_quality="red")

    rules = [d.rule for d in concerns_for(sections)]

    assert rules == ["significant-risk-band", "red-section"]


def test_a_return_with_one_red_section_raises_only_the_red_section_concern():
    sections = rated(outcomes="red")  # 80%

    rules = [d.rule for d in concerns_for(sections)]

    assert rules == ["red-section"]
