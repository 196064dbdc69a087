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
import socket
import threading
import time
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
)
from services.intake.adapters.cqc import CqcApiError, CqcClient, CqcLocationNotRated
from services.intake.domain.inspection import (
    CqcRating,
    GradeThreeOrBelowIsPoorPerformance,
    RequiresImprovementOrInadequateIsPoorPerformance,
)

pytestmark = pytest.mark.integration

KEY = "test-subscription-key"
DATASTORE = Path(__file__).resolve().parents[1] / "fixtures" / "care_inspectorate_datastore.csv"
SINCE = datetime(2025, 4, 1, tzinfo=UTC)
UNTIL = datetime(2025, 4, 8, 6, 30, tzinfo=UTC)


# --- a local server speaking the CQC public API ---


def location(location_id: str, overall: str | None, **key_questions: str) -> dict[str, Any]:
    """A location as `GET /locations/{locationId}` returns it (fields the API publishes)."""
    body: dict[str, Any] = {
        "locationId": location_id,
        "providerId": "1-900",
        "name": f"Location {location_id}",
        "registrationStatus": "Registered",
        "lastInspection": {"date": "2025-01-20"},
        "lastReport": {"publicationDate": "2025-02-28"},
        "currentRatings": {},
    }
    if overall is not None:
        body["currentRatings"] = {
            "reportDate": "2025-02-28",
            "overall": {
                "rating": overall,
                "reportDate": "2025-02-28",
                "reportLinkId": f"report-{location_id}",
                "useOfResources": {},
                "keyQuestionRatings": [
                    {"name": name, "rating": rating, "reportDate": "2025-02-28",
                     "reportLinkId": f"report-{location_id}"}
                    for name, rating in key_questions.items()
                ],
            },
        }
    return body


LOCATIONS = {
    "1-101": location("1-101", "Requires improvement", Safe="Inadequate", Effective="Good",
                      Caring="Good", Responsive="Requires improvement", **{"Well-led": "Good"}),
    "1-102": location("1-102", "Good", Safe="Good", Effective="Good", Caring="Outstanding",
                      Responsive="Good", **{"Well-led": "Insufficient evidence to rate"}),
    "1-103": location("1-103", None),
}
# Five changes, one of them reported twice, as the feed can when a location changes twice.
CHANGES = ["1-101", "1-102", "1-103", "1-104", "1-101", "1-105"]


