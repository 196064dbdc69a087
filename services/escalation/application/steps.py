"""Opening interventions, overriding the policy, and the steps that need no more than a note."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.escalation.application.records import POLICY_PROPOSER, InterventionRecords
from services.escalation.domain.intervention import Intervention
from services.escalation.domain.proportionality import proportionate_response
from services.escalation.domain.routes import Issue, parse_categories, route_for
from shared.domain import Refused


@dataclass(frozen=True)
class Opening:
    """An officer's reasons for opening an intervention, and any choice against the policy."""

    provider_id: str
    summary: str
    opened_by: str
    contract_reference: str | None = None
    severity: str | None = None
    safety_at_risk: bool = False
    breach: bool = False
    engagement: str | None = None
    level: str | None = None
    step: str | None = None
    override_reason: str = ""


class LadderSteps(InterventionRecords):
    """An officer's commands on an intervention."""

    def open(self, opening: Opening, correlation_id: str) -> Intervention:
        """Opens by the policy, or as the officer chooses with the reason recorded."""
        existing = self.current_intervention(opening.provider_id, opening.contract_reference)
        if existing is not None:
            raise Refused(
                f"intervention {existing.id} is already open for "
                f"{_scope(opening)}; record the step on it",
                field="provider_id",
            )
        response = proportionate_response(
            opening.severity,
            opening.safety_at_risk,
            breach=opening.breach,
            engagement=opening.engagement,
        )
        intervention = Intervention(
            provider_id=opening.provider_id,
            concern_id=None,
            level=response.level.value,
            step=response.step,
            reason=f"{response.reason}: {opening.summary}",
            correlation_id=correlation_id,
            causation_id=correlation_id,
            contract_reference=opening.contract_reference,
            opened_by=opening.opened_by,
            reference=uuid.uuid4().hex,
        )
        chosen = (opening.level or intervention.level, opening.step or intervention.step)
        if chosen != (intervention.level, intervention.step):
            intervention.override_policy(
                *chosen, opening.override_reason, opening.opened_by, correlation_id
            )
        self.save(intervention)
        return intervention

    def override(
        self,
        intervention_id: UUID,
        level: str,
        step: str,
        reason: str,
        officer: str,
        correlation_id: str,
    ) -> Intervention:
        """Records the officer's choice and withdraws the policy's proposal still waiting."""
        intervention = self.intervention(intervention_id)
        intervention.override_policy(level, step, reason, officer, correlation_id)
        withdrawn = self.pending_proposals(intervention.id, POLICY_PROPOSER)
        for escalation in withdrawn:
            escalation.withdraw(officer, f"the policy was overridden: {reason}", correlation_id)
        self.save(intervention, *withdrawn)
        return intervention

    def record_engagement(
        self,
        intervention_id: UUID,
        engagement: str,
        note: str,
        recorded_by: str,
        on: date,
        correlation_id: str,
    ) -> Intervention:
        """How the provider engages and responds; the policy weighs it for later concerns."""
        intervention = self.intervention(intervention_id)
        intervention.record_engagement(engagement, note, recorded_by, on, correlation_id)
        self.save(intervention)
        return intervention

    def take_step(
        self,
        intervention_id: UUID,
        step: str,
        on: date,
        by: str,
        notes: str,
        issues_raised: list[str],
        correlation_id: str,
    ) -> Intervention:
        """Records feedback, a visit, a meeting and the like, with the issues it raised."""
        intervention = self.intervention(intervention_id)
        intervention.take_step(step, on, by, notes, issues_raised, correlation_id)
        self.save(intervention)
        return intervention

    def escalate_issue(
        self,
        intervention_id: UUID,
        issue: Issue,
        categories: list[str],
        reason: str,
        raised_by: str,
        on: date,
        correlation_id: str,
    ) -> Intervention:
        """Sends the issue up the routes of §8; a concern that recurs counts as persistent."""
        intervention = self.intervention(intervention_id)
        persistent = (
            issue.persistent or len(intervention.concern_ids) > 1 or bool(intervention.noticed)
        )
        issue = dataclasses.replace(
            issue, persistent=persistent, categories=parse_categories(categories)
        )
        intervention.escalate_issue(
            route_for(issue), categories, reason, raised_by, on, correlation_id
        )
        self.save(intervention)
        return intervention

    def close_intervention(
        self, intervention_id: UUID, reason: str, closed_by: str, on: date, correlation_id: str
    ) -> Intervention:
        """Closes when nothing is outstanding; the provider's history keeps everything."""
        intervention = self.intervention(intervention_id)
        intervention.close(reason, closed_by, on, self.open_work(intervention), correlation_id)
        self.save(intervention)
        return intervention


def _scope(opening: Opening) -> str:
    if opening.contract_reference:
        return f"contract {opening.contract_reference} of {opening.provider_id}"
    return f"provider {opening.provider_id}"
