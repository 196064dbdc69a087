"""Low / Medium / High from likelihood x impact on the council's risk matrix (004 §8-9).

004 names the IJB's matrix without reproducing it; the default 5 x 5 matrix and how likelihood
and impact are derived are documented in services/risk/domain/risk_matrix.py.
"""

from __future__ import annotations

import pytest

from services.risk.domain.risk_matrix import (
    DEFAULT_MATRIX,
    RiskMatrix,
    assess,
    impact_from,
    likelihood_from,
)
from shared.contracts.risk import Band, RiskLevel

pytestmark = pytest.mark.unit

L, M, H = RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH

# The default matrix, likelihood 5 at the top, impact 1 to 5 left to right.
GRID = {
    5: (L, M, H, H, H),
    4: (L, M, M, H, H),
    3: (L, L, M, M, H),
    2: (L, L, L, M, M),
    1: (L, L, L, L, L),
}
CELLS = [(likelihood, impact, GRID[likelihood][impact - 1])
         for likelihood in range(1, 6) for impact in range(1, 6)]


# The matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("likelihood", "impact", "level"), CELLS)
def test_each_cell_of_the_default_matrix(likelihood, impact, level):
    assert assess(likelihood, impact) is level


@pytest.mark.parametrize(("product", "level"), [
    (1, L), (6, L), (8, M), (12, M), (15, H), (25, H),
])
def test_products_1_to_6_are_low_8_to_12_medium_15_to_25_high(product, level):
    cells = [(li, im) for li in range(1, 6) for im in range(1, 6) if li * im == product]

    assert cells
    assert {assess(li, im) for li, im in cells} == {level}


def test_the_matrix_is_symmetric_so_likelihood_and_impact_weigh_the_same():
    assert all(assess(a, b) is assess(b, a) for a in range(1, 6) for b in range(1, 6))


def test_nothing_rare_is_ever_more_than_low():
    assert {assess(1, impact) for impact in range(1, 6)} == {L}


def test_an_almost_certain_extreme_risk_is_high():
    assert assess(5, 5) is H


