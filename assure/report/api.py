"""`GET /reports/governance`: the governance report over HTTP, as HTML, CSV, PDF or JSON."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from assure.report.collect import collect, today
from assure.report.csv_export import to_csv
from assure.report.governance import GovernanceReport, governance_report
from assure.report.html import to_html
from assure.report.layout import to_dict
from assure.report.pdf import to_pdf
from assure.report.period import Length, period_for
from assure.reporting.feed import settled
from shared.eventstore import NotFound
from shared.http import IsoDate

router = APIRouter(tags=["reports"])
Format = Literal["html", "csv", "pdf", "json"]
BEHIND_NOTE = ("The reporting view was still reading the services' events when this report was "
               "made (it is being built, or the system is busy): some figures may be missing.")
SETTLE_SECONDS = 10.0  # how long a report waits for changes just made to reach the view
MEDIA = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
         "pdf": "application/pdf"}


@router.get("/reports/governance", response_model=None)
async def governance(
    request: Request,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    period: Annotated[Length, Query(description="When no dates are given: the last complete "
                                    "half-year (default) or financial year")] = Length.HALF_YEAR,
    format: Format = "html",
) -> Response | dict[str, Any]:
    """The balanced scorecard of 002 per service type: returns, compliance, risk bands,
    intelligence, interventions and escalations (default: the last complete half-year)."""
    apps = request.app.state.services
    feed = getattr(request.app.state, "governance_feed", None)
    if feed is None:
        raise NotFound("the governance report reads the reporting view, which does not run here "
                       "(it needs NATS without credentials for now)")
    fresh = await settled(apps, feed, SETTLE_SECONDS)
    report = await run_in_threadpool(_report, feed.view, apps, start, end, period)
    if not fresh:
        report = replace(report, notes=(*report.notes, BEHIND_NOTE))
    if format == "json":
        return to_dict(report)
    content = await run_in_threadpool(render, report, format)
    return Response(content, media_type=MEDIA[format], headers=_disposition(report, format))


def _report(view: Any, apps: Any, start: Any, end: Any, length: Length) -> GovernanceReport:
    as_at = today(apps)
    chosen = period_for(start, end, as_at, length)
    return governance_report(chosen, collect(view, chosen, as_at))


def render(report: GovernanceReport, format: Format) -> str | bytes:
    if format == "csv":
        return to_csv(report)
    if format == "pdf":
        return to_pdf(report)
    return to_html(report)


def filename(report: GovernanceReport, format: str) -> str:
    return f"governance-report-{report.period.start}-{report.period.end}.{format}"


def _disposition(report: GovernanceReport, format: Format) -> dict[str, str]:
    if format == "html":
        return {}
    return {"Content-Disposition": f'attachment; filename="{filename(report, format)}"'}
