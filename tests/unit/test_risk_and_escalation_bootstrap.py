"""risk and escalation are handed what they read from files by bootstrap.py, built from the
settings (issue 17): the council's risk configuration, and its working days. The applications
open no file themselves, and a wrong file stops the start."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from services.escalation.application import Interventions
from services.escalation.bootstrap import SERVICE as ESCALATION
from services.risk.adapters.configuration_file import RiskConfigurationError
from services.risk.application import RiskAssessment
from services.risk.bootstrap import SERVICE as RISK
from services.risk.domain.configuration import DEFAULT_CONFIGURATION
from shared.settings import AssureSettings
from shared.working_days import Nation

pytestmark = pytest.mark.unit


def test_risk_is_handed_the_councils_configuration(tmp_path: Path):
    config = tmp_path / "risk.json"
    config.write_text(json.dumps({"rules": {"staff-turnover": {"annual_limit_percent": 25}}}))
    app = RISK.build(AssureSettings(data_dir=tmp_path / "data", risk_config_file=config))
    try:
        assert app.configuration != DEFAULT_CONFIGURATION
    finally:
        app.close()


def test_a_risk_configuration_that_cannot_be_read_stops_the_start(tmp_path: Path):
    config = tmp_path / "risk.json"
    config.write_text("{not json")
    with pytest.raises(RiskConfigurationError, match="not JSON"):
        RISK.build(AssureSettings(data_dir=tmp_path / "data", risk_config_file=config))


def test_escalation_is_handed_the_councils_working_days(tmp_path: Path):
    calendar = tmp_path / "calendar.json"
    calendar.write_text(json.dumps({"local_holidays": ["2026-12-29"]}))
    app = ESCALATION.build(AssureSettings(data_dir=tmp_path / "data",
                                          nation="england-and-wales", calendar_file=calendar))
    try:
        assert app.calendar.nation is Nation.ENGLAND_AND_WALES
        assert app.calendar.holiday_name(date(2026, 12, 29)) is not None
        assert app.calendar.holiday_name(date(2026, 12, 30)) is None
    finally:
        app.close()


def test_both_built_without_files_run_on_the_documented_defaults():
    risk, escalation = RiskAssessment(), Interventions()
    try:
        assert risk.configuration == DEFAULT_CONFIGURATION
        assert escalation.calendar.nation is Nation.SCOTLAND
        assert escalation.calendar.holiday_name(date(2026, 12, 29)) is None
    finally:
        risk.close()
        escalation.close()
