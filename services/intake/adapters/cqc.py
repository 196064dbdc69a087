"""The CQC's public API (England's regulator): which locations changed, and their ratings.

API: https://api.service.cqc.org.uk/public/v1, every request carrying the subscription key in the
`Ocp-Apim-Subscription-Key` header (Azure API Management, which answers 401 without it and 429
when a client goes over its rate).

- `GET /changes/location?startTimestamp=...&endTimestamp=...&page=..&perPage=..` returns
  `{"changes": ["1-101", ...], "page": 1, "totalPages": 3, ...}`.
- `GET /locations/{locationId}` returns the location with `registrationStatus` ("Registered"
  or "Deregistered", with `deregistrationDate`) and `currentRatings.overall`: `rating`,
  `reportDate` and `keyQuestionRatings` (a list of `{"name": "Safe", "rating": ...}`). The
  real shapes are in tests/fixtures/cqc/ with their sources.

A rating carrying an `organisationId` other than the location's own was inherited from the
predecessor location on re-registration (CQC's API documentation, "6. Organisation
Re-registration"); it is read with `inherited_from` set.

A location with no rating answers one of three ways: no `currentRatings` at all (never
inspected), an overall rating such as "No published rating" (a deregistered location, as
captured in tests/fixtures/cqc/), or "Insufficient evidence to rate" / "Inspected but not rated".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from services.intake.domain.inspection import CqcRating
from shared.domain import InvalidInput

PUBLIC_API = "https://api.service.cqc.org.uk/public/v1"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
RETRYABLE = frozenset({429, 503})
# What CQC publishes where there is no rating on the four-point scale; a key question with one of
# these is left out, and an overall one means the location is not rated.
NOT_RATED = frozenset(
    {
        "insufficient evidence to rate",
        "inspected but not rated",
        "no published rating",
        "not yet inspected",
        "no rating at this time",
        "not rated",
    }
)


class CqcApiError(Exception):
    """The CQC API refused a request, failed, or answered with something unreadable."""

    def __init__(self, status: int | None, message: str, url: str = "") -> None:
        super().__init__(f"CQC API {status or 'error'}: {message}" + (f" ({url})" if url else ""))
        self.status = status
        self.message = message
        self.url = url


class CqcLocationNotRated(LookupError):
    """The location has no current overall rating (new, or inspected but not rated)."""


class CqcClient:
    """Reads the CQC public API over HTTP, following pages and waiting out rate limits."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        client: httpx.Client | None = None,
        timeout: float = 10,
        *,
        max_retries: int = 3,
        max_retry_wait: float = 5.0,
        per_page: int = 1000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {KEY_HEADER: api_key, "Accept": "application/json"}
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout)
        self._timeout = timeout
        self.max_retries = max_retries
        # Retry-After is honoured up to this cap, so a long throttle fails fast instead of
        # holding an import (or a request handler) for minutes.
        self.max_retry_wait = max_retry_wait
        self.per_page = per_page
        self._sleep = sleep

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> CqcClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def changed_locations(self, since: datetime, until: datetime) -> list[str]:
        """Ids of the locations CQC changed between two moments, every page, each id once."""
        params: dict[str, Any] = {
            "startTimestamp": _timestamp(since, "since"),
            "endTimestamp": _timestamp(until, "until"),
            "perPage": self.per_page,
        }
        found: dict[str, None] = {}
        page, total_pages = 1, 1
        while page <= total_pages:
            body = self._get("/changes/location", {**params, "page": page})
            found.update(dict.fromkeys(str(change) for change in body.get("changes") or []))
            total_pages = int(body.get("totalPages") or 1)
            page += 1
        return list(found)

    def rating(self, location_id: str) -> CqcRating:
        """The location's current ratings; CqcLocationNotRated if it has none."""
        return self.location(location_id).rating()

    def location(self, location_id: str) -> CqcLocation:
        """The location as CQC shows it: registration status and ratings."""
        return CqcLocation(self._get(f"/locations/{location_id}"), location_id)

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        for attempt in range(max(self.max_retries, 0) + 1):
            response = self._send(url, params)
            if response.status_code not in RETRYABLE or attempt == self.max_retries:
                break
            self._sleep(self._wait(response, attempt))
        if response.is_error:
            raise CqcApiError(response.status_code, _error_message(response), url)
        try:
            body = response.json()
        except ValueError:
            raise CqcApiError(response.status_code, "the answer is not JSON", url) from None
        if not isinstance(body, dict):
            raise CqcApiError(response.status_code, "the answer is not a JSON object", url)
        return body

    def _send(self, url: str, params: dict[str, Any] | None) -> httpx.Response:
        try:
            return self._client.get(
                url, params=params, headers=self._headers, timeout=self._timeout
            )
        except httpx.HTTPError as failure:
            raise CqcApiError(None, f"{type(failure).__name__}: {failure}", url) from failure

    def _wait(self, response: httpx.Response, attempt: int) -> float:
        seconds = _retry_after(response.headers.get("Retry-After"))
        if seconds is None:
            seconds = 0.5 * 2**attempt
        return max(0.0, min(seconds, self.max_retry_wait))


class CqcLocation:
    """One answer of `GET /locations/{locationId}`."""

    def __init__(self, body: dict[str, Any], location_id: str) -> None:
        self.body = body
        self.location_id = str(body.get("locationId") or location_id)
        self.registration_status = str(body.get("registrationStatus") or "Registered")

    @property
    def deregistered(self) -> bool:
        """CQC shows the location as no longer registered."""
        return self.registration_status.strip().lower() == "deregistered"

    @property
    def deregistered_on(self) -> date | None:
        value = self.body.get("deregistrationDate")
        try:
            return date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None

    def rating(self) -> CqcRating:
        """The current ratings; CqcLocationNotRated if there are none."""
        return rating_from_location(self.body, self.location_id)


def rating_from_location(body: dict[str, Any], location_id: str) -> CqcRating:
    """A CqcRating from the JSON of `GET /locations/{locationId}`."""
    ratings = body.get("currentRatings") or {}
    overall = ratings.get("overall") or {}
    if not overall.get("rating") or _not_rated(overall["rating"]):
        raise CqcLocationNotRated(f"CQC location {location_id} has no current overall rating")
    key_questions = {
        item["name"]: item["rating"]
        for item in overall.get("keyQuestionRatings") or []
        if item.get("name") and item.get("rating") and not _not_rated(item["rating"])
    }
    published = overall.get("reportDate") or ratings.get("reportDate")
    try:
        return CqcRating(
            location_id=str(body.get("locationId") or location_id),
            overall=overall["rating"],
            key_questions=key_questions,
            published_on=_report_date(published),
            inherited_from=_inherited_from(overall, str(body.get("locationId") or location_id)),
        )
    except InvalidInput as refused:
        raise CqcApiError(200, f"location {location_id}: {refused.message}") from None


def _inherited_from(overall: dict[str, Any], location_id: str) -> str | None:
    rated = str(overall.get("organisationId") or "").strip()
    return rated if rated and rated != location_id else None


def _not_rated(value: str) -> bool:
    return " ".join(str(value).split()).lower() in NOT_RATED


def _report_date(value: object) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInput(f"reportDate {value!r} is not a date", "published_on") from None


def _timestamp(moment: datetime, name: str) -> str:
    # The API reads its timestamps as UTC ("2025-04-01T06:30:00Z"); a naive time would be a guess.
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError):
        return None


def _error_message(response: httpx.Response) -> str:
    # API Management answers {"statusCode": 401, "message": "Access denied due to ..."}.
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.reason_phrase
