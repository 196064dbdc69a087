"""The regulator adapters against the real formats: the CQC API over HTTP, the CI datastore CSV.

The CQC API cannot be called from tests (it needs a key and the internet), so a local server on
127.0.0.1 speaks its protocol (house style 7): the `Ocp-Apim-Subscription-Key` header (401
without it, as Azure API Management answers), `/changes/location` paged by `page`, `perPage`
and `totalPages`, `/locations/{locationId}` with `currentRatings.overall`, and a 429 with
Retry-After when the client is throttled. The field names are those the API publishes (see the
module docstring of services/intake/adapters/cqc.py).
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from services.intake.adapters.care_inspectorate import (
    DatastoreService,
    RowError,
    import_datastore,
    parse_datastore,
    read_datastore,
)
from services.intake.adapters.cqc import (
    CqcApiError,
    CqcClient,
    CqcLocation,
    CqcLocationNotRated,
)
from services.intake.domain.inspection import (
    CqcRating,
    GradeThreeOrBelowIsPoorPerformance,
    RequiresImprovementOrInadequateIsPoorPerformance,
)

pytestmark = pytest.mark.integration

KEY = "test-subscription-key"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SINCE = datetime(2025, 4, 1, tzinfo=UTC)
UNTIL = datetime(2025, 4, 8, 6, 30, tzinfo=UTC)


# --- a local server speaking the CQC public API ---


def real_location(name: str) -> dict[str, Any]:
    """A real answer of `GET /locations/{locationId}` (tests/fixtures/cqc/README.md)."""
    return json.loads((FIXTURES / "cqc" / name).read_text())


RATED = "location_1-125856395_rated.json"
DEREGISTERED = "location_1-134558905_deregistered.json"
INHERITED = "location_1-222222222_inherited.json"


def location(location_id: str, overall: str | None, **key_questions: str) -> dict[str, Any]:
    """The real Lucerne House answer with another id and other ratings; with no overall
    rating, without `currentRatings` (never inspected)."""
    body = real_location(RATED)
    body["locationId"] = location_id
    ratings = body["currentRatings"]["overall"]
    if overall is None:
        del body["currentRatings"]
        return body
    ratings["rating"] = overall
    ratings["keyQuestionRatings"] = [
        {**ratings["keyQuestionRatings"][0], "name": name, "rating": rating}
        for name, rating in key_questions.items()]
    return body


LOCATIONS = {
    "1-101": location("1-101", "Requires improvement", Safe="Inadequate", Effective="Good",
                      Caring="Good", Responsive="Requires improvement", **{"Well-led": "Good"}),
    "1-102": location("1-102", "Good", Safe="Good", Effective="Good", Caring="Outstanding",
                      Responsive="Good", **{"Well-led": "Insufficient evidence to rate"}),
    "1-103": location("1-103", None),
    "1-125856395": real_location(RATED),
    "1-134558905": real_location(DEREGISTERED),
    "1-222222222": real_location(INHERITED),
}
# Five changes, one of them reported twice, as the feed can when a location changes twice.
CHANGES = ["1-101", "1-102", "1-103", "1-104", "1-101", "1-105"]


@dataclass
class FakeCqc:
    """What the local API has been asked, and how it should misbehave next."""

    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # path -> [(status, Retry-After)] answered before the real answer, one per request
    trouble: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    changes: list[str] = field(default_factory=lambda: list(CHANGES))

    def reset(self) -> None:
        self.seen.clear()
        self.trouble.clear()
        self.changes = list(CHANGES)


def cqc_app(state: FakeCqc) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def apim(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        state.seen.append((request.url.path, dict(request.query_params)))
        key = request.headers.get("Ocp-Apim-Subscription-Key")
        if key != KEY:
            why = "missing" if key is None else "invalid"
            return JSONResponse({"statusCode": 401, "message": f"Access denied due to {why} "
                                 "subscription key."}, status_code=401)
        queued = state.trouble.get(request.url.path)
        if queued:
            status, retry_after = queued.pop(0)
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            return JSONResponse({"statusCode": status, "message": "Rate limit is exceeded."},
                                status_code=status, headers=headers)
        return await call_next(request)

    @app.get("/public/v1/changes/location")
    def changes(
        startTimestamp: str, endTimestamp: str, page: int = 1, perPage: int = 1000
    ) -> dict[str, Any]:
        changes = state.changes
        pages = max(1, -(-len(changes) // perPage))
        return {
            "total": len(changes), "page": page, "perPage": perPage, "totalPages": pages,
            "changes": changes[(page - 1) * perPage: page * perPage],
        }

    @app.get("/public/v1/locations/{location_id}")
    def details(location_id: str) -> JSONResponse:
        if location_id not in LOCATIONS:
            return JSONResponse({"statusCode": 404, "message": "Resource not found"}, 404)
        return JSONResponse(LOCATIONS[location_id])

    return app


@pytest.fixture(scope="module")
def cqc_server() -> Iterator[tuple[str, FakeCqc]]:
    state = FakeCqc()
    server = uvicorn.Server(uvicorn.Config(cqc_app(state), log_level="warning", lifespan="off"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # a free port, held from here until the server owns it
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the local CQC API did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/public/v1", state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def cqc(cqc_server: tuple[str, FakeCqc]) -> Iterator[tuple[CqcClient, FakeCqc]]:
    base_url, state = cqc_server
    state.reset()
    with CqcClient(base_url, KEY, per_page=2) as client:
        yield client, state


# --- CQC: which locations changed ---


def test_the_council_hears_of_every_cqc_location_that_changed_across_all_pages(cqc):
    client, state = cqc

    changed = client.changed_locations(SINCE, UNTIL)

    assert changed == ["1-101", "1-102", "1-103", "1-104", "1-105"]
    assert [query["page"] for _, query in state.seen] == ["1", "2", "3"]
    assert state.seen[0] == ("/public/v1/changes/location", {
        "startTimestamp": "2025-04-01T00:00:00Z", "endTimestamp": "2025-04-08T06:30:00Z",
        "perPage": "2", "page": "1"})


def test_change_timestamps_are_sent_in_utc(cqc):
    client, state = cqc
    one_hour_ahead = datetime.fromisoformat("2025-04-01T01:00:00+01:00")

    client.changed_locations(one_hour_ahead, UNTIL)

    assert state.seen[0][1]["startTimestamp"] == "2025-04-01T00:00:00Z"


def test_a_time_without_a_zone_is_refused_before_asking_cqc(cqc):
    client, state = cqc

    with pytest.raises(ValueError, match="since must be timezone-aware"):
        client.changed_locations(datetime(2025, 4, 1), UNTIL)
    assert state.seen == []


# --- CQC: ratings ---


def test_a_location_rated_requires_improvement_is_poor_performance(cqc):
    client, _ = cqc

    rating = client.rating("1-101")

    assert rating == CqcRating(
        "1-101", "requires improvement",
        {"safe": "inadequate", "effective": "good", "caring": "good",
         "responsive": "requires improvement", "well-led": "good"},
        date(2019, 10, 31),  # the report date of the real answer the location is made from
    )
    assert RequiresImprovementOrInadequateIsPoorPerformance().is_broken(rating)


def test_a_key_question_cqc_could_not_rate_is_left_out(cqc):
    client, _ = cqc

    rating = client.rating("1-102")

    assert set(rating.key_questions) == {"safe", "effective", "caring", "responsive"}
    assert not RequiresImprovementOrInadequateIsPoorPerformance().is_broken(rating)


def test_a_location_with_no_rating_yet_says_so(cqc):
    client, _ = cqc

    with pytest.raises(CqcLocationNotRated, match="1-103"):
        client.rating("1-103")


def test_a_real_rated_location_is_read_with_every_key_question(cqc):
    client, _ = cqc

    lucerne = client.location("1-125856395")

    assert not lucerne.deregistered
    assert lucerne.rating() == CqcRating(
        "1-125856395", "outstanding",
        {"safe": "good", "well-led": "outstanding", "caring": "outstanding",
         "responsive": "outstanding", "effective": "outstanding"},
        date(2019, 10, 31),
    )


def test_a_deregistered_location_is_a_closure_and_has_no_published_rating(cqc):
    # The real answer for a location CQC deregistered on 28 November 2016.
    client, _ = cqc

    allied = client.location("1-134558905")

    assert allied.deregistered
    assert allied.deregistered_on == date(2016, 11, 28)
    with pytest.raises(CqcLocationNotRated, match="1-134558905"):
        allied.rating()


def test_a_rating_inherited_on_re_registration_is_read_as_inherited_with_its_date(cqc):
    # CQC's own documented example: `organisationId` in the rating names the predecessor.
    client, _ = cqc

    rating = client.rating("1-222222222")

    assert rating == CqcRating("1-222222222", "good", {}, date(2022, 1, 1),
                               inherited_from="1-111111111")


def test_a_rating_of_the_location_itself_is_not_inherited(cqc):
    client, _ = cqc

    assert client.rating("1-125856395").inherited_from is None


@pytest.mark.parametrize("shape", [
    "Inspected but not rated", "Insufficient evidence to rate", "No published rating"])
def test_each_not_rated_overall_of_a_registered_location_says_so(shape):
    # The real deregistered answer, registered again, with each word CQC uses for no rating.
    body = real_location(DEREGISTERED)
    body["registrationStatus"] = "Registered"
    body["currentRatings"]["overall"]["rating"] = shape

    with pytest.raises(CqcLocationNotRated, match="1-134558905"):
        CqcLocation(body, "1-134558905").rating()


def test_an_unknown_location_is_a_clear_error_with_its_status(cqc):
    client, _ = cqc

    with pytest.raises(CqcApiError) as failed:
        client.rating("1-999")

    assert failed.value.status == 404
    assert failed.value.message == "Resource not found"
    assert failed.value.url.endswith("/locations/1-999")


# --- CQC: the subscription key and throttling ---


def test_without_the_subscription_key_cqc_refuses_with_401(cqc_server):
    base_url, state = cqc_server
    state.reset()

    with CqcClient(base_url, "not-our-key") as client, pytest.raises(CqcApiError) as failed:
        client.rating("1-101")

    assert failed.value.status == 401
    assert failed.value.message == "Access denied due to invalid subscription key."


def test_a_throttled_request_is_retried_after_the_wait_cqc_asks_for(cqc):
    client, state = cqc
    state.trouble["/public/v1/locations/1-101"] = [(429, "0")]

    rating = client.rating("1-101")

    assert rating.location_id == "1-101"
    assert [path for path, _ in state.seen] == ["/public/v1/locations/1-101"] * 2


def test_a_throttled_page_of_changes_is_retried_and_the_paging_carries_on(cqc):
    client, state = cqc
    state.trouble["/public/v1/changes/location"] = [(429, "0"), (503, "0")]

    assert len(client.changed_locations(SINCE, UNTIL)) == 5
    assert [query["page"] for _, query in state.seen] == ["1", "1", "1", "2", "3"]


def test_a_long_retry_after_is_capped_so_an_import_is_not_held_for_minutes(cqc_server):
    base_url, state = cqc_server
    state.reset()
    state.trouble["/public/v1/locations/1-101"] = [(429, "120")]
    waits: list[float] = []

    with CqcClient(base_url, KEY, max_retry_wait=2.0, sleep=waits.append) as client:
        client.rating("1-101")

    assert waits == [2.0]


def test_retries_are_bounded_and_then_the_error_is_raised(cqc_server):
    base_url, state = cqc_server
    state.reset()
    state.trouble["/public/v1/locations/1-101"] = [(503, "0")] * 10

    with CqcClient(base_url, KEY, max_retries=2) as client, pytest.raises(CqcApiError) as failed:
        client.rating("1-101")

    assert failed.value.status == 503
    assert len(state.seen) == 3  # the first try and two retries


def test_an_unreachable_api_is_a_clear_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes

    client = CqcClient(f"http://127.0.0.1:{port}", KEY, timeout=2)
    with client, pytest.raises(CqcApiError) as failed:
        client.rating("1-101")

    assert failed.value.status is None


# --- Care Inspectorate datastore CSV (real rows: tests/fixtures/care_inspectorate/README.md) ---


def by_number(services: list[DatastoreService]) -> dict[str, DatastoreService]:
    return {service.service_number: service for service in services}


def real(month: str) -> Path:
    return FIXTURES / "care_inspectorate" / f"datastore_{month}.csv"


def real_rows(month: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(real(month).read_text(encoding="utf-8"), newline="")))


def as_csv(rows: list[list[str]], line_end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=line_end).writerows(rows)
    return out.getvalue()


def test_every_months_file_is_read_whatever_its_columns():
    # 86 columns in 2016, 146 in 2021, 115 in 2023, 117 in December 2025.
    widths = {month: len(real_rows(month)[0])
              for month in ("2016-03-31", "2021-03-22", "2023-03-31", "2025-12-31")}
    results = {month: import_datastore(real(month)) for month in widths}

    assert widths == {"2016-03-31": 86, "2021-03-22": 146, "2023-03-31": 115, "2025-12-31": 117}
    assert all(result.errors == [] for result in results.values())
    assert [len(result.records) for result in results.values()] == [3, 3, 2, 7]


def test_a_grade_in_a_key_question_mingrade_leaves_out_is_the_lowest_grade():
    # March 2021: Clashfarquhar House, MinGrade 4, but KQ_COVID19 2 (issue 21, defect 3).
    clashfarquhar = by_number(import_datastore(real("2021-03-22")).records)["CS2003000266"]

    assert clashfarquhar.grades is not None
    assert clashfarquhar.grades.key_question_grades == {
        "support_wellbeing": 5, "care_and_support_planning": 4, "covid19": 2}
    assert (clashfarquhar.grades.min_grade, clashfarquhar.grades.published_min_grade) == (2, 4)
    assert GradeThreeOrBelowIsPoorPerformance().is_broken(clashfarquhar.grades)


def test_the_change_columns_beside_the_grades_are_not_grades():
    balmedie = by_number(import_datastore(real("2025-12-31")).records)["CS2003000265"]

    assert balmedie.grades is not None
    assert set(balmedie.grades.key_question_grades) == {
        "support_wellbeing", "care_and_support_planning", "setting", "staff_team", "leadership"}


def test_the_2016_file_is_read_by_its_own_column_names():
    # CaseNumber, Service_Provider, the quality themes, and no Publication_of_Latest_Grading: the
    # grades date from the last inspection.
    banchory = by_number(import_datastore(real("2016-03-31")).records)["CS2003000297"]

    assert banchory.provider_name
    assert banchory.grades is not None
    assert banchory.grades.graded_on == date(2016, 2, 19)
    assert banchory.grades.key_question_grades["quality_of_care_and_support"] == 2
    assert banchory.grades.min_grade == 2


def test_a_service_the_care_inspectorate_shows_inactive_is_a_closure():
    services = by_number(import_datastore(real("2025-12-31")).records)

    assert services["CS2003000164"].status == "Inactive" and services["CS2003000164"].closed
    assert not services["CS2003000265"].closed


def test_a_service_not_yet_graded_is_imported_without_grades():
    services = by_number(import_datastore(real("2025-12-31")).records)

    assert services["CS2016351092"].grades is None


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-8"])
def test_the_real_encodings_line_ends_and_trailing_rows_are_read(tmp_path: Path, encoding: str):
    rows = real_rows("2025-12-31")
    # CRLF; blank header cells at the end, which the rows do not fill; and the blank rows Excel
    # leaves at the end of a file.
    widened = [rows[0] + ["", " "]] + rows[1:] + [[""] * 119, [""] * 119]
    file = tmp_path / "MDSF_data_31 December 2025.csv"
    file.write_bytes(as_csv(widened, "\r\n").encode(encoding))

    result = import_datastore(file)

    assert result.errors == []
    assert by_number(result.records)["CS2004056798"].service_name == (
        "Eildon Housing \u2013 Learning Disability Service")
    assert [s.service_number for s in result.records] == [row[0] for row in rows[1:]]


def test_an_excel_serial_date_and_excels_day_zero_are_read():
    # Excel writes a date cell it saved as a number (45996 is 5 December 2025) and an empty one
    # as 00/01/1900. No published file with these was found: they are written into a real row.
    rows = real_rows("2025-12-31")
    published = rows[0].index("Publication_of_Latest_Grading")
    inspected = rows[0].index("Last_inspection_Date")
    serial, day_zero = list(rows[1]), list(rows[2])
    serial[published] = "45996"
    day_zero[published] = "00/01/1900"

    result = parse_datastore(as_csv([rows[0], serial, day_zero]))

    assert result.errors == []
    balmedie, victoria = result.records
    assert balmedie.grades is not None and balmedie.grades.graded_on == date(2025, 12, 5)
    # Day zero is no date: the grades date from the inspection, as when the cell is blank.
    assert victoria.grades is not None
    assert victoria.grades.graded_on == date.fromisoformat(
        "-".join(reversed(day_zero[inspected].split("/"))))


def test_each_bad_row_is_reported_with_row_and_column_and_the_rest_are_read():
    rows = real_rows("2025-12-31")
    leadership = rows[0].index("KQ_Leadership")
    published = rows[0].index("Publication_of_Latest_Grading")
    bad_grade, short, bad_date = list(rows[1]), rows[2][:12], list(rows[4])
    bad_grade[leadership] = "7"
    bad_date[published] = "31/02/2025"

    result = parse_datastore(as_csv([rows[0], bad_grade, short, rows[3], bad_date]))

    assert [s.service_number for s in result.records] == ["CS2003000164"]
    assert result.errors == [
        RowError(2, "KQ_Leadership", "KQ_Leadership '7' is not a grade from 1 to 6"),
        RowError(3, rows[0][12], "the row has 12 fields; the header has 117"),
        RowError(5, "Publication_of_Latest_Grading",
                 "Publication_of_Latest_Grading '31/02/2025' is not a date like 15/04/2025"),
    ]


def test_datastore_columns_are_found_by_name_whatever_their_order():
    rows = real_rows("2021-03-22")
    reordered = [["extra column", *reversed(row)] for row in rows]

    result = parse_datastore(as_csv(reordered))

    assert result.records == import_datastore(real("2021-03-22")).records


def test_a_datastore_without_a_grade_column_is_reported_on_the_header_row():
    result = parse_datastore("CSNumber,ServiceName,ServiceProvider,Publication_of_Latest_Grading\n"
                             "CS1,A service,A provider,01/04/2025\n")

    assert result.records == []
    assert result.errors == [RowError(1, "MinGrade", "the header has no MinGrade column")]


def test_a_mingrade_above_a_key_question_grade_is_kept_beside_the_lowest():
    # Real files do this (MinGrade left KQ_COVID19 out); it used to be refused as an error.
    result = parse_datastore(
        "CSNumber,ServiceName,ServiceProvider,MinGrade,Publication_of_Latest_Grading,KQ_Setting\n"
        "CS1,A service,A provider,5,01/04/2025,3\n"
        "CS2,B service,B provider,,01/04/2025,4\n"
    )

    assert result.errors == []
    first, second = result.records
    assert first.grades is not None and second.grades is not None
    assert (first.grades.min_grade, first.grades.published_min_grade) == (3, 5)
    assert (second.grades.min_grade, second.grades.published_min_grade) == (4, None)


def test_a_monthly_file_is_read_with_memory_flat_in_its_size(tmp_path: Path):
    # December 2025's file is 11.8 MB; reading one that size row by row must not hold it.
    rows = real_rows("2025-12-31")
    body = as_csv(rows[1:]).encode("utf-8")
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.write(as_csv(rows[:1]).encode("utf-8"))
        while out.tell() < 12 * 1024 * 1024:
            out.write(body)
    tracemalloc.start()
    try:
        with big.open("rb") as binary:
            count = sum(1 for _ in read_datastore(binary))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count > 1500
    assert peak < 2 * 1024 * 1024, f"reading took {peak:,} bytes at its peak"
