"""Routes for the return calendar: the clock, returns asked for, the return log, allocation."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.intake.application import AskedReturn, Intake, TickResult
from services.intake.application.return_log import LogFilter, ReturnLogRow, csv_lines, to_xlsx
from services.intake.domain.return_request import ReturnRequest
from services.intake.entrypoints.registry import Reference
from shared.http import CorrelationId, IsoDate, ProviderIds, application_of
from shared.security.actor import Actor

router = APIRouter(tags=["intake: calendar and return log"])
App = Annotated[Intake, Depends(application_of("intake"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOTAL = "X-Total-Count"  # how many rows the filter keeps, whichever page was asked for
MAX_PAGE = 1000
MAX_OFFSET = 1_000_000_000  # past any log's end, and within what a database's OFFSET takes


class Tick(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: IsoDate


class ReturnAsked(BaseModel):
    """A return asked for outside the calendar: the form, its period and when it is due."""

    model_config = ConfigDict(extra="forbid")

    form: Annotated[str, Field(min_length=1, max_length=64)]
    period_start: IsoDate
    period_end: IsoDate
    due_on: IsoDate

    def asked(self, by: str) -> AskedReturn:
        return AskedReturn(self.form, self.period_start, self.period_end, self.due_on, by)


class RequestView(BaseModel):
    request_id: UUID
    contract_reference: str
    provider_id: str
    form: str
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    status: str
    submitted_on: date | None
    return_id: str | None
    requested_by: str | None

    @classmethod
    def of(cls, r: ReturnRequest) -> RequestView:
        return cls(
            request_id=r.id, contract_reference=r.contract_reference, provider_id=r.provider_id,
            form=r.form, period_start=r.period_start, period_end=r.period_end,
            issued_on=r.issue_on, due_on=r.due_on, status=r.status.value,
            submitted_on=r.submitted_on, return_id=r.submitted_return,
            requested_by=r.requested_by,
        )


class Allocation(BaseModel):
    """Nothing to say: the coordinator who takes or releases a return is the signed-in person."""

    model_config = ConfigDict(extra="forbid")


@router.get("/clock")
def clock(app: App) -> dict[str, str]:
    """The council's date, and whether it follows the real date or a training clock."""
    return {"today": app.today().isoformat(), "mode": app.clock.mode.value}


@router.post("/clock/tick")
async def tick(app: App, body: Tick, correlation: CorrelationId) -> TickResult:
    """Training mode only: move the clock forward (a year at most) and run the schedule up to
    it; every service then reads the new date. A real clock answers 409."""
    result = await asyncio.to_thread(app.move_clock, body.to, correlation)
    await app.clock.publish(result.today)
    return result


@router.post("/contracts/{reference}/requests", status_code=201, response_model=RequestView)
def request_return(app: App, reference: Reference, body: ReturnAsked, response: Response,
                   correlation: CorrelationId, actor: Actor) -> RequestView:
    """Ask for a return outside the calendar (a light-touch self-assessment, say): the provider
    is told, reminded when it is overdue, and the return log shows it. Asking again returns the
    first request (200)."""
    request, created = app.request_return(reference, body.asked(actor.display), correlation)
    if not created:
        response.status_code = status.HTTP_200_OK
    return RequestView.of(request)


@router.get("/return-log", response_model=None)
def return_log(
    app: App,
    response: Response,
    due_from: IsoDate | None = None,
    due_to: IsoDate | None = None,
    status: Literal["requested", "submitted", "late", "overdue"] | None = None,
    form: str | None = None,
    provider_id: ProviderIds = None,
    allocated_to: str | None = None,
    service_type: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> list[ReturnLogRow] | Response:
    """Every contract's return with its status, allocation and reminders, by due date; a page
    of `limit` rows from `offset` (the X-Total-Count header says how many the filter keeps);
    CSV or XLSX of every row the filter keeps. `provider_id` may be repeated: the returns of a
    page's providers."""
    kept = LogFilter(due_from, due_to, status, form, _asked(provider_id), allocated_to,
                     service_type)
    if format == "csv":
        return StreamingResponse(csv_lines(app.each_in_return_log(kept)), media_type="text/csv",
                                 headers={"Content-Disposition": _attachment("csv")})
    if format == "xlsx":
        return Response(to_xlsx(app.each_in_return_log(kept)), media_type=XLSX,
                        headers={"Content-Disposition": _attachment("xlsx")})
    rows = app.return_log(kept, limit, offset)
    whole = limit is None or (offset == 0 and len(rows) < limit)
    response.headers[TOTAL] = str(len(rows) if whole else app.return_log_count(kept))
    return rows


def _asked(provider_ids: list[str] | None) -> tuple[str, ...] | None:
    return None if provider_ids is None else tuple(dict.fromkeys(provider_ids))


def _attachment(kind: str) -> str:
    return f'attachment; filename="return-log.{kind}"'


@router.post("/return-log/{request_id}/allocate")
def allocate(app: App, request_id: UUID, body: Allocation, correlation: CorrelationId,
             actor: Actor) -> dict:
    """A coordinator takes a return; nobody else can until it is released."""
    request = app.allocate(request_id, actor.display, correlation)
    return {"request_id": str(request.id), "allocated_to": request.allocated_to}


@router.post("/return-log/{request_id}/release")
def release(app: App, request_id: UUID, body: Allocation, correlation: CorrelationId,
            actor: Actor) -> dict:
    request = app.allocate(request_id, actor.display, correlation, release=True)
    return {"request_id": str(request.id), "allocated_to": request.allocated_to}
