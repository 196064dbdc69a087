"""What auditors use: a provider's history from every service, exported or as it stood on a
date, who read it, and verification of every store's hash chains (issue 7)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.encoders import jsonable_encoder

from assure.exports import UK, to_csv, to_jsonl, to_pdf
from shared.chain import Verification
from shared.domain import InvalidInput
from shared.eventstore import ServiceApplication
from shared.http import IsoDate, IsoDateTime, PageOf, ProviderId, known_provider, reader_of

Reader = Annotated[str | None, Depends(reader_of)]
UNIDENTIFIED = "unidentified reader"
MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8",
         "pdf": "application/pdf"}


def merge(histories: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The services' histories as one, in time order."""
    entries = [entry for history in histories for entry in history]
    return sorted(entries, key=lambda entry: (entry["time"], entry["service"]))


def as_json(entries: list[dict[str, Any]]) -> str:
    """The entries as FastAPI writes a list it is given, without walking every value in Python
    first: the standard encoder writes what JSON has, FastAPI's encoder the rest (a Decimal, a
    date). A history of 650 events spent most of its answer in that walk (bench.console_paint)."""
    try:
        return json.dumps(entries, default=jsonable_encoder, ensure_ascii=False,
                          allow_nan=False, separators=(",", ":"))
    except TypeError:  # a key JSON has no form for (a date, say): FastAPI's encoder knows it
        return json.dumps(jsonable_encoder(entries), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))


def end_of_day(day: date) -> datetime:
    """The last moment of a UK calendar day, as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UK) - timedelta(
        microseconds=1)


def _moment(day: date | None, at: datetime | None) -> datetime:
    if (day is None) == (at is None):
        raise InvalidInput("give either a date or a moment (at), not both or neither", "date")
    if at is not None:
        if at.tzinfo is None:
            raise InvalidInput("the moment needs its time zone, e.g. 2026-11-23T10:00:00Z", "at")
        return at
    assert day is not None
    return end_of_day(day)


def audit_router(apps: dict[str, ServiceApplication]) -> APIRouter:
    router = APIRouter(tags=["audit"])
    recorder = apps.get("intake") or next(iter(apps.values()))

    def record(provider_id: str, reader: str | None, what: str) -> None:
        recorder.record_read(provider_id, reader or UNIDENTIFIED, what)

    @router.get("/history/{provider_id}", response_model=None)
    def history(
        provider_id: ProviderId,
        paging: PageOf,
        format: Literal["json", "jsonl", "csv", "pdf"] = "json",  # noqa: A002 (the query's name)
        service: Annotated[str | None, Query(description="Only this service's events")] = None,
        reader: Reader = None,
    ) -> Response:
        """A provider's events from every service (or one), merged in time order, with who did
        what and why; as JSON (paged by `limit` and `offset`, X-Total-Count saying how many),
        JSON Lines, CSV or PDF. The read is recorded."""
        if service is not None and service not in apps:
            raise InvalidInput(f"there is no service called {service}: one of "
                               f"{', '.join(apps)}", "service")
        known_provider(apps, provider_id)
        entries = merge([app.history(provider_id) for name, app in apps.items()
                         if service in (None, name)])
        record(provider_id, reader, f"history ({format})")
        if format == "json":
            end = None if paging.limit is None else paging.offset + paging.limit
            return Response(as_json(entries[paging.offset:end]), media_type="application/json",
                            headers={"X-Total-Count": str(len(entries))})
        body: str | bytes = (to_jsonl(entries) if format == "jsonl" else to_csv(entries)
                             if format == "csv" else to_pdf(provider_id, entries,
                                                            datetime.now(UTC)))
        filename = f"history-{provider_id}.{format}"
        return Response(body, media_type=MEDIA[format],
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @router.get("/history/{provider_id}/as-at")
    def as_at(
        provider_id: ProviderId,
        day: Annotated[IsoDate | None, Query(alias="date", description="YYYY-MM-DD")] = None,
        at: Annotated[IsoDateTime | None, Query(description="A moment, ISO 8601 with zone")]
        = None,
        reader: Reader = None,
    ) -> dict[str, Any]:
        """The provider as it stood at the end of a date (UK time), or at a moment, replayed
        from every service's stored events. The read is recorded."""
        moment = _moment(day, at)
        known_provider(apps, provider_id)
        record(provider_id, reader, f"state as at {moment.isoformat()}")
        return {"provider_id": provider_id, "as_at": moment.isoformat(),
                "services": {name: service.state_as_at(provider_id, moment)
                             for name, service in apps.items()}}

    @router.get("/history/{provider_id}/reads")
    def reads(provider_id: ProviderId) -> list[dict[str, str]]:
        """Who read this provider's history, what and when, oldest first."""
        known_provider(apps, provider_id)
        found = [read for service in apps.values() for read in service.reads(provider_id)]
        return sorted(found, key=lambda read: read["at"])

    @router.get("/verify")
    def verify() -> dict[str, Any]:
        """Checks every stored event's hash chain in every service, and the snapshots sealed
        to them; names the first broken link of each store by aggregate and version."""
        return verified({name: service.verify() for name, service in apps.items()})

    @router.get("/history/{provider_id}/verify")
    def verify_provider(provider_id: ProviderId) -> dict[str, Any]:
        """Checks the hash chains of the provider's own records in every service (and their
        snapshots), as `/verify` does for whole stores: its history page asks this, at the
        cost of the provider's records, not of the council's."""
        known_provider(apps, provider_id)
        return verified({name: service.verify_provider(provider_id)
                         for name, service in apps.items()})

    return router


def verified(results: dict[str, Verification]) -> dict[str, Any]:
    """What checking the stores found, in the shape `/verify` answers."""
    return {
        "intact": all(result.intact for result in results.values()),
        "services": {
            name: {"intact": r.intact, "events": r.events, "aggregates": r.aggregates,
                   "snapshots": r.snapshots,
                   "broken": None if r.broken is None else vars(r.broken)}
            for name, r in results.items()
        },
    }