@pytest.mark.parametrize(("likelihood", "impact", "argument"), [
    (0, 3, "likelihood"), (6, 3, "likelihood"), (-1, 3, "likelihood"), ("3", 3, "likelihood"),
    (True, 3, "likelihood"), (3.0, 3, "likelihood"),
    (3, 0, "impact"), (3, 6, "impact"), (3, None, "impact"),
])
def test_a_score_off_the_matrix_is_refused_naming_the_argument(likelihood, impact, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must be a whole number from 1 to 5"):
        assess(likelihood, impact)


def test_a_council_with_its_own_thresholds_reads_the_same_cell_differently():
    # e.g. a council treating 5-9 as medium and 10 and over as high.
    cautious = RiskMatrix(medium_from=5, high_from=10)

    assert assess(2, 4) is M
    assert assess(2, 4, cautious) is M
    assert assess(2, 5) is M
    assert assess(2, 5, cautious) is H
    assert assess(1, 5, cautious) is M


def test_a_council_with_a_4_by_4_matrix_refuses_a_likelihood_of_5():
    small = RiskMatrix(likelihoods=4, impacts=4, medium_from=5, high_from=10)

    assert small.assess(4, 4) is H
    assert small.assess(2, 2) is L
    with pytest.raises(ValueError, match="likelihood must be a whole number from 1 to 4"):
        small.assess(5, 1)


@pytest.mark.parametrize(("settings", "argument"), [
    ({"likelihoods": 0}, "likelihoods"),
    ({"impacts": "5"}, "impacts"),
    ({"medium_from": 1}, "medium_from"),
    ({"high_from": 8}, "high_from"),
    ({"high_from": 26}, "high_from"),
])
def test_a_matrix_that_makes_no_sense_is_refused_naming_the_setting(settings, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must be"):
        RiskMatrix(**settings)


def test_the_reading_an_officer_records_names_both_scores_and_the_level():
    assert DEFAULT_MATRIX.explain(4, 4) == "likelihood 4 (likely) x impact 4 (major) = 16: high"
    assert DEFAULT_MATRIX.explain(1, 2) == (
        "likelihood 1 (rare) x impact 2 (minor) = 2: low")


# Likelihood from what the risk service knows ------------------------------------------------


@pytest.mark.parametrize(("band", "likelihood"), [
    (Band.FULL, 1),
    (Band.NO_SIGNIFICANT_RISK, 1),  # 002: "no significant risk"
    (Band.MODERATE_RISK, 3),  # 002: "moderate risk"
    (Band.SIGNIFICANT_RISK, 4),
    ("below 50%", 4),
    (None, 1),  # nothing scored yet
])
def test_the_latest_band_sets_the_likelihood(band, likelihood):
    assert likelihood_from(band, open_serious_concerns=0, trend_worsening=False) == likelihood


def test_one_open_serious_concern_makes_it_one_step_more_likely_and_several_two():
    assert likelihood_from(Band.MODERATE_RISK, 1, False) == 4
    assert likelihood_from(Band.MODERATE_RISK, 2, False) == 5
    assert likelihood_from(Band.NO_SIGNIFICANT_RISK, 7, False) == 3


def test_a_worsening_trend_makes_it_one_step_more_likely():
    assert likelihood_from(Band.NO_SIGNIFICANT_RISK, 0, True) == 2
    assert likelihood_from(Band.MODERATE_RISK, 0, True) == 4


def test_likelihood_never_goes_past_almost_certain():
    assert likelihood_from(Band.SIGNIFICANT_RISK, 5, True) == 5


@pytest.mark.parametrize(("band", "concerns", "worsening", "message"), [
    ("amber", 0, False, "band must be one of"),
    (Band.FULL, -1, False, "open_serious_concerns must be a whole number"),
    (Band.FULL, "2", False, "open_serious_concerns must be a whole number"),
    (Band.FULL, 0, "yes", "trend_worsening must be True or False"),
])
def test_likelihood_refuses_what_it_cannot_read(band, concerns, worsening, message):
    with pytest.raises(ValueError, match=message):
        likelihood_from(band, concerns, worsening)


# Impact from the service and people's safety ------------------------------------------------


@pytest.mark.parametrize(("service_type", "impact"), [
    ("care-home", 4),
    ("care-at-home", 4),
    ("short-breaks", 4),
    ("supported-housing", 4),
    ("day-services", 3),
    ("advocacy", 3),
    ("carer-support", 3),
    ("early-intervention-and-prevention", 2),
    ("information-advice-and-support", 2),
    ("employment-support", 2),
    ("skills-development", 2),
    ("a-service-type-added-later", 3),
])
def test_the_service_type_sets_the_impact(service_type, impact):
    assert impact_from(service_type, safety_at_risk=False) == impact


@pytest.mark.parametrize(("service_type", "impact"), [
    ("care-home", 5), ("day-services", 4), ("information-advice-and-support", 4),
])
def test_peoples_safety_at_risk_makes_the_impact_at_least_major(service_type, impact):
    # 004 §15: anything affecting people's safety goes to operational staff immediately.
    assert impact_from(service_type, safety_at_risk=True) == impact


def test_a_council_can_set_its_own_impact_for_a_service_type():
    assert impact_from("advocacy", False, {"advocacy": 4}) == 4


@pytest.mark.parametrize(("service_type", "safety", "message"), [
    ("", False, "service_type must name a service type"),
    (None, False, "service_type must name a service type"),
    ("care-home", 1, "safety_at_risk must be True or False"),
])
def test_impact_refuses_what_it_cannot_read(service_type, safety, message):
    with pytest.raises(ValueError, match=message):
        impact_from(service_type, safety)


# The levels a commissioning officer would expect --------------------------------------------


def level(band, service_type, concerns=0, worsening=False, safety=False) -> RiskLevel:
    return assess(likelihood_from(band, concerns, worsening), impact_from(service_type, safety))


@pytest.mark.parametrize(("band", "expected"), [
    (Band.FULL, L), (Band.NO_SIGNIFICANT_RISK, L), (Band.MODERATE_RISK, M),
    (Band.SIGNIFICANT_RISK, H),
])
def test_a_care_home_with_no_concerns_reads_as_its_band_did_before_the_matrix(band, expected):
    # 002: 75% and over is no significant risk, 50-74% moderate, below 50% significant.
    assert level(band, "care-home") is expected


def test_a_care_home_scoring_well_with_an_open_serious_concern_is_medium():
    assert level(Band.NO_SIGNIFICANT_RISK, "care-home", concerns=1) is M


def test_a_care_home_at_moderate_risk_and_getting_worse_is_high():
    assert level(Band.MODERATE_RISK, "care-home", worsening=True) is H


def test_an_advice_service_scoring_below_50_is_medium_not_high():
    assert level(Band.SIGNIFICANT_RISK, "information-advice-and-support") is M


def test_an_advice_service_at_moderate_risk_with_peoples_safety_at_risk_and_a_concern_is_high():
    assert level(Band.MODERATE_RISK, "information-advice-and-support", concerns=1,
                 safety=True) is H
