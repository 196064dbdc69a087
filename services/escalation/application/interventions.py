"""Interventions: concerns become proportionate action; serious steps need a second person."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from services.escalation.application.briefings import Briefings
from services.escalation.application.deadlines import DeadlineWatch
from services.escalation.application.integration import public
from services.escalation.application.monitoring_reports import MonitoringReports
from services.escalation.application.notices import BreachNotices
from services.escalation.application.plans import ImprovementPlans
from services.escalation.application.records import POLICY_PROPOSER
from services.escalation.application.serious_steps import SeriousSteps
from services.escalation.application.steps import LadderSteps
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.intervention import Intervention, proportionate_response
from shared.contracts import risk
from shared.contracts.envelope import IntegrationEvent
from shared.eventstore import Processing

__all__ = ["POLICY_PROPOSER", "Interventions"]

Concern = risk.ConcernRaised | risk.ConcernRecurred


class Interventions(
    LadderSteps, ImprovementPlans, BreachNotices, SeriousSteps, DeadlineWatch, Briefings,
    MonitoringReports,
):
    """Opens interventions for concerns, walks the ladder, and records escalation decisions."""

    service = "escalation"

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Upstream events escalation does not act on are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: risk.ConcernRaised, processing: Processing) -> None:
        assert processing.envelope is not None
        causation = dict(
            correlation_id=processing.envelope.correlationid, causation_id=processing.envelope.id
        )
        if self.exists(Intervention.create_id(event.concern_id)):
            return
        current = self.current_intervention(event.provider_id, None)
        if current is None:
            processing.collect_events(*self._open_for(event, causation))
        elif event.concern_id not in current.concern_ids:
            processing.collect_events(*self._add_to(current, event, causation))

    @policy.register
    def _(self, event: risk.ConcernRecurred, processing: Processing) -> None:
        """The matter of a concern came up again: the open intervention holding the concern
        records it (its level may rise); else it joins the one open, or opens one, as a concern
        would."""
        assert processing.envelope is not None
        causation = dict(
            correlation_id=processing.envelope.correlationid, causation_id=processing.envelope.id
        )
        current = self.current_intervention(event.provider_id, None)
        if current is None:
            again = f"occurrence {event.occurrences}"
            if not self.exists(Intervention.create_id(event.concern_id, again)):
                processing.collect_events(*self._open_for(event, causation, again))
        elif event.concern_id in current.concern_ids:
            processing.collect_events(*self._recurred_in(current, event, causation))
        else:
            processing.collect_events(*self._add_to(current, event, causation))

    def _open_for(self, event: Concern, causation: dict[str, str],
                  again: str | None = None) -> list[Any]:
        """The policy opens an intervention and proposes its step for a person to confirm."""
        response = proportionate_response(event.severity, event.safety_at_risk)
        intervention = Intervention(
            provider_id=event.provider_id,
            concern_id=event.concern_id,
            level=response.level.value,
            step=response.step,
            reason=f"{response.reason}: {event.summary}",
            reference=again,
            **causation,
        )
        return [intervention, self._policy_proposal(intervention, 0, causation)]

    def _recurred_in(
        self, intervention: Intervention, event: risk.ConcernRecurred, causation: dict[str, str]
    ) -> list[Any]:
        raised = intervention.note_recurrence(
            event.concern_id, event.occurrences, event.severity, event.safety_at_risk,
            event.summary, event.category, **causation,
        )
        if not raised:
            return [intervention]
        return [intervention,
                self._policy_proposal(intervention, intervention.proposals, causation)]

    def _add_to(
        self, intervention: Intervention, event: Concern, causation: dict[str, str]
    ) -> list[Any]:
        """A further concern joins the open intervention; a higher level is proposed again."""
        raised = intervention.add_concern(
            event.concern_id,
            event.severity,
            event.safety_at_risk,
            event.summary,
            event.category,
            **causation,
        )
        if not raised:
            return [intervention]
        return [
            intervention,
            self._policy_proposal(intervention, intervention.proposals, causation),
        ]

    def _policy_proposal(
        self, intervention: Intervention, sequence: int, causation: dict[str, str]
    ) -> Escalation:
        return Escalation(
            provider_id=intervention.provider_id,
            intervention_id=str(intervention.id),
            step=intervention.step,
            reason=intervention.reason,
            proposed_by=POLICY_PROPOSER,
            sequence=sequence,
            **causation,
        )

    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        return public(domain_event)
