"""The risk score of a return under the first model, and the governance-report band it lands in
(domain-rules.md §5). The first model, "rag-sections-1", scores the section ratings alone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.risk.domain.answers import NOTHING_SAID
from services.risk.domain.model import FIRST_MODEL, band_for, score
from shared.contracts.risk import Band

pytestmark = pytest.mark.unit

LEVEL_1 = ("leadership_and_management", "sustainability", "finance", "safety_and_quality",
           "outcomes")


def rated(**overrides: str) -> dict[str, str]:
    return {**dict.fromkeys(LEVEL_1, "green"), **overrides}


def score_sections(sections: dict[str, str]):
    return score(FIRST_MODEL, sections, NOTHING_SAID)


# Bands: 100%, 75-99%, 50-74%, below 50% (002). Fractional scores must still land in a band.


def test_a_score_of_100_is_in_the_100_percent_band():
    assert band_for(Decimal("100")) is Band.FULL
    assert Band.FULL == "100%"


def test_a_score_of_99_99_is_not_100_percent_but_75_to_99():
    assert band_for(Decimal("99.99")) is Band.NO_SIGNIFICANT_RISK
    assert Band.NO_SIGNIFICANT_RISK == "75-99%"


def test_a_score_of_75_is_75_to_99():
    assert band_for(Decimal("75")) is Band.NO_SIGNIFICANT_RISK


def test_a_score_of_74_99_is_50_to_74():
    assert band_for(Decimal("74.99")) is Band.MODERATE_RISK
    assert Band.MODERATE_RISK == "50-74%"


def test_a_score_of_50_is_50_to_74():
    assert band_for(Decimal("50")) is Band.MODERATE_RISK


def test_a_score_of_49_99_is_below_50():
    assert band_for(Decimal("49.99")) is Band.SIGNIFICANT_RISK
    assert Band.SIGNIFICANT_RISK == "below 50%"


def test_a_score_of_49_5_is_below_50():
    # 002 writes "below 49%"; 49.5 falls between its bands, so it must be counted below 50%.
    assert band_for(Decimal("49.5")) is Band.SIGNIFICANT_RISK


def test_a_score_of_0_is_below_50():
    assert band_for(Decimal("0")) is Band.SIGNIFICANT_RISK


def test_an_all_green_return_scores_100_percent():
    score = score_sections(rated())

    assert score.percentage == Decimal("100.00")
    assert score.band is Band.FULL
    assert score.explanation_lines() == ["nothing cost any points"]


def test_green_earns_100_amber_50_and_red_0_and_the_score_is_their_mean():
    # Five sections: 100 + 100 + 100 + 50 + 0 = 350 of 500 points.
    score = score_sections(rated(finance="amber", outcomes="red"))

    assert score.percentage == Decimal("70.00")
    assert score.band is Band.MODERATE_RISK


def test_two_red_sections_of_five_score_60_percent():
    score = score_sections(rated(finance="red", safety_and_quality="red"))

    assert score.percentage == Decimal("60.00")


def test_an_all_red_return_scores_0_percent():
    score = score_sections(dict.fromkeys(LEVEL_1, "red"))

    assert score.percentage == Decimal("0.00")
    assert score.band is Band.SIGNIFICANT_RISK


def test_the_explanation_names_each_section_that_lost_points_with_its_share_of_the_score():
    # Five sections: a red one costs a fifth of 100 points, an amber one a tenth.
    score = score_sections(rated(sustainability="amber", finance="red"))

    assert score.explanation_lines() == [
        "Sustainability rated amber: 10 points",
        "Finance rated red: 20 points",
    ]


def test_green_sections_are_not_mentioned_in_the_explanation():
    score = score_sections(rated(outcomes="amber"))

    assert score.explanation_lines() == ["Outcomes rated amber: 10 points"]


def test_a_score_is_rounded_to_two_decimal_places():
    # Three sections, two green and one amber: 250 / 3 = 83.333...
    score = score_sections({"a": "green", "b": "green", "c": "amber"})

    assert score.percentage == Decimal("83.33")
    assert score.percentage.as_tuple().exponent == -2


def test_a_third_of_a_point_rounds_up_from_two_thirds():
    # 50 / 3 = 16.666...
    score = score_sections({"a": "amber", "b": "red", "c": "red"})

    assert score.percentage == Decimal("16.67")


def test_an_exact_half_of_a_hundredth_rounds_up():
    # One amber among sixteen red: 50 / 16 = 3.125, rounded half up (not to even) to 3.13.
    score = score_sections({"s00": "amber", **{f"s{i:02}": "red" for i in range(1, 16)}})

    assert score.percentage == Decimal("3.13")


def test_the_band_is_taken_from_the_rounded_score():
    score = score_sections({"a": "green", "b": "amber"})

    assert score.percentage == Decimal("75.00")
    assert score.band is Band.NO_SIGNIFICANT_RISK


def test_a_return_with_no_rated_sections_is_not_scored():
    with pytest.raises(ValueError, match="at least one rated section"):
        score_sections({})


def test_a_rating_other_than_green_amber_or_red_is_not_scored():
    with pytest.raises(ValueError):
        score_sections(rated(finance="purple"))
