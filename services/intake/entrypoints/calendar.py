"""Routes for the return calendar: the clock, the return log and allocation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict

from services.intake.application import Intake, TickResult
from services.intake.entrypoints.registry import Name
from services.intake.return_log import LogFilter, ReturnLogRow, to_csv, to_xlsx
from shared.http import CorrelationId, application_of

router = APIRouter(tags=["intake: calendar and return log"])
App = Annotated[Intake, Depends(application_of("intake"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Tick(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: date


class Allocation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    coordinator: Name


@router.get("/clock")
def clock(app: App) -> dict[str, date]:
    """The date the return schedule has been run up to."""
    return {"today": app.today()}


@router.post("/clock/tick")
def tick(app: App, body: Tick, correlation: CorrelationId) -> TickResult:
    """Run the schedule up to a date: issue return requests, then mark overdue returns."""
    return app.tick(body.to, correlation)


@router.get("/return-log", response_model=None)
def return_log(
    app: App,
    due_from: date | None = None,
    due_to: date | None = None,
    status: Literal["requested", "submitted", "late", "overdue"] | None = None,
    form: str | None = None,
    provider_id: str | None = None,
    allocated_to: str | None = None,
    service_type: str | None = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> list[ReturnLogRow] | Response:
    """Every contract's return with its status, allocation and reminders; CSV or XLSX too."""
    rows = app.return_log(LogFilter(due_from, due_to, status, form, provider_id, allocated_to,
                                    service_type))
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv", headers={
            "Content-Disposition": 'attachment; filename="return-log.csv"'})
    if format == "xlsx":
        return Response(to_xlsx(rows), media_type=XLSX, headers={
            "Content-Disposition": 'attachment; filename="return-log.xlsx"'})
    return rows


@router.post("/return-log/{request_id}/allocate")
def allocate(app: App, request_id: UUID, body: Allocation, correlation: CorrelationId) -> dict:
    """A coordinator takes a return; nobody else can until it is released."""
    request = app.allocate(request_id, body.coordinator, correlation)
    return {"request_id": str(request.id), "allocated_to": request.allocated_to}


@router.post("/return-log/{request_id}/release")
def release(app: App, request_id: UUID, body: Allocation, correlation: CorrelationId) -> dict:
    request = app.allocate(request_id, body.coordinator, correlation, release=True)
    return {"request_id": str(request.id), "allocated_to": request.allocated_to}
