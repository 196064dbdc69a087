"""The written record of a monitoring activity, and the provider's right of reply (§9).

Each monitoring activity ends in a written record (a letter, meeting notes, a summary or a
comprehensive assessment report) sent to the provider within 4 weeks (004 §11, App. 3). The
officer drafts it, issues it to the provider, the provider may reply within a window, and the
officer finalises it with the reply shown alongside. A finalised report is never changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from eventsourcing.domain import Aggregate, event

from shared.domain import InvalidInput, Refused
from shared.uk import long_date

# The provider's right of reply lasts 10 working days from the day the draft is issued: the
# time CQC gives providers for its factual accuracy check of a draft report, and the same
# 10 working days this council gives a provider for an improvement plan (§7), so providers
# meet one timescale for written answers.
REPLY_WORKING_DAYS = 10
# The record must reach the provider within 4 weeks of the activity (004 §11, App. 3).
RECORD_DUE_WITHIN = timedelta(weeks=4)
FINDINGS_MAX_CHARS = 10_000
REPLY_MAX_CHARS = 5_000
ACTION_MAX_CHARS = 1_000


class WorkingCalendar(Protocol):
    """The council's working days (shared.working_days.WorkingDays is one)."""

    def add(self, start: date, working_days: int) -> date: ...

    def is_working_day(self, day: date) -> bool: ...


class ReportKind(StrEnum):
    """The written records a monitoring activity ends in (§9)."""

    LETTER = "letter"
    MEETING_NOTES = "meeting notes"
    SUMMARY = "summary assessment report"
    COMPREHENSIVE = "comprehensive assessment report"


class ReportStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    FINALISED = "finalised"


class ReportFinalised(Refused):
    """A finalised report is read-only."""


class ReplyWindowClosed(Refused):
    """The provider's window for replying to the draft has closed."""


@dataclass(frozen=True)
class AgreedAction:
    """An action agreed with the provider, with the date it is required by (004 App. 3)."""

    action: str
    date_required: date

    def as_record(self) -> dict[str, Any]:
        return {"action": self.action, "date_required": self.date_required}


class MonitoringReport(Aggregate):
    """One monitoring activity's written record, from draft to the final, replied-to report."""

    @event("Drafted")
    def __init__(
        self,
        provider_id: str,
        kind: str,
        activity_on: date,
        findings: str,
        actions: list[dict[str, Any]],
        by: str,
        correlation_id: str,
    ) -> None:
        self.provider_id = provider_id
        self.kind = ReportKind(kind)
        self.activity_on = activity_on
        self.findings = findings
        self.actions = [AgreedAction(a["action"], a["date_required"]) for a in actions]
        self.drafted_by = by
        self.status = ReportStatus.DRAFT
        self.issued_on: date | None = None
        self.issued_by: str | None = None
        self.reply_by: date | None = None
        self.record_due: date = activity_on + RECORD_DUE_WITHIN
        self.late = False
        self.reply: str | None = None
        self.replied_on: date | None = None
        self.replied_by: str | None = None
        self.finalised_on: date | None = None
        self.finalised_by: str | None = None

    # Commands -----------------------------------------------------------------------------

    def issue(self, on: date, by: str, calendar: WorkingCalendar, correlation_id: str) -> None:
        """Sends the draft to the provider and opens its window for replying."""
        self._check_not_finalised()
        if self.status is not ReportStatus.DRAFT:
            assert self.issued_on is not None
            raise Refused(f"the report was already issued on {long_date(self.issued_on)}",
                          field="report")
        if on < self.activity_on:
            raise InvalidInput(f"a report cannot be issued before the activity it records "
                               f"({long_date(self.activity_on)})", field="issued_on")
        # Issuing after the 4 weeks is recorded, not refused: refusing would leave the provider
        # with no written record at all, which is worse than a late one. The lateness is kept
        # in the event, so it shows in the provider's history and to an auditor.
        self._issued(provider_id=self.provider_id, on=on, by=by,
                     reply_by=calendar.add(on, REPLY_WORKING_DAYS), record_due=self.record_due,
                     late=on > self.record_due, correlation_id=correlation_id,
                     kind=self.kind.value, activity_on=self.activity_on)

    def reply_to(self, text: str, on: date, by: str, correlation_id: str) -> None:
        """The provider's one reply, within the window (the officer may finalise on it)."""
        self._check_not_finalised()
        if self.status is not ReportStatus.ISSUED or self.reply_by is None:
            raise Refused("the report has not been issued to the provider yet", field="report")
        if self.replied_on is not None:
            raise Refused(f"{self.replied_by} already replied on {long_date(self.replied_on)}; "
                          "a report takes one reply", field="text")
        if on > self.reply_by:
            raise ReplyWindowClosed(f"the window for replying closed at the end of "
                                    f"{long_date(self.reply_by)}", field="text")
        self._replied(provider_id=self.provider_id, text=_reply_text(text), on=on, by=by,
                      correlation_id=correlation_id)

    def finalise(self, on: date, by: str, correlation_id: str) -> None:
        """The final report, once the provider has replied or its window has closed."""
        self._check_not_finalised()
        if self.status is not ReportStatus.ISSUED or self.reply_by is None:
            raise Refused("issue the draft to the provider before finalising it", field="report")
        if self.replied_on is None and on <= self.reply_by:
            raise Refused(f"the provider may reply until the end of {long_date(self.reply_by)}; "
                          "finalise after their reply or after that day", field="report")
        self._finalised(provider_id=self.provider_id, on=on, by=by,
                        with_reply=self.replied_on is not None, correlation_id=correlation_id)

    # Reading ------------------------------------------------------------------------------

    def window_open(self, today: date) -> bool:
        return (self.status is ReportStatus.ISSUED and self.replied_on is None
                and self.reply_by is not None and today <= self.reply_by)

    def working_days_left(self, today: date, calendar: WorkingCalendar) -> int:
        """Working days after today on which the provider may still reply."""
        if not self.window_open(today):
            return 0
        assert self.reply_by is not None
        days = (self.reply_by - today).days
        return sum(calendar.is_working_day(today + timedelta(days=n)) for n in range(1, days + 1))

    def _check_not_finalised(self) -> None:
        if self.status is ReportStatus.FINALISED:
            assert self.finalised_on is not None
            raise ReportFinalised(f"the report was finalised on {long_date(self.finalised_on)} "
                                  "and cannot be changed", field="report")

    # Events -------------------------------------------------------------------------------

    @event("Issued")
    def _issued(self, provider_id: str, on: date, by: str, reply_by: date, record_due: date,
                late: bool, correlation_id: str, kind: str = "", activity_on: date | None = None
                ) -> None:
        # kind and activity_on repeat the draft's, so the published event tells the provider
        # what the report is about without reading the draft.
        self.status = ReportStatus.ISSUED
        self.issued_on, self.issued_by, self.reply_by, self.late = on, by, reply_by, late

    @event("Replied")
    def _replied(self, provider_id: str, text: str, on: date, by: str,
                 correlation_id: str) -> None:
        self.reply, self.replied_on, self.replied_by = text, on, by

    @event("Finalised")
    def _finalised(self, provider_id: str, on: date, by: str, with_reply: bool,
                   correlation_id: str) -> None:
        self.status = ReportStatus.FINALISED
        self.finalised_on, self.finalised_by = on, by


