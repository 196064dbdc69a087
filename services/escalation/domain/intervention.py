"""An intervention on the Encourage / Enable / Enforce ladder for one provider (and contract).

It opens for a concern (by the proportionality policy) or by an officer, takes in further
concerns while open, and walks the interventions of 003. Plans and breach notices are
aggregates of their own; the intervention keeps their ids, the level, the performance rating and
the serious steps waiting for a second person.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.escalation.domain.deadlines import Deadline, Missed
from services.escalation.domain.evidence import DecommissionNeedsDocumentedEvidence, ProviderRecord
from services.escalation.domain.ladder import (
    LEVEL_OF,
    MEETINGS,
    OWN_COMMAND,
    RATING_AT,
    VISITS,
    PerformanceRating,
    Step,
    check_step_fits_level,
    higher,
    parse_level,
    parse_step,
)
from services.escalation.domain.proportionality import (
    BREACH_OF_CONTRACT,
    Proportionate,
    parse_engagement,
    proportionate_response,
)
from services.escalation.domain.routes import Route
from shared.domain import InvalidInput, Refused, stable_id
from shared.uk import long_date
from shared.vocabulary import Level

__all__ = ["Intervention", "Proportionate", "proportionate_response"]

# Missing these deadlines shows the provider failing, not just slow: the ladder goes to Enforce.
_ENFORCING_DEADLINES = frozenset({Deadline.TARGETS_MET, Deadline.BREACH_NOTICE})


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class InterventionClosedError(Refused):
    """Nothing more happens on a closed intervention; a new concern opens a new one."""


class SeriousStepPending(Refused):
    """The same serious step already waits for a decision."""


def _required(text: str, field: str, what: str) -> str:
    if not text.strip():
        raise InvalidInput(f"{what} is required", field=field)
    return text.strip()


class Intervention(Aggregate):
    """The council's proportionate action on a provider, walked up and down the ladder."""

    @staticmethod
    def create_id(concern_id: str | None = None, reference: str | None = None) -> UUID:
        if concern_id and reference:  # a concern come back after its intervention closed
            return stable_id("intervention", concern_id, reference)
        if concern_id:
            return stable_id("intervention", concern_id)
        return stable_id("intervention", "opened", reference or "")

    @event("Opened")
    def __init__(
        self,
        provider_id: str,
        concern_id: str | None,
        level: str,
        step: str,
        reason: str,
        correlation_id: str,
        causation_id: str,
        contract_reference: str | None = None,
        opened_by: str | None = None,
        reference: str | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.contract_reference = contract_reference
        self.concern_ids = [concern_id] if concern_id else []
        self.level = level
        self.step = step
        self.reason = reason
        self.opened_by = opened_by
        self.status = Status.OPEN
        self.engagement: str | None = None
        self.steps: list[dict[str, Any]] = []
        self.meetings_raising_issues: list[date] = []
        self.visits: list[date] = []
        self.plan_ids: list[str] = []
        self.notice_ids: list[str] = []
        self.noticed: list[str] = []
        self.pending: dict[str, str] = {}
        self.proposed_plans: dict[str, str] = {}
        self.proposals = 0
        self.recurrences: dict[str, int] = {}  # concern id -> how often it has fired
        self.suspended_on: date | None = None
        self.closed_reason: str | None = None

    # Reading ----------------------------------------------------------------------------------

    @property
    def rating(self) -> PerformanceRating:
        """The provider's performance rating, amended with every change of level."""
        return RATING_AT[Level(self.level)]

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    def check_not_closed(self) -> None:
        if not self.is_open:
            raise InterventionClosedError(
                f"the intervention was closed ({self.closed_reason}); nothing more is recorded "
                "on it",
                field="intervention",
            )

    def record(self) -> ProviderRecord:
        """This intervention's part of the provider's documented evidence."""
        return ProviderRecord(tuple(self.meetings_raising_issues), (), self.suspended_on)

    # Concerns and the policy ------------------------------------------------------------------

    def add_concern(
        self,
        concern_id: str,
        severity: str,
        safety_at_risk: bool,
        summary: str,
        category: str,
        correlation_id: str,
        causation_id: str,
    ) -> bool:
        """A further concern while open: persistent now, so the policy may raise the level."""
        self.check_not_closed()
        response, level, raised = self._persistent(severity, safety_at_risk, category)
        self._concern_added(
            provider_id=self.provider_id,
            concern_id=concern_id,
            severity=severity,
            safety_at_risk=safety_at_risk,
            summary=summary,
            level=level.value,
            step=response.step if raised else self.step,
            reason=f"{response.reason}: {summary}",
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        return raised

    def _persistent(self, severity: str, safety_at_risk: bool,
                    category: str) -> tuple[Any, Level, bool]:
        """The policy's response to a concern while this intervention is open (persistent, so
        the level may rise, never fall), the level it comes to, and whether that is higher."""
        response = proportionate_response(
            severity,
            safety_at_risk,
            breach=category == BREACH_OF_CONTRACT,
            engagement=self.engagement,
            persistent=True,
        )
        level = higher(Level(self.level), response.level)
        return response, level, level != self.level

    def note_recurrence(
        self,
        concern_id: str,
        occurrences: int,
        severity: str,
        safety_at_risk: bool,
        summary: str,
        category: str,
        correlation_id: str,
        causation_id: str,
    ) -> bool:
        """A concern this intervention holds came up again: persistent, so the policy may raise
        the level as for a further concern. Returns whether the level rose."""
        self.check_not_closed()
        if occurrences <= self.recurrences.get(concern_id, 1):
            return False  # heard already
        response, level, raised = self._persistent(severity, safety_at_risk, category)
        self._concern_recurred(
            provider_id=self.provider_id,
            concern_id=concern_id,
            occurrences=occurrences,
            severity=severity,
            safety_at_risk=safety_at_risk,
            summary=summary,
            level=level.value,
            step=response.step if raised else self.step,
            reason=f"{response.reason}: {summary}",
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        return raised

    def override_policy(
        self, level: str, step: str, reason: str, officer: str, correlation_id: str
    ) -> None:
        """An officer chooses another level or step than the policy's, saying why."""
        self.check_not_closed()
        chosen_level, chosen_step = parse_level(level), parse_step(step)
        check_step_fits_level(chosen_step, chosen_level)
        reason = _required(reason, "reason", "the reason for overriding the policy")
        if (chosen_level.value, chosen_step.value) == (self.level, self.step):
            raise Refused(f"the intervention is already at {level} with {step} next", field="step")
        self._policy_overridden(
            provider_id=self.provider_id,
            policy_level=self.level,
            policy_step=self.step,
            level=chosen_level.value,
            step=chosen_step.value,
            reason=reason,
            officer=officer,
            correlation_id=correlation_id,
        )

    def record_engagement(
        self, engagement: str, note: str, recorded_by: str, on: date, correlation_id: str
    ) -> None:
        self.check_not_closed()
        self._engagement_recorded(
            provider_id=self.provider_id,
            engagement=parse_engagement(engagement).value,
            note=note,
            recorded_by=recorded_by,
            on=on,
            correlation_id=correlation_id,
        )

    # Steps ------------------------------------------------------------------------------------

    def take_step(
        self,
        step: str,
        on: date,
        by: str,
        notes: str,
        issues_raised: list[str],
        correlation_id: str,
    ) -> None:
        """Records one of the interventions that need no more than a note (feedback, visits…)."""
        self.check_not_closed()
        chosen = parse_step(step)
        if chosen in OWN_COMMAND:
            raise InvalidInput(
                f"a {chosen.value} has a command of its own: {OWN_COMMAND[chosen]}", field="step"
            )
        if chosen is Step.REWARD and self.level != Level.ENCOURAGE:
            raise Refused(
                "reward is for consistently high performers (Encourage); this intervention is "
                f"at {self.level.title()}",
                field="step",
            )
        if issues_raised and chosen not in MEETINGS:
            raise InvalidInput(
                "issues are raised at a contract management or review meeting",
                field="issues_raised",
            )
        self.record_step(chosen, on, by, notes, correlation_id, issues_raised=issues_raised)

    def record_step(
        self,
        step: Step,
        on: date,
        by: str,
        notes: str,
        correlation_id: str,
        reference: str | None = None,
        issues_raised: list[str] | None = None,
    ) -> None:
        """Any step, the plans and notices included; the level rises to the step's own."""
        self.check_not_closed()
        level = higher(Level(self.level), LEVEL_OF[step])
        self._step_taken(
            provider_id=self.provider_id,
            step=step.value,
            level=level.value,
            rating=RATING_AT[level].value,
            on=on,
            by=by,
            notes=notes,
            issues_raised=[i.strip() for i in issues_raised or [] if i.strip()],
            reference=reference,
            correlation_id=correlation_id,
        )

    def notice_missed_deadline(self, missed: Missed, noticed_on: date, correlation_id: str) -> bool:
        """A deadline passed unmet feeds the ladder: it names the next step, once."""
        if missed.key in self.noticed or not self.is_open:
            return False
        floor = Level.ENFORCE if missed.deadline in _ENFORCING_DEADLINES else Level.ENABLE
        level = higher(Level(self.level), floor)
        self._deadline_missed(
            provider_id=self.provider_id,
            deadline=missed.deadline.value,
            reference=missed.reference,
            due_on=missed.due,
            noticed_on=noticed_on,
            next_step=missed.next_step,
            level=level.value,
            rating=RATING_AT[level].value,
            key=missed.key,
            correlation_id=correlation_id,
        )
        return True

    def escalate_issue(
        self,
        route: Route,
        categories: list[str],
        reason: str,
        raised_by: str,
        on: date,
        correlation_id: str,
    ) -> None:
        self.check_not_closed()
        self._issue_escalated(
            provider_id=self.provider_id,
            recipients=[r.value for r in route.recipients],
            immediately=[r.value for r in route.immediately],
            reasons=list(route.reasons),
            categories=categories,
            reason=_required(reason, "reason", "the issue"),
            raised_by=raised_by,
            on=on,
            correlation_id=correlation_id,
        )

    # Serious steps (a second person decides) --------------------------------------------------

    def propose_suspension(
        self,
        escalation_id: str,
        proposed_by: str,
        reason: str,
        contingency_plan: str,
        failed_notices: int,
        correlation_id: str,
    ) -> None:
        """Suspension follows a failed breach notice and needs a plan for the people served."""
        self.check_may_propose(Step.SUSPENSION)
        if self.suspended_on is not None:
            raise Refused(
                f"the provider was already suspended on {long_date(self.suspended_on)}",
                field="step",
            )
        plan = _required(
            contingency_plan,
            "contingency_plan",
            "a contingency plan for the people the provider currently serves",
        )
        self.check_may_propose_suspension(failed_notices)
        self._propose(escalation_id, Step.SUSPENSION, proposed_by, reason, plan, correlation_id)

    def check_may_propose_suspension(self, failed_notices: int) -> None:
        """Suspension is considered once a breach notice has failed, and only once."""
        self.check_may_propose(Step.SUSPENSION)
        if self.suspended_on is not None:
            raise Refused(
                f"the provider was already suspended on {long_date(self.suspended_on)}",
                field="step",
            )
        if not failed_notices:
            raise Refused(
                "suspension is considered when a breach notice has not been met; no breach "
                "notice on this intervention has failed",
                field="step",
            )

    def propose_decommission(
        self,
        escalation_id: str,
        proposed_by: str,
        reason: str,
        continuity_plan: str,
        record: ProviderRecord,
        correlation_id: str,
    ) -> None:
        """Refused, listing what is missing, unless the documented evidence is there."""
        self.check_may_propose(Step.DECOMMISSION)
        plan = _required(
            continuity_plan,
            "continuity_plan",
            "a plan for continuity of service for everyone affected",
        )
        DecommissionNeedsDocumentedEvidence(record).check()
        self._propose(
            escalation_id,
            Step.DECOMMISSION,
            proposed_by,
            reason,
            plan,
            correlation_id,
            evidence=record.described(),
        )

    def propose_telling_the_chief_officer(
        self, escalation_id: str, proposed_by: str, reason: str, correlation_id: str
    ) -> None:
        self.check_may_propose(Step.TELL_THE_CHIEF_OFFICER)
        self._propose(
            escalation_id, Step.TELL_THE_CHIEF_OFFICER, proposed_by, reason, "", correlation_id
        )

    def check_may_propose(self, step: Step) -> None:
        self.check_not_closed()
        if step.value in self.pending.values():
            raise SeriousStepPending(
                f"a {step.value} was already proposed and waits for a decision", field="step"
            )

    def _propose(
        self,
        escalation_id: str,
        step: Step,
        proposed_by: str,
        reason: str,
        plan: str,
        correlation_id: str,
        evidence: list[str] | None = None,
    ) -> None:
        self._serious_step_proposed(
            provider_id=self.provider_id,
            escalation_id=escalation_id,
            step=step.value,
            proposed_by=proposed_by,
            reason=_required(reason, "reason", "the reason for the proposal"),
            plan=plan,
            evidence=evidence or [],
            correlation_id=correlation_id,
        )

    def apply_decision(
        self, escalation_id: str, approved: bool, decided_by: str, on: date, correlation_id: str
    ) -> None:
        """The second person's decision takes effect: suspended, decommissioned, or not."""
        step = self.pending.get(escalation_id)
        if step is None:
            return  # the policy's own proposals change nothing here
        plan = self.proposed_plans.get(escalation_id, "")
        if approved and step == Step.SUSPENSION:
            self._suspended(
                provider_id=self.provider_id,
                escalation_id=escalation_id,
                approved_by=decided_by,
                on=on,
                contingency_plan=plan,
                correlation_id=correlation_id,
            )
        elif approved and step == Step.DECOMMISSION:
            self._decommissioned(
                provider_id=self.provider_id,
                escalation_id=escalation_id,
                approved_by=decided_by,
                on=on,
                continuity_plan=plan,
                contract_reference=self.contract_reference,
                correlation_id=correlation_id,
            )
        else:
            self._serious_step_decided(
                provider_id=self.provider_id,
                escalation_id=escalation_id,
                step=step,
                approved=approved,
                decided_by=decided_by,
                on=on,
                correlation_id=correlation_id,
            )

    def close(
        self, reason: str, closed_by: str, on: date, open_work: list[str], correlation_id: str
    ) -> None:
        """Closes once nothing is outstanding: no plan, notice or decision still open."""
        self.check_may_close(open_work)
        self._closed(
            provider_id=self.provider_id,
            reason=_required(reason, "reason", "the reason for closing"),
            closed_by=closed_by,
            on=on,
            correlation_id=correlation_id,
        )

    def check_may_close(self, open_work: list[str]) -> None:
        self.check_not_closed()
        waiting = open_work + [f"a {step} waiting for a decision" for step in self.pending.values()]
        if waiting:
            raise Refused(
                "the intervention cannot close while there is still " + "; ".join(waiting),
                field="intervention",
            )

    # Events -----------------------------------------------------------------------------------

    @event("ConcernAdded")
    def _concern_added(
        self,
        provider_id: str,
        concern_id: str,
        severity: str,
        safety_at_risk: bool,
        summary: str,
        level: str,
        step: str,
        reason: str,
        correlation_id: str,
        causation_id: str,
    ) -> None:
        self.concern_ids.append(concern_id)
        if level != self.level:
            self.proposals += 1  # the policy proposes the new level's step
            self.reason = reason
        self.level, self.step = level, step

    @event("ConcernRecurred")
    def _concern_recurred(
        self,
        provider_id: str,
        concern_id: str,
        occurrences: int,
        severity: str,
        safety_at_risk: bool,
        summary: str,
        level: str,
        step: str,
        reason: str,
        correlation_id: str,
        causation_id: str,
    ) -> None:
        self.recurrences[concern_id] = occurrences
        if level != self.level:
            self.proposals += 1  # the policy proposes the new level's step
            self.reason = reason
        self.level, self.step = level, step

    @event("PolicyOverridden")
    def _policy_overridden(
        self,
        provider_id: str,
        policy_level: str,
        policy_step: str,
        level: str,
        step: str,
        reason: str,
        officer: str,
        correlation_id: str,
    ) -> None:
        self.level, self.step, self.reason = level, step, reason

    @event("EngagementRecorded")
    def _engagement_recorded(
        self,
        provider_id: str,
        engagement: str,
        note: str,
        recorded_by: str,
        on: date,
        correlation_id: str,
    ) -> None:
        self.engagement = engagement

    @event("StepTaken")
    def _step_taken(
        self,
        provider_id: str,
        step: str,
        level: str,
        rating: str,
        on: date,
        by: str,
        notes: str,
        issues_raised: list[str],
        reference: str | None,
        correlation_id: str,
    ) -> None:
        self.level = level
        self.steps.append({"step": step, "on": on, "by": by, "reference": reference})
        if Step(step) in MEETINGS and issues_raised:
            self.meetings_raising_issues.append(on)
        if Step(step) in VISITS:
            self.visits.append(on)
        if step in (Step.IMPROVEMENT_PLAN, Step.DIRECTED_IMPROVEMENT_PLAN) and reference:
            self.plan_ids.append(reference)
        if step == Step.BREACH_NOTICE and reference:
            self.notice_ids.append(reference)

    @event("DeadlineMissed")
    def _deadline_missed(
        self,
        provider_id: str,
        deadline: str,
        reference: str,
        due_on: date,
        noticed_on: date,
        next_step: str,
        level: str,
        rating: str,
        key: str,
        correlation_id: str,
    ) -> None:
        self.noticed.append(key)
        self.level, self.step = level, next_step

    @event("IssueEscalated")
    def _issue_escalated(
        self,
        provider_id: str,
        recipients: list[str],
        immediately: list[str],
        reasons: list[str],
        categories: list[str],
        reason: str,
        raised_by: str,
        on: date,
        correlation_id: str,
    ) -> None:
        pass

    @event("SeriousStepProposed")
    def _serious_step_proposed(
        self,
        provider_id: str,
        escalation_id: str,
        step: str,
        proposed_by: str,
        reason: str,
        plan: str,
        evidence: list[str],
        correlation_id: str,
    ) -> None:
        self.pending[escalation_id] = step
        self.proposed_plans[escalation_id] = plan
        self.proposals += 1

    @event("SeriousStepDecided")
    def _serious_step_decided(
        self,
        provider_id: str,
        escalation_id: str,
        step: str,
        approved: bool,
        decided_by: str,
        on: date,
        correlation_id: str,
    ) -> None:
        del self.pending[escalation_id]

    @event("Suspended")
    def _suspended(
        self,
        provider_id: str,
        escalation_id: str,
        approved_by: str,
        on: date,
        contingency_plan: str,
        correlation_id: str,
    ) -> None:
        del self.pending[escalation_id]
        self.suspended_on = on
        self.level = Level.ENFORCE.value

    @event("Decommissioned")
    def _decommissioned(
        self,
        provider_id: str,
        escalation_id: str,
        approved_by: str,
        on: date,
        continuity_plan: str,
        contract_reference: str | None,
        correlation_id: str,
    ) -> None:
        del self.pending[escalation_id]
        self.status = Status.CLOSED
        self.closed_reason = f"decommissioned on {long_date(on)}"

    @event("Closed")
    def _closed(
        self, provider_id: str, reason: str, closed_by: str, on: date, correlation_id: str
    ) -> None:
        self.status = Status.CLOSED
        self.closed_reason = f"closed on {long_date(on)}: {reason}"