@dataclass
class FakeCqc:
    """What the local API has been asked, and how it should misbehave next."""

    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # path -> [(status, Retry-After)] answered before the real answer, one per request
    trouble: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)

    def reset(self) -> None:
        self.seen.clear()
        self.trouble.clear()


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
        pages = max(1, -(-len(CHANGES) // perPage))
        return {
            "total": len(CHANGES), "page": page, "perPage": perPage, "totalPages": pages,
            "changes": CHANGES[(page - 1) * perPage: page * perPage],
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
        date(2025, 2, 28),
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


# --- Care Inspectorate datastore CSV ---


def by_number(services: list[DatastoreService]) -> dict[str, DatastoreService]:
    return {service.service_number: service for service in services}


def test_the_datastore_is_imported_and_each_bad_row_is_reported_with_row_and_column():
    result = import_datastore(DATASTORE)

    assert [s.service_number for s in result.records] == [
        "CS2003000101", "CS2010000202", "CS2012000303", "CS2024000404", "CS2005000505",
        "CS2009000707", "CS2016001010",
    ]
    assert result.errors == [
        RowError(7, "KQ_Leadership", "KQ_Leadership '7' is not a grade from 1 to 6"),
        RowError(9, "Council_Area_Name", "the row has 12 fields; the header has 27"),
        RowError(10, "Publication_of_Latest_Grading",
                 "Publication_of_Latest_Grading '31/02/2025' is not a date like 15/04/2025"),
    ]


def test_a_service_graded_3_in_the_datastore_is_poor_performance():
    # 000: "Care Inspectorate grades fall to 3 or below".
    services = by_number(import_datastore(DATASTORE).records)
    riverside = services["CS2010000202"]
    rule = GradeThreeOrBelowIsPoorPerformance()

    assert riverside.service_name == "Riverside Care at Home, Dundee"
    assert riverside.provider_name == "Riverside Support Services Ltd"
    assert riverside.grades is not None
    assert riverside.grades.min_grade == 3
    assert riverside.grades.graded_on == date(2024, 12, 2)
    # Care at home has no setting to grade: KQ_Setting is blank, so not graded.
    assert riverside.grades.key_question_grades == {
        "support_wellbeing": 3, "care_and_support_planning": 4, "staff_team": 3, "leadership": 3}
    assert rule.is_broken(riverside.grades)
    assert not rule.is_broken(services["CS2003000101"].grades)
    broken = sorted(n for n, s in services.items() if s.grades and rule.is_broken(s.grades))
    assert broken == ["CS2010000202", "CS2012000303", "CS2016001010"]


def test_a_service_not_yet_graded_is_imported_without_grades():
    services = by_number(import_datastore(DATASTORE).records)

    assert services["CS2024000404"].grades is None


def test_a_grade_written_as_text_means_not_graded():
    loch_view = by_number(import_datastore(DATASTORE).records)["CS2009000707"]

    assert loch_view.grades is not None
    assert "setting" not in loch_view.grades.key_question_grades


def test_the_datastore_dates_written_as_15_jan_25_are_read():
    hillcrest = by_number(import_datastore(DATASTORE).records)["CS2012000303"]

    assert hillcrest.grades is not None
    assert hillcrest.grades.graded_on == date(2025, 1, 21)


def test_datastore_columns_are_found_by_name_whatever_their_order():
    rows = list(csv.reader(io.StringIO(DATASTORE.read_text(encoding="utf-8"))))
    complete = [row for row in rows if len(row) == len(rows[0])]
    reordered = io.StringIO()
    writer = csv.writer(reordered)
    for row in complete:
        writer.writerow(["extra column", *reversed(row)])

    result = parse_datastore(reordered.getvalue())

    assert result.records == import_datastore(DATASTORE).records


def test_a_datastore_without_a_grade_column_is_reported_on_the_header_row():
    result = parse_datastore("CSNumber,ServiceName,ServiceProvider,Publication_of_Latest_Grading\n"
                             "CS1,A service,A provider,01/04/2025\n")

    assert result.records == []
    assert result.errors == [RowError(1, "MinGrade", "the header has no MinGrade column")]


def test_an_older_windows_encoded_datastore_with_service_provider_spelt_differently_is_read(
    tmp_path: Path,
):
    older = tmp_path / "MDSF_data_31 March 2023.csv"
    older.write_bytes(
        "CSNumber,ServiceName,Service_Provider,MinGrade,Publication_of_Latest_Grading,KQ_Setting\r\n"
        "CS2001000001,Taigh Ceòl,Ceòl Care,4,03/03/2023,4\r\n".encode("cp1252")
    )

    [service] = import_datastore(older).records

    assert service.service_name == "Taigh Ceòl"
    assert service.provider_name == "Ceòl Care"
    assert service.grades is not None
    assert service.grades.key_question_grades == {"setting": 4}


def test_a_minimum_grade_above_a_key_question_grade_is_reported_against_mingrade():
    result = parse_datastore(
        "CSNumber,ServiceName,ServiceProvider,MinGrade,Publication_of_Latest_Grading,KQ_Setting\n"
        "CS1,A service,A provider,5,01/04/2025,3\n"
        "CS2,B service,B provider,,01/04/2025,4\n"
    )

    assert [s.service_number for s in result.records] == ["CS2"]
    assert result.records[0].grades is not None
    assert result.records[0].grades.min_grade == 4  # a blank MinGrade is the lowest KQ grade
    assert result.errors == [
        RowError(2, "MinGrade", "the minimum grade 5 is above the key question grade 3")]
