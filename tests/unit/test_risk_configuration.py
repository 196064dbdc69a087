"""A council's own risk configuration: model, matrix, impacts and rule thresholds (issue 4)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from services.risk.adapters.configuration_file import RiskConfigurationError, load_configuration
from services.risk.domain.configuration import DEFAULT_CONFIGURATION, configuration_from_dict
from services.risk.domain.model import DEFAULT_MODEL
from services.risk.domain.risk_matrix import DEFAULT_MATRIX, RiskMatrix
from shared.contracts.intake import Rating

pytestmark = pytest.mark.unit


def test_with_nothing_configured_the_documented_defaults_apply():
    config = configuration_from_dict({})

    assert config.model is DEFAULT_MODEL
    assert config.matrix == DEFAULT_MATRIX
    assert [rule.name for rule in config.rules] == [r.name for r in DEFAULT_CONFIGURATION.rules]


def test_a_council_sets_its_model_matrix_impacts_and_thresholds_in_one_document():
    config = configuration_from_dict({
        "scoring_model": {"version": "fife-2026-1", "points": {"amber": 60}},
        "risk_matrix": {"medium_from": 6, "high_from": 12},
        "service_impacts": {"day-services": 4},
        "rules": {"missed-visits": {"limit_percent": 2.5}, "worsening-trend": {"returns": 4}},
    })

    assert config.model.version == "fife-2026-1"
    assert config.model.points[Rating.AMBER] == Decimal(60)
    assert config.matrix == RiskMatrix(medium_from=6, high_from=12)
    assert config.service_impacts["day-services"] == 4
    assert config.rule("missed-visits").limit_percent == Decimal("2.5")
    assert config.rule("worsening-trend").returns == 4


def test_a_rule_set_to_false_is_switched_off():
    config = configuration_from_dict({"rules": {"staff-absence": False}})

    assert config.rule("staff-absence") is None
    assert config.rule("staff-turnover") is not None


def test_the_councils_model_and_the_built_in_ones_are_known_by_version():
    config = configuration_from_dict({"scoring_model": {"version": "council-2"}})

    assert config.model_named("council-2") is config.model
    assert config.model_named("rag-sections-1").version == "rag-sections-1"
    assert config.model_named("never-heard-of-it") is None


def test_a_council_marks_the_sections_whose_red_limits_the_score():
    # Safety and protection limit the score by default; a council adds its own, or unmarks one.
    assert DEFAULT_CONFIGURATION.model.limits == {
        "safety_and_quality": Decimal(74), "adult_support_and_protection": Decimal(74)}
    config = configuration_from_dict({"scoring_model": {
        "version": "council-3", "limiting_sections": {"staffing": 74,
                                                      "safety_and_quality": False}}})

    assert config.model.limits == {"adult_support_and_protection": Decimal(74),
                                   "staffing": Decimal(74)}
    assert config.model_named("sections-and-answers-1").limits == {}


@pytest.mark.parametrize(("given", "message"), [
    ({"scoring_modle": {}}, "unknown part of the risk configuration 'scoring_modle'"),
    ({"rules": {"no-such-rule": {}}}, "unknown rule 'no-such-rule'"),
    ({"rules": {"missed-visits": {"limit": 2}}}, "unknown setting of missed-visits 'limit'"),
    ({"rules": {"missed-visits": {"limit_percent": -1}}}, "limit_percent must be at least 0"),
    ({"risk_matrix": {"high_from": 3}}, "high_from must be a whole number"),
    ({"service_impacts": {"care-home": 0}}, "the impact of care-home must be a whole number"),
    ({"scoring_model": {"points": {"amber": 60}}}, "needs a version of its own"),
])
def test_a_configuration_that_makes_no_sense_is_refused_saying_why(given, message):
    with pytest.raises(ValueError, match=message):
        configuration_from_dict(given)


def test_the_configuration_file_is_read_when_set(tmp_path):
    file = tmp_path / "risk.json"
    file.write_text(json.dumps({"scoring_model": {"version": "council-2"}}), encoding="utf-8")

    assert load_configuration(file).model.version == "council-2"
    assert load_configuration(None) is DEFAULT_CONFIGURATION
    assert load_configuration("") is DEFAULT_CONFIGURATION


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "is not JSON: line 1, column 2"),
    ("[1, 2]", "must be a JSON object"),
    ('{"rules": {"no-such-rule": false}}', "unknown rule 'no-such-rule'"),
])
def test_a_bad_configuration_file_names_the_file_and_the_fault(tmp_path, content, message):
    file = tmp_path / "risk.json"
    file.write_text(content, encoding="utf-8")

    with pytest.raises(RiskConfigurationError, match=message) as refused:
        load_configuration(file)
    assert str(file) in str(refused.value)


def test_a_missing_configuration_file_is_refused(tmp_path):
    with pytest.raises(RiskConfigurationError, match="cannot read the risk configuration"):
        load_configuration(tmp_path / "nowhere.json")
