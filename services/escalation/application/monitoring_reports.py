"""Monitoring reports: drafted, issued to the provider, replied to, finalised (§9)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from services.escalation.application.records import InterventionRecords
from services.escalation.domain.monitoring_report import MonitoringReport, draft_report
from shared.domain import InvalidInput
from shared.uk import long_date


class MonitoringReports(InterventionRecords):
    """An officer's written records of monitoring, and the provider's right of reply."""

    def monitoring_report(self, report_id: UUID) -> MonitoringReport:
        return self.get(MonitoringReport, report_id)

    def monitoring_reports_for(self, provider_id: str) -> list[MonitoringReport]:
        """The provider's reports, the latest activity first."""
        found = self._under_provider(provider_id, MonitoringReport)
        return sorted(found, key=lambda r: (r.activity_on, r.created_on), reverse=True)

    def draft_report(
        self,
        provider_id: str,
        kind: str,
        activity_on: date,
        findings: str,
        actions: Sequence[Mapping[str, Any]],
        today: date,
        by: str,
        correlation_id: str,
    ) -> MonitoringReport:
        """Drafts the written record of a monitoring activity; the provider does not see it yet."""
        report = draft_report(provider_id, kind, activity_on, findings, actions, today, by,
                              correlation_id)
        self.save(report)
        return report

    def issue_report(
        self, report_id: UUID, on: date, today: date, by: str, correlation_id: str
    ) -> MonitoringReport:
        """Issues the draft to the provider, opening its window of 10 working days to reply."""
        if on > today:
            raise InvalidInput(f"a report cannot be issued on a future day ({long_date(on)})",
                               field="issued_on")
        report = self.monitoring_report(report_id)
        report.issue(on, by, self.calendar, correlation_id)
        self.save(report)
        return report

    def reply_to_report(
        self, report_id: UUID, text: str, today: date, by: str, correlation_id: str
    ) -> MonitoringReport:
        """The provider's reply, dated by the server so the window cannot be stepped round."""
        report = self.monitoring_report(report_id)
        report.reply_to(text, today, by, correlation_id)
        self.save(report)
        return report

    def finalise_report(
        self, report_id: UUID, today: date, by: str, correlation_id: str
    ) -> MonitoringReport:
        """The final report, after the provider's reply or once its window has closed."""
        report = self.monitoring_report(report_id)
        report.finalise(today, by, correlation_id)
        self.save(report)
        return report
