"""Intake: the front door. Providers, contracts, the return calendar and every return."""

from __future__ import annotations

import uuid
from functools import singledispatchmethod
from typing import Any

from prometheus_client.core import GaugeMetricFamily

from services.intake.application.facts_received import SharingArrivals
from services.intake.application.integration import to_integration
from services.intake.application.registration import Registration
from services.intake.application.regulator_imports import RegulatorImports
from services.intake.application.return_requests import ReturnRequests
from services.intake.application.return_schedule import ReturnSchedule
from services.intake.application.submissions import Submissions
from services.intake.domain.return_request import ReturnRequest
from shared.contracts import escalation, notify, risk
from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import Processing


class Intake(Registration, ReturnSchedule, ReturnRequests, Submissions, RegulatorImports,
             SharingArrivals):
    """Registers providers and contracts, runs the return calendar, records returns."""

    def metrics(self) -> list[Any]:
        overdue = GaugeMetricFamily("assure_returns_overdue", "Returns asked for, past their "
                                    "due date and not received", labels=["service"])
        overdue.add_metric([self.service], self.register_view().overdue())
        return [overdue]

    # Consumed events ---------------------------------------------------------------------------

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Upstream events intake does not act on are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: risk.RiskLevelAssessed, processing: Processing) -> None:
        assert processing.envelope is not None
        # Only the live contracts whose assessed risk changes are loaded: the others are
        # left as they are (Contract.assess_risk changes nothing for them either).
        for record in self.contracts(event.provider_id):
            if record.ended_on is None and record.assessed_risk != event.level.value:
                contract = self.get_contract(record.reference)
                contract.assess_risk(event.level.value, "risk service",
                                     processing.envelope.correlationid)
                processing.collect_events(contract)

    @policy.register
    def _(self, event: escalation.EscalationApproved, processing: Processing) -> None:
        assert processing.envelope is not None
        if event.step != "suspension":
            return
        provider = self.get_provider(event.provider_id)
        provider.suspend(event.escalation_id, processing.envelope.correlationid)
        processing.collect_events(provider)

    @policy.register
    def _(self, event: escalation.ProviderSuspended | escalation.ProviderDecommissioned
          | escalation.BreachNoticeIssued | risk.ConcernRaised | risk.ConcernResolved,
          processing: Processing) -> None:
        # Facts an agreement with another council may share (application/facts_shared.py).
        self.consider_sharing(event, processing)

    @policy.register
    def _(self, event: notify.NotificationDelivered, processing: Processing) -> None:
        assert processing.envelope is not None
        if event.about_event_type != "ReturnOverdue" or not event.reference:
            return
        if not event.recipient.startswith("provider-"):
            return
        request = self.find(ReturnRequest, uuid.UUID(event.reference))  # one read, not two
        if request is None:
            return
        request.record_reminder(self.today(), processing.envelope.correlationid)
        processing.collect_events(request)

    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        return to_integration(domain_event)
