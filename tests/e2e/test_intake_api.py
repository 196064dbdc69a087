"""intake's front door over real HTTP and NATS: contracts, the calendar, returns and intelligence.

Each test is what a coordinator or a provider does through the API, on a clock the test sets
(POST /intake/clock/tick), so the calendar is the same whatever day the tests run.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import openpyxl
import pytest

from assure.system import System
from shared.contracts.forms import example
from shared.settings import AssureSettings
from tests.support import acting, contract_award, eventually, return_form, running, serving

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PDF = b"%PDF-1.4\n% notes of the monitoring visit, 12 August 2026\n%%EOF\n"
APRIL_TO_JULY = ("2026-04-01", "2026-07-31")


@contextlib.asynccontextmanager
async def intake_api(
    settings: AssureSettings, today: str = "2026-07-01"
) -> AsyncIterator[tuple[System, httpx.AsyncClient]]:
    """The running system with Oakwood Care registered and the clock set to `today`."""
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=10.0) as http,
    ):
        assert (await http.post("/intake/clock/tick", json={"to": today})).status_code == 200
        registered = await http.post("/intake/providers", json={
            "provider_id": "oakwood", "name": "Oakwood Care"})
        assert registered.status_code == 201, registered.text
        yield system, http


async def awarded(http: httpx.AsyncClient, reference: str, **overrides: Any) -> dict[str, Any]:
    answer = await http.post("/intake/providers/oakwood/contracts",
                             json=contract_award(reference, **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def tick(http: httpx.AsyncClient, to: str) -> dict[str, Any]:
    answer = await http.post("/intake/clock/tick", json={"to": to})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def history(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await http.get("/intake/providers/oakwood/history")
    assert answer.status_code == 200
    return answer.json()


async def submitted(http: httpx.AsyncClient, reference: str, body: dict[str, Any],
                    key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    answer = await http.post(f"/intake/contracts/{reference}/returns", json=body,
                             headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def cmr_for(period: tuple[str, str] = APRIL_TO_JULY, **changes: dict[str, Any]) -> dict[str, Any]:
    """The body of a LEVEL 1 return for the period, with some sections' answers changed."""
    answers = example("cmr-level-1", *(date.fromisoformat(day) for day in period))
    for section, fields in changes.items():
        answers[section] = {**answers[section], **fields}
    return {"form": "cmr-level-1", "answers": answers, "submitted_by": "Registered manager"}


