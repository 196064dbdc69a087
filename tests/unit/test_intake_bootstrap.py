"""intake is handed its adapters by bootstrap.py, built from the settings (issue 17): the
application opens none of them itself from environment strings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from services.intake.application import Intake
from services.intake.bootstrap import SERVICE
from shared.settings import AssureSettings
from shared.working_days import Nation

pytestmark = pytest.mark.unit


def test_intake_is_handed_the_adapters_its_settings_name(tmp_path: Path):
    calendar_file = tmp_path / "calendar.json"
    calendar_file.write_text(json.dumps({"local_holidays": ["2026-12-29"]}))
    sharing_file = tmp_path / "sharing.json"
    sharing_file.write_text(json.dumps({"council": "fife", "name": "Fife Council", "partners": [
        {"council": "perth", "name": "Perth Council"}]}))
    settings = AssureSettings(data_dir=tmp_path / "data", nation="england-and-wales",
                              calendar_file=calendar_file, sharing_file=sharing_file,
                              cqc_api_url="http://cqc.invalid/public/v1", cqc_api_key="key")

    app = SERVICE.build(settings)
    try:
        assert app.evidence.root == tmp_path / "data" / "evidence"
        # Import reports beside the evidence, never in it: the reports route reaches no return.
        assert app.adapters.import_reports.root == tmp_path / "data" / "import-reports"
        assert app.working_days.nation is Nation.ENGLAND_AND_WALES
        assert app.calendar.local_holidays == (date(2026, 12, 29),)
        assert app.sharing_setup is not None and app.sharing_setup.council == "fife"
        assert app.adapters.cqc is not None
        with app.adapters.cqc() as client:
            assert client.base_url == "http://cqc.invalid/public/v1"
    finally:
        app.close()


def test_intake_without_a_cqc_key_has_no_cqc_api_to_open(tmp_path: Path):
    app = SERVICE.build(AssureSettings(data_dir=tmp_path, cqc_api_key=""))
    try:
        assert app.adapters.cqc is None
    finally:
        app.close()


def test_intake_built_without_adapters_runs_on_the_documented_defaults():
    app = Intake()
    try:
        assert (app.sharing_setup, app.adapters.cqc) == (None, None)
        assert app.working_days.nation is Nation.SCOTLAND
        assert app.calendar.local_holidays == ()
    finally:
        app.close()