def draft_report(
    provider_id: str,
    kind: str,
    activity_on: date,
    findings: str,
    actions: Sequence[Mapping[str, Any]],
    today: date,
    by: str,
    correlation_id: str,
) -> MonitoringReport:
    """A draft, refused with every bad field named at once."""
    problems = _kind_problems(kind) + _content_problems(activity_on, findings, today)
    for number, action in enumerate(actions):
        problems += _action_problems(action, f"actions.{number}", activity_on)
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    checked = [AgreedAction(str(a["action"]).strip(), a["date_required"]) for a in actions]
    return MonitoringReport(
        provider_id=provider_id, kind=kind, activity_on=activity_on, findings=findings.strip(),
        actions=[a.as_record() for a in checked], by=by, correlation_id=correlation_id)


def _kind_problems(kind: str) -> list[tuple[str, str]]:
    if kind in set(ReportKind):
        return []
    kinds = ", ".join(k.value for k in ReportKind)
    return [("kind", f"choose the kind of record: {kinds}")]


def _content_problems(activity_on: date, findings: str, today: date) -> list[tuple[str, str]]:
    problems = []
    if activity_on > today:
        problems.append(("activity_on", "the date of the activity must be today or in the past"))
    if not findings.strip():
        problems.append(("findings", "enter the findings of the monitoring activity"))
    elif len(findings) > FINDINGS_MAX_CHARS:
        problems.append(("findings", f"the findings must be {FINDINGS_MAX_CHARS:,} characters "
                                     "or fewer"))
    return problems


def _action_problems(action: Mapping[str, Any], at: str,
                     activity_on: date) -> list[tuple[str, str]]:
    problems = []
    text = str(action.get("action") or "").strip()
    if not text:
        problems.append((f"{at}.action", "enter what was agreed for each action"))
    elif len(text) > ACTION_MAX_CHARS:
        problems.append((f"{at}.action", f"an agreed action must be {ACTION_MAX_CHARS:,} "
                                         "characters or fewer"))
    required = action.get("date_required")
    if not isinstance(required, date):
        problems.append((f"{at}.date_required", "enter the date each action is required by"))
    elif required < activity_on:
        problems.append((f"{at}.date_required", "the date required must be on or after the "
                                                f"activity ({long_date(activity_on)})"))
    return problems


def _reply_text(text: str) -> str:
    if not text.strip():
        raise InvalidInput("enter your reply to the report", field="text")
    if len(text) > REPLY_MAX_CHARS:
        raise InvalidInput(f"your reply must be {REPLY_MAX_CHARS:,} characters or fewer",
                           field="text")
    return text.strip()