async def stream_count(nats_url: str, stream: str, subject: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(stream, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def intake_events(system: System, settings: AssureSettings, event_type: str) -> int:
    ns = settings.namespace
    return await stream_count(system.nats_url, f"{ns.upper()}_INTAKE",
                              f"{ns}.evt.intake.*.oakwood.{event_type}")


def upload(name: str, content: bytes, media_type: str) -> dict[str, Any]:
    return {"file": (name, content, media_type)}


# Contracts and their levels ------------------------------------------------------------------


async def test_a_contract_is_placed_at_the_level_its_value_and_regulation_give_and_varied(
    settings,
):
    # 004 §8: "over £100k" LEVEL 1, "over £10k" LEVEL 2, "£10k and under" LEVEL 3; regulated
    # services LEVEL 1 whatever their value. The boundary amounts fall in the lower level.
    cases = [
        ("TEN-K", "10000", None, 3, "£10,000"),
        ("TEN-K-1P", "10000.01", None, 2, "£10,000.01"),
        ("HUNDRED-K", "100000", None, 2, "£100,000"),
        ("HUNDRED-K-1P", "100000.01", None, 1, "£100,000.01"),
        ("REGULATED", "5000", "cqc", 1, "£5,000"),
    ]
    async with intake_api(settings) as (_, http):
        for reference, value, regulator, level, shown in cases:
            contract = await awarded(http, reference, annual_value=value, regulator=regulator,
                                     regulator_service_id=None, service_type="day-services")

            assert (reference, contract["level"]) == (reference, level)
            assert contract["annual_value_display"] == shown

        placed = [e for e in await history(http) if e["event"] == "LevelChanged"]
        assert [e["data"]["level"] for e in placed] == [3, 2, 2, 1, 1]
        assert placed[0]["data"]["reason"] == (
            "contract awarded: annual value £10,000 is £10,000 or under; assessed risk is low; "
            "not a regulated service")
        assert placed[-1]["data"]["reason"] == (
            "contract awarded: regulated by the Care Quality Commission")

        varied = await http.post("/intake/contracts/HUNDRED-K/value",
                                 json={"annual_value": "100000.01"})

        assert varied.status_code == 200, varied.text
        assert (varied.json()["level"], varied.json()["annual_value_display"]) == (
            1, "£100,000.01")
        assert [e["event"] for e in await history(http)][-2:] == ["ValueVaried", "LevelChanged"]


# The calendar and the template ---------------------------------------------------------------


async def test_the_template_names_the_owed_form_and_period_and_its_example_is_accepted_as_is(
    settings,
):
    async with intake_api(settings) as (system, http):
        await awarded(http, "CARE-1")  # LEVEL 1 by value and regulation
        await awarded(http, "DAY-1", annual_value="45000", regulator=None,
                      regulator_service_id=None, service_type="day-services")
        await awarded(http, "ADVICE-1", annual_value="8000", regulator=None,
                      regulator_service_id=None, service_type="information-advice-and-support")
        assert (await tick(http, "2026-08-01"))["requested"] == 1  # CARE-1's April-July CMR

        templates = {}
        for reference in ("CARE-1", "DAY-1", "ADVICE-1"):
            answer = await http.get(f"/intake/contracts/{reference}/template")
            assert answer.status_code == 200, answer.text
            templates[reference] = answer.json()
            accepted = await submitted(http, reference, {
                "form": answer.json()["form"], "answers": answer.json()["example"],
                "submitted_by": "Registered manager"})
            assert accepted["late"] is False

        care = templates["CARE-1"]
        assert (care["level"], care["form"], care["period_start"], care["period_end"]) == (
            1, "cmr-level-1", "2026-04-01", "2026-07-31")
        assert care["due_on"] == "2026-08-17"  # 15 August 2026 is a Saturday
        assert care["request_id"] is not None
        day = templates["DAY-1"]
        assert (day["level"], day["form"], day["period_start"], day["due_on"]) == (
            2, "return-level-2", "2026-04-01", "2026-10-15")
        advice = templates["ADVICE-1"]
        assert (advice["level"], advice["form"], advice["period_end"], advice["due_on"]) == (
            3, "return-level-3", "2027-03-31", "2027-03-31")
        log = (await http.get("/intake/return-log")).json()
        assert [(row["contract_reference"], row["status"]) for row in log] == [
            ("CARE-1", "submitted")]
        assert await eventually(
            lambda: _at_least(intake_events(system, settings, "ReturnRequested"), 1),
            what="ReturnRequested on the INTAKE stream")


async def _at_least(count: Any, wanted: int) -> bool:
    return await count >= wanted


async def test_once_the_owed_return_is_in_the_template_moves_on_to_the_next_one(settings):
    async with intake_api(settings) as (_, http):
        await awarded(http, "CARE-1")
        await tick(http, "2026-08-01")
        owed = (await http.get("/intake/contracts/CARE-1/template")).json()
        await submitted(http, "CARE-1", {"form": owed["form"], "answers": owed["example"],
                                         "submitted_by": "Registered manager"})

        after = (await http.get("/intake/contracts/CARE-1/template")).json()

        assert (after["period_start"], after["period_end"]) == ("2026-08-01", "2026-11-30")


async def test_a_return_overdue_is_marked_once_and_a_late_one_is_accepted_and_marked_late(
    settings,
):
    async with intake_api(settings) as (system, http):
        await awarded(http, "CARE-1")
        await tick(http, "2026-08-01")

        first = await tick(http, "2026-08-18")  # the day after the (rolled) due date
        again = await tick(http, "2026-08-25")
        overdue = (await http.get("/intake/return-log", params={"status": "overdue"})).json()
        late = await submitted(http, "CARE-1", cmr_for())

        assert (first["overdue"], again["overdue"]) == (1, 0)
        assert [row["due_on"] for row in overdue] == ["2026-08-17"]
        assert (late["late"], late["due_on"], late["submitted_on"]) == (
            True, "2026-08-17", "2026-08-25")
        [row] = (await http.get("/intake/return-log", params={"status": "late"})).json()
        assert (row["return_id"], row["submitted_on"]) == (late["return_id"], "2026-08-25")
        assert await eventually(
            lambda: _equal(intake_events(system, settings, "ReturnOverdue"), 1),
            what="one ReturnOverdue on the INTAKE stream")


async def _equal(count: Any, wanted: int) -> bool:
    return await count == wanted


async def test_a_correction_is_a_new_return_linked_to_the_original_and_both_are_kept(settings):
    async with intake_api(settings) as (_, http):
        await awarded(http, "CARE-1")
        await tick(http, "2026-08-10")
        original = await submitted(http, "CARE-1", cmr_for(), key="aug-2026")

        corrected = await http.post(
            f"/intake/returns/{original['return_id']}/corrections",
            json=cmr_for(finance={"expenditure": "430000.00", "rating": "amber"}),
            headers={"Idempotency-Key": "aug-2026-fix"},
        )
        again = await http.post(
            f"/intake/returns/{original['return_id']}/corrections", json=cmr_for(),
            headers={"Idempotency-Key": "aug-2026-fix-2"},
        )

        assert corrected.status_code == 201, corrected.text
        correction = corrected.json()
        assert correction["corrects"] == original["return_id"]
        assert correction["sections"]["finance"] == "amber"
        kept = (await http.get(f"/intake/returns/{original['return_id']}")).json()
        assert kept["corrected_by"] == correction["return_id"]
        assert kept["answers"]["finance"]["expenditure"] == "398500.00"
        assert again.status_code == 409
        assert again.json()["field"] == "return_id"
        both = (await http.get("/intake/contracts/CARE-1/returns")).json()
        assert [r["return_id"] for r in both] == [original["return_id"], correction["return_id"]]
        [row] = (await http.get("/intake/return-log")).json()
        assert (row["status"], row["return_id"]) == ("submitted", original["return_id"])


# Bad input of every kind ---------------------------------------------------------------------


def _with_incident_on(day: str) -> dict[str, Any]:
    incidents = example("cmr-level-1")["incidents_and_accidents"]
    incidents["notable_incidents"][0]["occurred_on"] = day
    return cmr_for(incidents_and_accidents=incidents)


BAD_INPUT = [
    # what, method, path, body, status, the field named (the loc after "body")
    ("an unknown field", "post", "/intake/providers/oakwood/contracts",
     contract_award("NEW-1", colour="blue"), 422, ["colour"]),
    ("a service type that does not exist", "post", "/intake/providers/oakwood/contracts",
     contract_award("NEW-1", service_type="spa-retreat"), 422, ["service_type"]),
    ("a negative annual value", "post", "/intake/providers/oakwood/contracts",
     contract_award("NEW-1", annual_value="-1"), 422, ["annual_value"]),
    ("a contract ending before it starts", "post", "/intake/providers/oakwood/contracts",
     contract_award("NEW-1", end_date="2025-03-31"), 422, ["end_date"]),
    ("a percentage of 101", "post", "/intake/contracts/CARE-1/returns",
     cmr_for(adult_support_and_protection={"training_compliance_percent": 101}), 422,
     ["answers", "adult_support_and_protection", "training_compliance_percent"]),
    ("a negative count", "post", "/intake/contracts/CARE-1/returns",
     cmr_for(incidents_and_accidents={"incidents": -2}), 422,
     ["answers", "incidents_and_accidents", "incidents"]),
    ("an answer the form does not have", "post", "/intake/contracts/CARE-1/returns",
     cmr_for(finance={"catering_budget": "100.00"}), 422,
     ["answers", "finance", "catering_budget"]),
    ("a date outside the period", "post", "/intake/contracts/CARE-1/returns",
     _with_incident_on("2026-09-01"), 422,
     ["answers", "incidents_and_accidents", "notable_incidents", "0", "occurred_on"]),
    ("the wrong form for the contract's level", "post", "/intake/contracts/CARE-1/returns",
     {"form": "return-level-3", "answers": example("return-level-3"),
      "submitted_by": "Manager"}, 422, ["form"]),
    ("a form that does not exist", "post", "/intake/contracts/CARE-1/returns",
     {"form": "cmr-level-9", "answers": {}, "submitted_by": "Manager"}, 422, ["form"]),
    ("a contract nobody awarded", "post", "/intake/contracts/NOBODY-1/returns",
     return_form(), 404, None),
    ("the clock going back", "post", "/intake/clock/tick", {"to": "2026-06-30"}, 422, ["to"]),
    ("the clock to a date no one could mean", "post", "/intake/clock/tick",
     {"to": "9999-12-31"}, 422, ["to"]),
    ("the clock more than a year on", "post", "/intake/clock/tick", {"to": "2027-07-03"}, 422,
     ["to"]),
    ("a concern from a source that is not one", "post", "/intake/providers/oakwood/concerns",
     {"source": "gossip", "description": "heard something", "safety_at_risk": False,
      "reported_by": "someone"}, 422, ["source"]),
    ("a variation of a contract nobody awarded", "post", "/intake/contracts/NOBODY-1/value",
     {"annual_value": "5000"}, 404, None),
]


async def test_bad_input_of_every_kind_is_refused_naming_the_field_and_leaves_no_trace(settings):
    async with intake_api(settings) as (_, http):
        await awarded(http, "CARE-1")
        before = await history(http)
        clock = (await http.get("/intake/clock")).json()

        for what, method, path, body, status, field in BAD_INPUT:
            answer = await getattr(http, method)(path, json=body)

            assert (what, answer.status_code) == (what, status), answer.text
            if field is not None:
                locs = [error["loc"][1:] for error in answer.json()["detail"]]
                assert (what, [str(part) for part in locs[0]]) == (what, field), locs
            assert (what, await history(http)) == (what, before)

        assert (await http.get("/intake/clock")).json() == clock
        # A return with several bad answers names them all at once.
        body = cmr_for(adult_support_and_protection={"training_compliance_percent": 101},
                       supervision_and_appraisal={"supervision_compliance_percent": -5})
        del body["answers"]["finance"]
        answer = await http.post("/intake/contracts/CARE-1/returns", json=body)
        assert answer.status_code == 422
        assert sorted(".".join(e["loc"][1:]) for e in answer.json()["detail"]) == [
            "answers.adult_support_and_protection.training_compliance_percent",
            "answers.finance",
            "answers.supervision_and_appraisal.supervision_compliance_percent",
        ]
        assert await history(http) == before
        assert (await http.get("/intake/contracts/CARE-1/returns")).json() == []
        assert [c["reference"] for c in (await http.get("/intake/providers/oakwood")).json()[
            "contracts"]] == ["CARE-1"]


# Evidence ------------------------------------------------------------------------------------


async def test_evidence_comes_back_with_its_sha256_and_an_executable_is_refused(settings):
    async with intake_api(settings) as (_, http):
        await awarded(http, "CARE-1")
        monitoring_return = await submitted(http, "CARE-1", cmr_for())
        evidence_url = f"/intake/returns/{monitoring_return['return_id']}/evidence"

        uploaded = await http.post(evidence_url, files=upload("notes.pdf", PDF, "application/pdf"),
                                   data={})

        assert uploaded.status_code == 201, uploaded.text
        sha256 = hashlib.sha256(PDF).hexdigest()
        assert uploaded.json() == {"sha256": sha256, "size": len(PDF),
                                   "media_type": "application/pdf", "filename": "notes.pdf"}
        downloaded = await http.get(f"{evidence_url}/{sha256}")
        assert downloaded.status_code == 200
        assert downloaded.content == PDF
        assert downloaded.headers["x-content-sha256"] == sha256
        assert hashlib.sha256(downloaded.content).hexdigest() == sha256
        assert downloaded.headers["content-type"] == "application/pdf"
        assert "notes.pdf" in downloaded.headers["content-disposition"]
        kept = (await http.get(f"/intake/returns/{monitoring_return['return_id']}")).json()
        assert kept["evidence"] == [uploaded.json()]
        before = await history(http)

        refused = await http.post(
            evidence_url, data={},
            files=upload("invoice.exe", b"MZ\x90\x00\x03", "application/x-msdownload"))

        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "file"]
        assert await history(http) == before
        sha256 = hashlib.sha256(b"MZ\x90\x00\x03").hexdigest()
        assert (await http.get(f"{evidence_url}/{sha256}")).status_code == 404


async def test_evidence_named_the_way_word_names_files_can_be_downloaded(settings):
    async with intake_api(settings) as (_, http):
        await awarded(http, "CARE-1")
        monitoring_return = await submitted(http, "CARE-1", cmr_for())
        evidence_url = f"/intake/returns/{monitoring_return['return_id']}/evidence"
        uploaded = await http.post(
            evidence_url, data={},
            files=upload("Visit notes \u2013 August.pdf", PDF, "application/pdf"))
        assert uploaded.status_code == 201, uploaded.text

        downloaded = await http.get(f"{evidence_url}/{uploaded.json()['sha256']}")

        assert downloaded.status_code == 200
        assert downloaded.content == PDF


# The return log ------------------------------------------------------------------------------


async def test_the_return_log_downloads_as_csv_and_xlsx_with_uk_dates(settings):
    async with intake_api(settings) as (_, http):
        await awarded(http, "CARE-1")
        await tick(http, "2026-08-01")
        allocated = (await http.get("/intake/return-log")).json()[0]["request_id"]
        taken = await http.post(f"/intake/return-log/{allocated}/allocate",
                                json={}, headers=acting("Jo"))
        clash = await http.post(f"/intake/return-log/{allocated}/allocate",
                                json={}, headers=acting("Sam"))
        await tick(http, "2026-12-20")  # August's return overdue, December's too

        as_csv = await http.get("/intake/return-log", params={"format": "csv"})
        as_xlsx = await http.get("/intake/return-log", params={"format": "xlsx"})

        assert (taken.status_code, clash.status_code) == (200, 409)
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert "return-log.csv" in as_csv.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert [(r["Contract"], r["Period start"], r["Due"], r["Status"], r["Allocated to"])
                for r in rows] == [
            ("CARE-1", "01/04/2026", "17/08/2026", "overdue", "Jo"),
            ("CARE-1", "01/08/2026", "15/12/2026", "overdue", ""),
        ]
        assert as_xlsx.headers["content-type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))["Return log"]
        header = [cell.value for cell in sheet[1]]
        assert header == list(rows[0])
        due = sheet.cell(row=3, column=header.index("Due") + 1)
        assert (due.value, due.number_format) == (datetime(2026, 12, 15), "DD/MM/YYYY")


async def test_the_return_log_is_read_a_page_at_a_time_with_the_total_the_filter_keeps(
        settings):
    async with intake_api(settings) as (_, http):
        for reference in ("CARE-1", "CARE-2", "CARE-3"):
            await awarded(http, reference)
        await tick(http, "2027-04-20")  # a year of LEVEL 1 returns for each, all overdue
        whole = await http.get("/intake/return-log")
        rows = whole.json()

        pages = [await http.get("/intake/return-log", params={"limit": 4, "offset": start})
                 for start in range(0, len(rows), 4)]
        overdue_page = await http.get("/intake/return-log", params={
            "status": "overdue", "provider_id": "oakwood", "limit": 2, "offset": 2})
        past_the_end = await http.get("/intake/return-log",
                                      params={"limit": 4, "offset": len(rows)})
        refused = [await http.get("/intake/return-log", params=bad)
                   for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1},
                               {"limit": "many"})]

        assert len(rows) == 9 and whole.headers["x-total-count"] == "9"
        assert [row for page in pages for row in page.json()] == rows
        assert {page.headers["x-total-count"] for page in pages} == {"9"}
        assert [len(page.json()) for page in pages] == [4, 4, 1]
        assert overdue_page.json() == rows[2:4]
        assert overdue_page.headers["x-total-count"] == "9"
        assert (past_the_end.json(), past_the_end.headers["x-total-count"]) == ([], "9")
        assert [answer.status_code for answer in refused] == [422] * 4
        assert [answer.json()["detail"][0]["loc"][-1] for answer in refused] == [
            "limit", "limit", "offset", "limit"]


