"""The monitoring level of a contract: the highest any criterion gives (domain-rules.md §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.intake.domain.monitoring_level import (
    AssessedRisk,
    LevelDecision,
    level_by_regulation,
    level_by_risk,
    level_by_value,
    level_for,
    pounds,
)
from shared.domain import InvalidInput

pytestmark = pytest.mark.unit

LOW = AssessedRisk.LOW


@pytest.mark.parametrize(
    ("annual_value", "level"),
    [
        (Decimal("0"), 3),
        (Decimal("10000"), 3),
        (Decimal("10000.01"), 2),
        (Decimal("100000"), 2),
        (Decimal("100000.01"), 1),
    ],
)
def test_value_over_100k_is_level_1_over_10k_level_2_and_10k_or_under_level_3(annual_value, level):
    # 004 §8: "over £100k", "over £10k", "£10k and under" — the amounts fall in the lower level.
    assert level_by_value(annual_value).level == level
    assert level_for(annual_value, LOW, None).level == level


@pytest.mark.parametrize(
    ("risk", "level"), [(AssessedRisk.HIGH, 1), (AssessedRisk.MEDIUM, 2), (AssessedRisk.LOW, 3)]
)
def test_high_risk_is_level_1_medium_level_2_low_level_3(risk, level):
    assert level_by_risk(risk).level == level
    assert level_for(Decimal("5000"), risk, None).level == level


@pytest.mark.parametrize("regulator", ["care-inspectorate", "cqc"])
def test_a_regulated_service_is_level_1_whatever_its_value_and_risk(regulator):
    assert level_by_regulation(regulator).level == 1
    assert level_for(Decimal("5000"), LOW, regulator).level == 1


def test_an_unregulated_low_value_low_risk_service_is_level_3_for_every_reason():
    assert level_for(Decimal("8500"), LOW, None) == LevelDecision(
        level=3,
        reasons=(
            "annual value £8,500 is £10,000 or under",
            "assessed risk is low",
            "not a regulated service",
        ),
    )


def test_the_highest_criterion_wins_and_only_its_reasons_are_given():
    # 004 §8: "high value and/or high risk" — the level is the highest any criterion gives.
    decision = level_for(Decimal("50000"), AssessedRisk.HIGH, None)
    assert decision == LevelDecision(level=1, reasons=("assessed risk is high",))


def test_a_high_value_care_inspectorate_service_gives_both_reasons_for_level_1():
    decision = level_for(Decimal("120000"), AssessedRisk.MEDIUM, "care-inspectorate")
    assert decision == LevelDecision(
        level=1,
        reasons=(
            "annual value £120,000 is over £100,000",
            "regulated by the Care Inspectorate",
        ),
    )


def test_a_cqc_regulated_service_names_the_care_quality_commission():
    assert level_by_regulation("cqc").reason == "regulated by the Care Quality Commission"


def test_medium_risk_lifts_a_small_unregulated_contract_to_level_2():
    decision = level_for(Decimal("10000"), AssessedRisk.MEDIUM, None)
    assert decision == LevelDecision(level=2, reasons=("assessed risk is medium",))


def test_value_and_risk_agreeing_on_level_2_both_count():
    decision = level_for(Decimal("10000.01"), AssessedRisk.MEDIUM, None)
    assert decision.reasons == (
        "annual value £10,000.01 is over £10,000",
        "assessed risk is medium",
    )


def test_a_negative_annual_value_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        level_for(Decimal("-1"), LOW, None)
    assert refused.value.field == "annual_value"


def test_an_annual_value_that_is_not_a_number_is_refused():
    with pytest.raises(InvalidInput) as refused:
        level_for(Decimal("NaN"), LOW, None)
    assert refused.value.field == "annual_value"


def test_an_unknown_regulator_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        level_for(Decimal("5000"), LOW, "ofsted")
    assert refused.value.field == "regulator"


def test_an_unknown_risk_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        level_for(Decimal("5000"), "moderate", None)  # type: ignore[arg-type]
    assert refused.value.field == "assessed_risk"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("100000"), "£100,000"),
        (Decimal("100000.00"), "£100,000"),
        (Decimal("10000.01"), "£10,000.01"),
        (Decimal("10000.5"), "£10,000.50"),
        (Decimal("999"), "£999"),
        (Decimal("1234567.89"), "£1,234,567.89"),
        (Decimal("-25"), "-£25"),
    ],
)
def test_money_is_shown_in_pounds_with_pence_only_when_there_are_some(value, shown):
    # house-style.md §11: displayed in UK formats (£100,000).
    assert pounds(value) == shown
