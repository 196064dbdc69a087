"""Proportionate interventions and serious steps approved by a second person (§7-8)."""

from __future__ import annotations

import pytest

from services.escalation.domain.escalation import (
    Escalation,
    EscalationNotPending,
    RoleMayNotApprove,
    SelfApprovalRefused,
    Status,
)
from services.escalation.domain.intervention import Intervention, proportionate_response
from shared.contracts.escalation import Level
from shared.domain import InvalidInput

pytestmark = pytest.mark.unit


# proportionate_response: serious concerns are enforced against, moderate ones enabled (003, 001).


def test_a_serious_concern_is_enforced_against_with_a_breach_notice():
    response = proportionate_response("serious", safety_at_risk=False)

    assert response.level is Level.ENFORCE
    assert response.step == "breach notice"
    assert response.reason == "serious concern"


def test_a_concern_putting_peoples_safety_at_risk_is_enforced_against_even_if_moderate():
    response = proportionate_response("moderate", safety_at_risk=True)

    assert response.level is Level.ENFORCE
    assert response.step == "breach notice"
    assert response.reason == "serious concern with people's safety at risk"


def test_a_serious_safety_concern_says_peoples_safety_is_at_risk():
    response = proportionate_response("serious", safety_at_risk=True)

    assert response.level is Level.ENFORCE
    assert "people's safety at risk" in response.reason


def test_a_moderate_concern_is_enabled_with_an_improvement_plan():
    response = proportionate_response("moderate", safety_at_risk=False)

    assert response.level is Level.ENABLE
    assert response.step == "improvement plan"
    assert response.reason == "moderate concern"


def test_one_concern_opens_one_intervention():
    assert Intervention.create_id("c1") == Intervention.create_id("c1")
    assert Intervention.create_id("c1") != Intervention.create_id("c2")


# Escalation: proposed by one person, approved by another with the authority (004 §15).


def proposed(proposed_by: str = "Jo") -> Escalation:
    escalation = Escalation(
        provider_id="oakwood",
        intervention_id="intervention-1",
        step="suspension",
        reason="sustained underperformance",
        proposed_by=proposed_by,
        correlation_id="corr-1",
        causation_id="env-1",
    )
    escalation.collect_events()
    return escalation


def test_a_proposed_escalation_waits_for_a_decision():
    escalation = proposed()

    assert escalation.status is Status.PROPOSED
    assert escalation.decided_by is None


def test_an_intervention_has_at_most_one_escalation():
    assert proposed().id == Escalation.create_id("intervention-1")


@pytest.mark.parametrize("role", ["head_of_strategic_planning", "general_manager", "cswo"])
def test_the_head_of_strategic_planning_a_general_manager_or_the_cswo_may_approve(role):
    escalation = proposed()

    escalation.approve("Morag", role, correlation_id="corr-2")

    assert escalation.status is Status.APPROVED
    assert escalation.decided_by == "Morag"
    [approved] = escalation.collect_events()
    assert type(approved).__name__ == "Approved"
    assert (approved.approver, approved.role) == ("Morag", role)
    # The decision repeats what it decides on, so it reads on its own in a history.
    assert (approved.provider_id, approved.intervention_id, approved.step) == (
        "oakwood", "intervention-1", "suspension")


def test_nobody_approves_their_own_proposal():
    escalation = proposed(proposed_by="Morag")

    with pytest.raises(SelfApprovalRefused) as refused:
        escalation.approve("Morag", "head_of_strategic_planning", correlation_id="c")

    assert refused.value.field == "approver"
    assert escalation.status is Status.PROPOSED
    assert escalation.collect_events() == []


def test_nobody_rejects_their_own_proposal_either():
    escalation = proposed(proposed_by="Morag")

    with pytest.raises(SelfApprovalRefused):
        escalation.reject("Morag", "general_manager", "changed my mind", correlation_id="c")


@pytest.mark.parametrize("role", ["contract_coordinator", "contract_manager", "commissioner", ""])
def test_a_role_without_the_authority_may_not_approve(role):
    escalation = proposed()

    with pytest.raises(RoleMayNotApprove) as refused:
        escalation.approve("Alex", role, correlation_id="c")

    assert refused.value.field == "role"
    assert "may not approve" in refused.value.message
    assert escalation.status is Status.PROPOSED


def test_a_role_without_the_authority_may_not_reject():
    with pytest.raises(RoleMayNotApprove):
        proposed().reject("Alex", "contract_coordinator", "not needed", correlation_id="c")


def test_an_approved_escalation_cannot_be_approved_again():
    escalation = proposed()
    escalation.approve("Morag", "head_of_strategic_planning", correlation_id="c")

    with pytest.raises(EscalationNotPending, match="already approved"):
        escalation.approve("Ewan", "general_manager", correlation_id="c")

    assert escalation.decided_by == "Morag"


def test_an_approved_escalation_cannot_then_be_rejected():
    escalation = proposed()
    escalation.approve("Morag", "head_of_strategic_planning", correlation_id="c")

    with pytest.raises(EscalationNotPending):
        escalation.reject("Ewan", "general_manager", "too harsh", correlation_id="c")

    assert escalation.status is Status.APPROVED


def test_a_rejected_escalation_cannot_then_be_approved():
    escalation = proposed()
    escalation.reject("Ewan", "general_manager", "an improvement plan first", correlation_id="c")

    with pytest.raises(EscalationNotPending, match="already rejected"):
        escalation.approve("Morag", "head_of_strategic_planning", correlation_id="c")


def test_a_rejection_records_who_rejected_and_why():
    escalation = proposed()

    escalation.reject("Ewan", "general_manager", "an improvement plan first", correlation_id="c")

    assert escalation.status is Status.REJECTED
    assert escalation.decided_by == "Ewan"
    [rejected] = escalation.collect_events()
    assert type(rejected).__name__ == "Rejected"
    assert rejected.reason == "an improvement plan first"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_needs_a_reason(reason):
    escalation = proposed()

    with pytest.raises(InvalidInput) as refused:
        escalation.reject("Ewan", "general_manager", reason, correlation_id="c")

    assert refused.value.field == "reason"
    assert escalation.status is Status.PROPOSED
    assert escalation.collect_events() == []


def test_an_approval_keeps_the_approvers_reason_in_the_history():
    escalation = proposed()

    escalation.approve("Morag", "cswo", correlation_id="c", reason="  contingency agreed ")

    [approved] = escalation.collect_events()
    assert approved.reason == "contingency agreed"
