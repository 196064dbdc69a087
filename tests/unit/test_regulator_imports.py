"""Importing the Care Inspectorate's monthly files as they really are (issue 21), on the in-memory
store: real rows of four months (tests/fixtures/care_inspectorate/README.md)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.intake.adapters.cqc import rating_from_location
from services.intake.application import Award, Intake
from services.intake.application.regulator_imports import ImportSummary
from services.intake.bootstrap import build_intake
from services.intake.domain.grades import cqc_grades
from shared.contracts import intake as contracts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "care_inspectorate"
OURS = {  # contract reference -> the service it buys
    "BALMEDIE-1": "CS2003000265",
    "GAINHILL-1": "CS2018367595",
    "RUTHRIESTON-1": "CS2003000164",
    "CLASHFARQUHAR-1": "CS2003000266",
}


@pytest.fixture
def intake(tmp_path: Path) -> Intake:
    app = build_intake({"ASSURE_EVIDENCE_DIR": str(tmp_path / "evidence")})
    app.tick(date(2026, 1, 10), "corr-0")
    app.register_provider("CrossReach", "crossreach", "coordinator", "corr-0")
    for reference, service in OURS.items():
        app.award_contract(Award(
            provider_id="crossreach", reference=reference, service_type="care-home",
            annual_value=Decimal("400000"), regulator="care-inspectorate",
            regulator_service_id=service, start_date=date(2019, 4, 1), end_date=None,
            contract_manager="Ann Duncan",
        ), "coordinator", "corr-0")
    return app


def imported(app: Intake, month: str) -> ImportSummary:
    with (FIXTURES / f"datastore_{month}.csv").open("rb") as binary:
        return app.import_care_inspectorate(binary, "Ann Duncan", f"corr-{month}")


def published(app: Intake, kind: type[Any]) -> list[Any]:
    """The integration events intake would publish, of one kind."""
    events = [app.to_integration(app.mapper.to_domain_event(n))
              for n in app.recorder.select_notifications(start=1, limit=1000)]
    return [e for e in events if isinstance(e, kind)]


def grades_for(app: Intake, service: str) -> list[contracts.InspectionGradeRecorded]:
    return [e for e in published(app, contracts.InspectionGradeRecorded)
            if e.regulator_service_id == service]


# Newest wins (defect 2, must-do 3) -----------------------------------------------------------


def test_an_older_monthly_file_after_a_newer_one_is_history_and_tells_no_one(intake):
    newer = imported(intake, "2025-12-31")
    older = imported(intake, "2023-03-31")

    # Gainhill Farmhouse: graded 5 in August 2025, 2 in January 2022. Balmedie House: 2 in
    # December 2025, 3 in February 2023.
    assert (newer.recorded, older.recorded, older.older) == (2, 0, 2)
    assert [(e.graded_on, e.min_grade) for e in grades_for(intake, "CS2018367595")] == [
        (date(2025, 8, 25), 5)]
    assert [(e.graded_on, e.min_grade) for e in grades_for(intake, "CS2003000265")] == [
        (date(2025, 12, 5), 2)]


def test_a_newer_monthly_file_after_an_older_one_is_applied(intake):
    imported(intake, "2023-03-31")
    newer = imported(intake, "2025-12-31")

    assert newer.recorded == 2
    assert [e.min_grade for e in grades_for(intake, "CS2018367595")] == [2, 5]


def test_the_same_file_again_changes_nothing(intake):
    imported(intake, "2025-12-31")
    again = imported(intake, "2025-12-31")

    assert (again.recorded, again.unchanged, again.older, again.closed) == (0, 2, 0, 0)


# Every key question (defect 3, must-do 2) -----------------------------------------------------


def test_a_grade_of_2_in_a_key_question_mingrade_leaves_out_is_poor_performance(intake):
    imported(intake, "2021-03-22")

    [clashfarquhar] = grades_for(intake, "CS2003000266")
    assert clashfarquhar.grades["covid19"] == "2"
    assert (clashfarquhar.min_grade, clashfarquhar.published_min_grade) == (2, 4)
    assert clashfarquhar.poor_performance


# Closures (defect 4, must-do 4) -------------------------------------------------------------


def test_a_contracted_service_shown_inactive_is_a_closure_told_once(intake):
    first = imported(intake, "2025-12-31")
    again = imported(intake, "2025-12-31")

    [closure] = published(intake, contracts.RegulatedServiceClosed)
    assert (first.closed, again.closed) == (1, 0)
    assert (closure.contract_reference, closure.regulator_service_id, closure.status) == (
        "RUTHRIESTON-1", "CS2003000164", "Inactive")
    assert closure.contract_manager == "Ann Duncan"
    # Its last grades (3 in February 2025) raise nothing new.
    assert grades_for(intake, "CS2003000164") == []


def test_grades_from_a_file_older_than_the_closure_raise_nothing(intake):
    imported(intake, "2025-12-31")
    older = imported(intake, "2021-03-22")  # Ruthrieston House was still active in 2021

    assert grades_for(intake, "CS2003000164") == []
    assert older.older >= 1


def test_a_closure_of_a_contract_that_has_ended_tells_no_one(intake):
    intake.change_contract("RUTHRIESTON-1", "end", ended_on=date(2025, 3, 31),
                           reason="home closed", by="coordinator", correlation_id="corr-end")

    assert imported(intake, "2025-12-31").closed == 0
    assert published(intake, contracts.RegulatedServiceClosed) == []


# Counts and the list to download (defect 6, must-do 7) ---------------------------------------


def test_an_import_answers_in_counts_with_the_full_list_to_download(intake):
    summary = imported(intake, "2025-12-31")

    assert (summary.rows, summary.unmatched, summary.errors) == (7, 4, 0)
    assert summary.report is not None
    listed = list(csv.DictReader(io.StringIO(
        intake.import_report(summary.report.rsplit("/", 1)[1]).decode("utf-8"))))
    assert sorted(row["id_or_column"] for row in listed) == [
        "CS2003000242", "CS2003000250", "CS2004056798", "CS2016351092"]


# CQC: an inherited rating (must-do 5) ------------------------------------------------------


def test_an_inherited_cqc_rating_is_recorded_as_inherited_and_is_no_new_inspection(intake):
    # CQC's documented re-registration example (tests/fixtures/cqc/README.md), here rated
    # Requires improvement so that a new inspection would be poor performance.
    body = json.loads((FIXTURES.parent / "cqc" / "location_1-222222222_inherited.json")
                      .read_text())
    body["currentRatings"]["overall"]["rating"] = "Requires improvement"
    intake.award_contract(Award(
        provider_id="crossreach", reference="HEIR-1", service_type="care-home",
        annual_value=Decimal("400000"), regulator="cqc", regulator_service_id="1-222222222",
        start_date=date(2019, 4, 1), end_date=None, contract_manager="Ann Duncan",
    ), "coordinator", "corr-0")
    contract = intake.contract_for_regulator_service("1-222222222")

    outcome = intake.record_grades(
        contract, cqc_grades(rating_from_location(body, "1-222222222")),
        "Ann Duncan", "corr-cqc")

    assert outcome == "recorded"
    assert grades_for(intake, "1-222222222") == []  # told to no one: not a new inspection
    [record] = [intake.repository.get(n.originator_id)
                for n in intake.recorder.select_notifications(start=1, limit=1000)
                if n.topic.endswith("InspectionRecord.Recorded")]
    assert (record.inherited_from, record.poor_performance) == ("1-111111111", True)
