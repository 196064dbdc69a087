"""Routes for monitoring reports: an officer drafts, issues and finalises; the provider replies."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from services.escalation.domain.monitoring_report import (
    MonitoringReport,
    ReportStatus,
    WorkingCalendar,
)
from services.escalation.entrypoints.common import App, Command
from shared.eventstore import NotFound
from shared.http import CorrelationId, IsoDate, ProviderId
from shared.security.actor import Actor
from shared.security.identity import Role

router = APIRouter(tags=["escalation"])

# Coarse limits against huge bodies; the domain states the real ones in words.
LongText = Annotated[str, Field(max_length=50_000)]


class AgreedActionIn(Command):
    action: Annotated[str, Field(max_length=5_000)] = ""
    date_required: IsoDate | None = None


class Draft(Command):
    """The written record of a monitoring activity: its kind, date, findings, agreed actions."""

    kind: Annotated[str, Field(max_length=64)]
    activity_on: IsoDate
    findings: LongText
    actions: Annotated[list[AgreedActionIn], Field(max_length=50)] = []


class Issue(Command):
    issued_on: IsoDate | None = None


class Reply(Command):
    text: LongText


class Finalise(Command):
    """Nothing to say: the report is finalised as it stands."""


class AgreedActionView(BaseModel):
    action: str
    date_required: date


class ReportView(BaseModel):
    report_id: UUID
    provider_id: str
    kind: str
    status: str
    activity_on: date
    findings: str
    actions: list[AgreedActionView]
    drafted_by: str
    record_due: date
    issued_on: date | None
    issued_by: str | None
    late: bool
    reply_by: date | None
    window_open: bool
    working_days_left: int
    reply: str | None
    replied_on: date | None
    replied_by: str | None
    finalised_on: date | None
    finalised_by: str | None

    @classmethod
    def of(cls, r: MonitoringReport, calendar: WorkingCalendar, today: date) -> ReportView:
        return cls(
            report_id=r.id, provider_id=r.provider_id, kind=r.kind.value, status=r.status.value,
            activity_on=r.activity_on, findings=r.findings,
            actions=[AgreedActionView(**a.as_record()) for a in r.actions],
            drafted_by=r.drafted_by, record_due=r.record_due, issued_on=r.issued_on,
            issued_by=r.issued_by, late=r.late, reply_by=r.reply_by,
            window_open=r.window_open(today), working_days_left=r.working_days_left(
                today, calendar), reply=r.reply, replied_on=r.replied_on,
            replied_by=r.replied_by, finalised_on=r.finalised_on, finalised_by=r.finalised_by)


def _for_provider(request: Request) -> bool:
    identity = getattr(request.state, "identity", None)
    return identity is not None and identity.role is Role.PROVIDER_USER


def _visible(request: Request, report: MonitoringReport) -> bool:
    # A provider's users see what was sent to them, never an officer's unissued draft.
    return not _for_provider(request) or report.status is not ReportStatus.DRAFT


REPORTS = "/providers/{provider_id}/monitoring-reports"
REPORT = "/monitoring-reports/{report_id}"


@router.post(REPORTS, status_code=status.HTTP_201_CREATED, response_model=ReportView)
def draft(app: App, provider_id: ProviderId, body: Draft,
          correlation: CorrelationId, actor: Actor) -> ReportView:
    """Drafts a monitoring report; the provider sees it once it is issued."""
    actions = [a.model_dump() for a in body.actions]
    report = app.draft_report(provider_id, body.kind, body.activity_on, body.findings, actions,
                              app.clock(), actor.display, correlation)
    return ReportView.of(report, app.calendar, app.clock())


@router.get(REPORTS, response_model=list[ReportView])
def reports(app: App, provider_id: ProviderId, request: Request) -> list[ReportView]:
    """The provider's monitoring reports, latest first (its own users: issued ones only)."""
    today = app.clock()
    return [ReportView.of(r, app.calendar, today) for r in app.monitoring_reports_for(provider_id)
            if _visible(request, r)]


@router.get(REPORT, response_model=ReportView)
def report(app: App, report_id: UUID, request: Request) -> ReportView:
    found = app.monitoring_report(report_id)
    if not _visible(request, found):
        raise NotFound(f"no MonitoringReport {report_id}")
    return ReportView.of(found, app.calendar, app.clock())


@router.post(REPORT + "/issue", response_model=ReportView)
def issue(app: App, report_id: UUID, body: Issue, correlation: CorrelationId,
          actor: Actor) -> ReportView:
    """Issues the draft to the provider: it may reply within 10 working days."""
    today = app.clock()
    found = app.issue_report(report_id, body.issued_on or today, today, actor.display, correlation)
    return ReportView.of(found, app.calendar, app.clock())


@router.post(REPORT + "/reply", response_model=ReportView)
def reply(app: App, report_id: UUID, body: Reply, correlation: CorrelationId,
          actor: Actor) -> ReportView:
    """The provider's reply to the draft; 409 once its window has closed."""
    found = app.reply_to_report(report_id, body.text, app.clock(), actor.display, correlation)
    return ReportView.of(found, app.calendar, app.clock())


@router.post(REPORT + "/finalise", response_model=ReportView)
def finalise(app: App, report_id: UUID, body: Finalise, correlation: CorrelationId,
             actor: Actor) -> ReportView:
    """Finalises the report with the provider's reply alongside; it is read-only after."""
    found = app.finalise_report(report_id, app.clock(), actor.display, correlation)
    return ReportView.of(found, app.calendar, app.clock())
