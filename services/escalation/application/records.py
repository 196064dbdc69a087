"""What every part of escalation reads: interventions, their plans and notices, the calendar."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from services.escalation.application import audit
from services.escalation.application.projections import EscalationsIndex, InterventionsIndex
from services.escalation.domain.breach_notice import BreachNotice
from services.escalation.domain.casework import Casework
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.evidence import ProviderRecord
from services.escalation.domain.improvement_plan import Plan, PlanStatus
from services.escalation.domain.intervention import Intervention
from shared.eventstore import NotFound, ServiceApplication
from shared.views.paging import EVERYTHING, Page, Paging
from shared.views.store import StoreProjection
from shared.working_days import Nation, WorkingDays

POLICY_PROPOSER = "assure:proportionality-policy"
DEADLINE_WATCH = "assure:deadlines"


class InterventionRecords(ServiceApplication):
    """Finds the aggregates of escalation and the provider's documented evidence."""

    service = "escalation"
    projections: ClassVar[tuple[type[StoreProjection[Any]], ...]] = (
        EscalationsIndex, InterventionsIndex)

    def __init__(self, env: dict[str, str] | None = None,
                 calendar: WorkingDays | None = None) -> None:
        # The council's working days: its nation's public holidays and its local ones, read
        # from its calendar file by bootstrap.py; Scotland's alone when none is given.
        self.calendar = calendar or WorkingDays(Nation.SCOTLAND, ())
        super().__init__(env)

    def summarise(self, aggregates: list[Any]) -> dict[str, Any]:
        return audit.summary(aggregates)

    def intervention(self, intervention_id: UUID) -> Intervention:
        return self.get(Intervention, intervention_id)

    def escalation(self, escalation_id: UUID) -> Escalation:
        return self.get(Escalation, escalation_id)

    # Lists, from the views (application/projections.py) ----------------------------------------

    def escalation_list(self, status: str | None = None, provider_id: str | None = None,
                        paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Escalations as their list shows them, oldest first; `status="proposed"` is the
        approvals queue (each waiting for a second person's decision)."""
        return self.views.get(EscalationsIndex).listed(status, provider_id, paging)

    def intervention_list(self, open_only: bool = False, provider_id: str | None = None,
                          paging: Paging = EVERYTHING,
                          provider_ids: tuple[str, ...] | None = None) -> Page[dict[str, Any]]:
        """Interventions as their list shows them (with plans and notices), oldest first."""
        return self.views.get(InterventionsIndex).listed(open_only, provider_id, paging,
                                                          provider_ids)

    # Aggregates found through the views, for the commands that change them ------------------

    def _under_provider(self, provider_id: str, kind: type) -> list[Any]:
        """The provider's aggregates of a kind with no view of its own (monitoring reports)."""
        found = [self.repository.get(i) for i in self.aggregates_under(f"provider:{provider_id}")]
        return [item for item in found if isinstance(item, kind)]

    def escalations_for(self, provider_id: str) -> list[Escalation]:
        ids = self.views.get(EscalationsIndex).ids(provider_id=provider_id)
        return [self.escalation(i) for i in ids]

    def pending_proposals(self, intervention_id: UUID, proposed_by: str) -> list[Escalation]:
        """The intervention's proposals by that proposer still waiting for a decision."""
        ids = self.views.get(EscalationsIndex).ids(
            intervention_id=str(intervention_id), status="proposed", proposed_by=proposed_by)
        return [self.escalation(i) for i in ids]

    def interventions_for(self, provider_id: str) -> list[Intervention]:
        ids = self.views.get(InterventionsIndex).ids(provider_id=provider_id)
        return [self.intervention(i) for i in ids]

    def open_interventions(self) -> list[Intervention]:
        return [self.intervention(i) for i in self.views.get(InterventionsIndex).ids(
            status="open")]

    def current_intervention(
        self, provider_id: str, contract_reference: str | None
    ) -> Intervention | None:
        """The one open intervention for the provider (and contract), if there is one."""
        found = self.views.get(InterventionsIndex).current(provider_id, contract_reference)
        return None if found is None else self.intervention(found)

    def plans_of(self, intervention: Intervention) -> list[Plan]:
        return [self.get(Plan, UUID(i)) for i in intervention.plan_ids]

    def notices_of(self, intervention: Intervention) -> list[BreachNotice]:
        return [self.get(BreachNotice, UUID(i)) for i in intervention.notice_ids]

    def plan(self, intervention: Intervention, plan_id: UUID) -> Plan:
        if str(plan_id) not in intervention.plan_ids:
            raise NotFound(f"no improvement plan {plan_id} on intervention {intervention.id}")
        return self.get(Plan, plan_id)

    def notice(self, intervention: Intervention, notice_id: UUID) -> BreachNotice:
        if str(notice_id) not in intervention.notice_ids:
            raise NotFound(f"no breach notice {notice_id} on intervention {intervention.id}")
        return self.get(BreachNotice, notice_id)

    def provider_record(self, provider_id: str) -> ProviderRecord:
        """The provider's whole documented history that a decommission rests on (004 §15)."""
        meetings, failed, suspended = [], [], []
        for intervention in self.interventions_for(provider_id):
            meetings += intervention.meetings_raising_issues
            if intervention.suspended_on:
                suspended.append(intervention.suspended_on)
            failed += [
                plan.concluded_on
                for plan in self.plans_of(intervention)
                if plan.status is PlanStatus.NOT_ACHIEVED
            ]
        return ProviderRecord(
            tuple(sorted(meetings)),
            tuple(sorted(d for d in failed if d)),
            min(suspended) if suspended else None,
        )

    def casework(self, intervention: Intervention) -> Casework:
        """The intervention with its plans and notices, for the rules that span them."""
        return Casework(intervention, self.plans_of(intervention), self.notices_of(intervention))

    def open_work(self, intervention: Intervention) -> list[str]:
        """Plans and notices still running, which keep an intervention open."""
        return self.casework(intervention).open_work()