# What the regulator and call monitoring already hold -----------------------------------------


DATASTORE = FIXTURES / "care_inspectorate" / "datastore_2025-12-31.csv"  # real rows, see README


async def test_the_care_inspectorate_datastore_is_imported_for_our_services_once(settings):
    datastore = DATASTORE.read_bytes()
    async with intake_api(settings) as (system, http):
        await awarded(http, "BALMEDIE-1", regulator_service_id="CS2003000265")
        await awarded(http, "GAINHILL-1", regulator_service_id="CS2018367595")

        first = await http.post("/intake/imports/care-inspectorate",
                                files=upload("MDSF_data.csv", datastore, "text/csv"))
        again = await http.post("/intake/imports/care-inspectorate",
                                files=upload("MDSF_data.csv", datastore, "text/csv"))

        assert first.status_code == 200, first.text
        summary = first.json()
        assert {k: summary[k] for k in ("rows", "recorded", "unchanged", "older", "closed",
                                        "unmatched", "errors")} == {
            "rows": 7, "recorded": 2, "unchanged": 0, "older": 0, "closed": 0, "unmatched": 5,
            "errors": 0}
        # The counts come with the full list to download, not ids in the answer.
        listed = await http.get(summary["report"])
        assert listed.status_code == 200 and listed.headers["content-type"].startswith("text/csv")
        assert sorted(row["id_or_column"] for row in csv.DictReader(io.StringIO(listed.text))) == [
            "CS2003000164", "CS2003000242", "CS2003000250", "CS2004056798", "CS2016351092"]
        assert (again.json()["recorded"], again.json()["unchanged"]) == (0, 2)
        grades = {e["data"]["contract_reference"]: e["data"] for e in await history(http)
                  if e["aggregate"] == "InspectionRecord"}
        # Balmedie House's lowest grade is 2: grade 3 or below is a poor-performance trigger (000).
        assert {ref: g["poor_performance"] for ref, g in grades.items()} == {
            "BALMEDIE-1": True, "GAINHILL-1": False}
        assert grades["BALMEDIE-1"]["grades"] == {
            "support_wellbeing": "3", "care_and_support_planning": "3", "setting": "3",
            "staff_team": "2", "leadership": "2"}
        assert grades["BALMEDIE-1"]["graded_on"] == "2025-12-05"
        assert await eventually(
            lambda: _equal(intake_events(system, settings, "InspectionGradeRecorded"), 2),
            what="two InspectionGradeRecorded on the INTAKE stream")


