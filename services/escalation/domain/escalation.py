"""A serious step proposed by one person and approved by another with the authority (§8)."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import InvalidInput, Refused, stable_id

# Roles that may approve serious steps (domain-rules.md §8, 004 §15).
APPROVING_ROLES = frozenset({"head_of_strategic_planning", "general_manager", "cswo"})


class Status(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class EscalationNotPending(Refused):
    """The escalation was already decided."""


class SelfApprovalRefused(Refused):
    """Nobody approves their own proposal: a second person must."""


class RoleMayNotApprove(Refused):
    """Only the Head of Strategic Planning, a General Manager or the CSWO approve."""


class Escalation(Aggregate):
    """A proposal for a serious step, waiting for a second, authorised person."""

    @staticmethod
    def create_id(intervention_id: str, sequence: int = 0, **_: object) -> UUID:
        # The policy's first proposal keeps the id it always had; later ones are numbered.
        if not sequence:
            return stable_id("escalation", intervention_id)
        return stable_id("escalation", intervention_id, str(sequence))

    @event("Proposed")
    def __init__(
        self,
        provider_id: str,
        intervention_id: str,
        step: str,
        reason: str,
        proposed_by: str,
        correlation_id: str,
        causation_id: str,
        sequence: int = 0,
    ) -> None:
        self.provider_id = provider_id
        self.intervention_id = intervention_id
        self.step = step
        self.reason = reason
        self.proposed_by = proposed_by
        self.status = Status.PROPOSED
        self.decided_by: str | None = None

    def approve(self, approver: str, role: str, correlation_id: str, reason: str = "") -> None:
        self._check_decision_allowed(approver, role)
        self._approved(
            **self._facts(),
            approver=approver,
            role=role,
            correlation_id=correlation_id,
            reason=reason.strip(),
        )

    def reject(self, approver: str, role: str, reason: str, correlation_id: str) -> None:
        self._check_decision_allowed(approver, role)
        if not reason.strip():
            raise InvalidInput("a rejection needs a reason", field="reason")
        self._rejected(
            **self._facts(),
            approver=approver,
            role=role,
            reason=reason,
            correlation_id=correlation_id,
        )

    def withdraw(self, by: str, reason: str, correlation_id: str) -> None:
        """The proposal is taken back (an officer overrode the policy that made it)."""
        self._check_pending()
        self._withdrawn(**self._facts(), by=by, reason=reason, correlation_id=correlation_id)

    @property
    def pending(self) -> bool:
        return self.status is Status.PROPOSED

    def _check_pending(self) -> None:
        if self.status is not Status.PROPOSED:
            raise EscalationNotPending(f"this escalation was already {self.status.value}")

    def _facts(self) -> dict[str, str]:
        # Decisions repeat what they decide on, so each event reads on its own in a history.
        return {
            "provider_id": self.provider_id,
            "intervention_id": self.intervention_id,
            "step": self.step,
        }

    def _check_decision_allowed(self, approver: str, role: str) -> None:
        self._check_pending()
        if role not in APPROVING_ROLES:
            raise RoleMayNotApprove(
                f"the role {role!r} may not approve; it needs one of "
                + ", ".join(sorted(APPROVING_ROLES)),
                field="role",
            )
        if approver == self.proposed_by:
            raise SelfApprovalRefused("a second person must decide on a proposal", field="approver")

    @event("Approved")
    def _approved(
        self,
        provider_id: str,
        intervention_id: str,
        step: str,
        approver: str,
        role: str,
        correlation_id: str,
        reason: str = "",  # why it was approved; approvals recorded before it had none
    ) -> None:
        self.status = Status.APPROVED
        self.decided_by = approver

    @event("Rejected")
    def _rejected(
        self,
        provider_id: str,
        intervention_id: str,
        step: str,
        approver: str,
        role: str,
        reason: str,
        correlation_id: str,
    ) -> None:
        self.status = Status.REJECTED
        self.decided_by = approver

    @event("Withdrawn")
    def _withdrawn(
        self,
        provider_id: str,
        intervention_id: str,
        step: str,
        by: str,
        reason: str,
        correlation_id: str,
    ) -> None:
        self.status = Status.WITHDRAWN
        self.decided_by = by
