"""Monitoring reports (§9) in the console: an officer drafts the written record of a monitoring
activity, issues it to the provider, and finalises it; the provider's users read what was
issued to them and reply within its window (their right of reply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assure.console.client import Api, ApiError
from assure.console.rendering import humanise, render, uk_date
from assure.console.session import Visitor, done, visitor

router = APIRouter()

KINDS = ("letter", "meeting notes", "summary assessment report",
         "comprehensive assessment report")
ACTION_ROWS = 3  # agreed actions a form offers; a record with more is drafted through the API
REPLY_MAX_CHARS = 5000  # the domain's limit, for the character count as the provider types
WORKSPACE = "/console/workspace/providers/{provider_id}/reports"
API = "/escalation/monitoring-reports/{report_id}"


def _officer(request: Request) -> Visitor:
    who = visitor(request)
    if who.is_provider:
        raise ApiError(403, "these pages are for the council's officers")
    return who


def _provider(request: Request) -> Visitor:
    who = visitor(request)
    if not who.is_provider:
        raise ApiError(403, "these pages are for a provider's own users; officers see a "
                            "provider's reports from its page in the workspace")
    return who


def _errors(problems: dict[str, str], hrefs: dict[str, str]) -> list[dict[str, str]]:
    return [{"text": text, "href": hrefs.get(name, f"#{name}")} for name, text in problems.items()]


# The officer's pages -------------------------------------------------------------------------


@router.get("/workspace/providers/{provider_id}/reports")
async def officer_list(request: Request, provider_id: str) -> Response:
    who = _officer(request)
    async with Api(request, who.token) as api:
        provider = await api.get(f"/intake/providers/{provider_id}")
        reports = await api.get(f"/escalation/providers/{provider_id}/monitoring-reports")
    return render(request, "reports/officer_list.html", who, provider=provider,
                  reports=reports, base=WORKSPACE.format(provider_id=provider_id))


@router.get("/workspace/providers/{provider_id}/reports/new")
async def new_report(request: Request, provider_id: str) -> Response:
    who = _officer(request)
    async with Api(request, who.token) as api:
        provider = await api.get(f"/intake/providers/{provider_id}")
    return _draft_page(request, who, provider, DraftForm.blank())


@router.post("/workspace/providers/{provider_id}/reports/new")
async def draft_report(request: Request, provider_id: str) -> Response:
    who = _officer(request)
    form = DraftForm.read(await request.form())
    async with Api(request, who.token) as api:
        provider = await api.get(f"/intake/providers/{provider_id}")
        if form.problems:
            return _draft_page(request, who, provider, form, status=422)
        try:
            report = await api.post(f"/escalation/providers/{provider_id}/monitoring-reports",
                                    form.body())
        except ApiError as error:
            if error.status != 422:
                raise
            form.problems = form.from_api(error.problems())
            return _draft_page(request, who, provider, form, status=422)
        at = f"{WORKSPACE.format(provider_id=provider_id)}/{report['report_id']}"
        if not form.issue:
            return done(at, "Draft saved. The provider cannot see it until you issue it.")
        issued = await api.post(f"{API.format(report_id=report['report_id'])}/issue",
                                {})
    return done(at, _issued_message(issued))


def _issued_message(report: dict[str, Any]) -> str:
    late = " It was sent more than 4 weeks after the activity." if report["late"] else ""
    return (f"Report issued to the provider. They can reply until {uk_date(report['reply_by'])}."
            + late)


def _draft_page(request: Request, who: Visitor, provider: dict[str, Any], form: DraftForm,
                status: int = 200) -> Response:
    return render(request, "reports/new.html", who, status=status, provider=provider,
                  base=WORKSPACE.format(provider_id=provider["provider_id"]),
                  form=form, problems=form.problems,
                  kind_items=[{"value": k, "text": humanise(k), "checked": form.kind == k}
                              for k in KINDS],
                  errors=_errors(form.problems, form.hrefs()))


@router.get("/workspace/providers/{provider_id}/reports/{report_id}")
async def officer_report(request: Request, provider_id: str, report_id: str) -> Response:
    who = _officer(request)
    async with Api(request, who.token) as api:
        provider = await api.get(f"/intake/providers/{provider_id}")
        report = await api.get(API.format(report_id=report_id))
    if report["provider_id"] != provider_id:
        raise ApiError(404, f"{provider['name']} has no such monitoring report. Go back to its "
                            "monitoring reports to choose one.")
    return render(request, "reports/officer_report.html", who, provider=provider,
                  report=report, base=WORKSPACE.format(provider_id=provider_id))


@router.post("/workspace/providers/{provider_id}/reports/{report_id}/{step}")
async def officer_step(request: Request, provider_id: str, report_id: str,
                       step: str) -> Response:
    who = _officer(request)
    if step not in ("issue", "finalise"):
        raise ApiError(404, f"a report cannot be {step}d")
    async with Api(request, who.token) as api:
        report = await api.post(f"{API.format(report_id=report_id)}/{step}",
                                {})
    at = f"{WORKSPACE.format(provider_id=provider_id)}/{report_id}"
    return done(at, _issued_message(report) if step == "issue" else
                "Report finalised. It can no longer be changed.")


# The provider's pages ------------------------------------------------------------------------


@router.get("/provider/reports")
async def provider_list(request: Request) -> Response:
    who = _provider(request)
    async with Api(request, who.token) as api:
        reports = await api.get(
            f"/escalation/providers/{who.identity.provider_id}/monitoring-reports")
    return render(request, "reports/provider_list.html", who, reports=reports)


@router.get("/provider/reports/{report_id}")
async def provider_report(request: Request, report_id: str) -> Response:
    who = _provider(request)
    async with Api(request, who.token) as api:
        report = await api.get(API.format(report_id=report_id))
    return _reply_page(request, who, report, "", {})


@router.post("/provider/reports/{report_id}/reply")
async def reply(request: Request, report_id: str) -> Response:
    who = _provider(request)
    text = str((await request.form()).get("text") or "")
    async with Api(request, who.token) as api:
        try:
            await api.post(f"{API.format(report_id=report_id)}/reply",
                           {"text": text})
        except ApiError as error:
            if error.status not in (409, 422):
                raise
            report = await api.get(API.format(report_id=report_id))
            # The reply has one field: whatever the API refused, it is said against it.
            problems = {"text": next(iter(error.problems().values()))}
            return _reply_page(request, who, report, text, problems, status=error.status)
    return done(f"/console/provider/reports/{report_id}",
                "Your reply was sent. The officer will finalise the report with it.")


def _reply_page(request: Request, who: Visitor, report: dict[str, Any], text: str,
                problems: dict[str, str], status: int = 200) -> Response:
    return render(request, "reports/provider_report.html", who, status=status, report=report,
                  text=text, problems=problems, max_chars=REPLY_MAX_CHARS,
                  errors=_errors(problems, {"text": "#reply-text"}))


# The draft form ------------------------------------------------------------------------------


@dataclass
class DateField:
    day: str = ""
    month: str = ""
    year: str = ""

    @property
    def blank(self) -> bool:
        return not (self.day or self.month or self.year)

    def value(self) -> date | None:
        """The date written, or None when it is not a real date (or not written)."""
        try:
            return date(int(self.year), int(self.month), int(self.day))
        except ValueError:
            return None


@dataclass
class ActionRow:
    action: str = ""
    required: DateField = field(default_factory=DateField)

    @property
    def blank(self) -> bool:
        return not self.action and self.required.blank


@dataclass
class DraftForm:
    """What the officer typed, kept to show again with the problems found in it."""

    kind: str = ""
    activity: DateField = field(default_factory=DateField)
    findings: str = ""
    actions: list[ActionRow] = field(default_factory=list)
    issue: bool = False
    problems: dict[str, str] = field(default_factory=dict)
    sent_rows: list[int] = field(default_factory=list)

    @classmethod
    def blank(cls) -> DraftForm:
        return cls(actions=[ActionRow() for _ in range(ACTION_ROWS)])

    @classmethod
    def read(cls, data: Any) -> DraftForm:
        def text(name: str) -> str:
            return str(data.get(name) or "").strip()

        def when(prefix: str) -> DateField:
            return DateField(text(f"{prefix}-day"), text(f"{prefix}-month"),
                             text(f"{prefix}-year"))

        form = cls(kind=text("kind"), activity=when("activity_on"),
                   findings=str(data.get("findings") or ""),
                   actions=[ActionRow(text(f"action-{n}"), when(f"date_required-{n}"))
                            for n in range(ACTION_ROWS)],
                   issue=text("then") == "issue")
        form.problems = form.check()
        return form

    def check(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if self.kind not in KINDS:
            problems["kind"] = "Select the kind of record"
        if self.activity.blank:
            problems["activity_on"] = "Enter the date of the monitoring activity"
        elif self.activity.value() is None:
            problems["activity_on"] = "Date of the monitoring activity must be a real date"
        if not self.findings.strip():
            problems["findings"] = "Enter the findings of the monitoring activity"
        for n, row in enumerate(self.actions):
            if row.blank:
                continue
            if not row.action:
                problems[f"action-{n}"] = f"Enter agreed action {n + 1}"
            if row.required.blank:
                problems[f"date_required-{n}"] = f"Enter the date action {n + 1} is required by"
            elif row.required.value() is None:
                problems[f"date_required-{n}"] = (f"Date action {n + 1} is required by must be "
                                                  "a real date")
        return problems

    def body(self) -> dict[str, Any]:
        activity = self.activity.value()
        self.sent_rows = [n for n, row in enumerate(self.actions) if not row.blank]
        return {
            "kind": self.kind, "activity_on": activity.isoformat() if activity else None,
            "findings": self.findings,
            "actions": [{"action": self.actions[n].action,
                         "date_required": _iso(self.actions[n].required.value())}
                        for n in self.sent_rows],
        }

    def from_api(self, problems: dict[str, str]) -> dict[str, str]:
        """The API's problems, named by this form's fields (its action rows, not the list's)."""
        found: dict[str, str] = {}
        for name, text in problems.items():
            parts = name.split(".")
            if parts[0] == "actions" and len(parts) == 3 and parts[1].isdigit():
                row = self.sent_rows[int(parts[1])]
                name = f"action-{row}" if parts[2] == "action" else f"date_required-{row}"
            found.setdefault(name if name != "form" else "findings", text)
        return found

    def hrefs(self) -> dict[str, str]:
        links = {"kind": "#kind", "activity_on": "#activity_on-day", "findings": "#findings"}
        links.update({f"date_required-{n}": f"#date_required-{n}-day"
                      for n in range(ACTION_ROWS)})
        return links


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