def monthly_file_of(size: int) -> bytes:
    """A datastore the size of a real month (December 2025: 11.8 MB) made of real rows."""
    header, *rows = DATASTORE.read_bytes().splitlines(keepends=True)
    body = b"".join(rows)
    return header + body * (size // len(body) + 1)


async def test_a_real_sized_monthly_file_imports_in_one_request(settings):
    content = monthly_file_of(12 * 1024 * 1024)
    async with intake_api(settings) as (_, http):
        await awarded(http, "BALMEDIE-1", regulator_service_id="CS2003000265")

        answer = await http.post("/intake/imports/care-inspectorate", timeout=300,
                                 files=upload("MDSF_data_31 December 2025.csv", content,
                                              "text/csv"))

        assert answer.status_code == 200, answer.text[:300]
        summary = answer.json()
        assert summary["rows"] == content.count(b"\n") - 1
        assert (summary["recorded"], summary["errors"]) == (1, 0)


async def test_a_file_over_the_documented_limit_is_refused_in_json_naming_it(settings):
    async with intake_api(settings) as (_, http):
        answer = await http.post("/intake/imports/care-inspectorate", timeout=300,
                                 files=upload("too-big.csv", monthly_file_of(21 * 1024 * 1024),
                                              "text/csv"))

        assert answer.status_code == 413
        assert answer.headers["content-type"] == "application/json"
        assert "20 MB" in answer.json()["detail"]


async def test_call_monitoring_visits_are_imported_as_monthly_figures_once(settings):
    visits = (FIXTURES / "call_monitoring.csv").read_bytes()
    async with intake_api(settings) as (system, http):
        for reference in ("HC-2025-014", "HC-2025-027"):
            await awarded(http, reference, service_type="care-at-home")

        first = await http.post("/intake/imports/call-monitoring",
                                files=upload("visits.csv", visits, "text/csv"))
        again = await http.post("/intake/imports/call-monitoring",
                                files=upload("visits.csv", visits, "text/csv"))

        assert first.status_code == 200, first.text
        assert (first.json()["recorded"], first.json()["unmatched"]) == (4, 0)
        assert [e["row"] for e in first.json()["first_errors"]] == [20, 21, 22, 23]
        assert (again.json()["recorded"], again.json()["unchanged"]) == (0, 4)
        figures = {(e["data"]["contract_reference"], e["data"]["month"]): e["data"]
                   for e in await history(http) if e["aggregate"] == "VisitFigures"}
        assert set(figures) == {("HC-2025-014", "2025-04-01"), ("HC-2025-014", "2025-05-01"),
                                ("HC-2025-027", "2025-04-01"), ("HC-2025-027", "2025-05-01")}
        april = figures[("HC-2025-027", "2025-04-01")]
        assert (april["planned"], april["missed"]) == (4, 2)
        assert await eventually(
            lambda: _equal(intake_events(system, settings, "VisitFiguresRecorded"), 4),
            what="four VisitFiguresRecorded on the INTAKE stream")


# Concerns people report ----------------------------------------------------------------------


async def test_a_concern_reported_by_a_person_is_recorded_once_and_published(settings):
    concern = {"source": "whistleblowing", "description": "Night staff asleep on shift",
               "safety_at_risk": True, "reported_by": "Anonymous caller",
               "contract_reference": "CARE-1"}
    async with intake_api(settings) as (system, http):
        await awarded(http, "CARE-1")

        reported = await http.post("/intake/providers/oakwood/concerns", json=concern,
                                   headers={"Idempotency-Key": "call-0917"})
        again = await http.post("/intake/providers/oakwood/concerns", json=concern,
                                headers={"Idempotency-Key": "call-0917"})

        assert reported.status_code == 201, reported.text
        assert reported.json()["safety_at_risk"] is True
        assert again.json()["report_id"] == reported.json()["report_id"]
        assert [e["event"] for e in await history(http)].count("Reported") == 1
        assert await eventually(
            lambda: _equal(intake_events(system, settings, "ConcernReported"), 1),
            what="one ConcernReported on the INTAKE stream")
