"""Every default routing rule (domain-rules.md §1, §4, §7, §8, §9), and rules a council adds."""

from __future__ import annotations

from datetime import date

import pytest

from services.notify.adapters.config_file import config_from_dict
from services.notify.domain.defaults import DEFAULT_RULES
from services.notify.domain.facts import (
    NOTIFICATION_FAILED,
    Fact,
    fact_of,
    intelligence_requested,
    return_due_soon,
)
from services.notify.domain.routing import (
    ASP_TEAM,
    COMMISSIONING_MANAGER,
    CONTRACT_MANAGER,
    CSWO,
    GENERAL_MANAGER,
    HEAD_OF_STRATEGIC_PLANNING,
    LOCALITY_MANAGER,
    MARKET_MANAGER,
    OPERATIONS,
    SENIOR_OPERATIONAL_MANAGERS,
    SYSTEM_OPERATORS,
    Route,
    Rule,
    routes_for,
)
from shared.contracts import escalation as esc
from shared.contracts import intake, risk

pytestmark = pytest.mark.unit

PROVIDER = "provider-oakwood"
ABOUT = {"provider_id": "oakwood", "intervention_id": "i-1"}
ON = date(2026, 9, 1)


def recipients(event) -> set[str]:
    return {route.recipient for route in routes_for(event)}


def urgent(event) -> set[str]:
    return {route.recipient for route in routes_for(event) if route.urgent}


def waiting_allowed(event) -> set[str]:
    return {route.recipient for route in routes_for(event) if route.may_wait}


def concern(**overrides) -> risk.ConcernRaised:
    fields = dict(provider_id="oakwood", concern_id="c-1", category="quality",
                  severity="moderate", source="return analysis", summary="s", evidence=[],
                  safety_at_risk=False)
    return risk.ConcernRaised(**{**fields, **overrides})


def requested(form: str = "cmr-level-1") -> intake.ReturnRequested:
    return intake.ReturnRequested(
        provider_id="oakwood", request_id="r-1", contract_reference="OAK-1", form=form,
        period_start=date(2026, 4, 1), period_end=date(2026, 7, 31), issue_on=date(2026, 8, 1),
        due_on=date(2026, 8, 17))


# Concerns (§1, §8) -------------------------------------------------------------------------


def test_an_asp_concern_goes_to_operations_and_the_asp_team_at_once_without_a_safety_flag():
    event = concern(category="adult support and protection", severity="serious")

    assert {OPERATIONS, ASP_TEAM} <= urgent(event)
    assert CONTRACT_MANAGER in recipients(event)


def test_asp_categories_are_matched_whatever_their_case():
    assert OPERATIONS in urgent(concern(category="ASP"))


def test_a_serious_safety_concern_is_urgent_for_everyone_told():
    event = concern(safety_at_risk=True, severity="serious")

    assert urgent(event) == recipients(event) == {
        CONTRACT_MANAGER, OPERATIONS, COMMISSIONING_MANAGER}


# Returns (§4, §9) ---------------------------------------------------------------------------


def test_a_return_request_goes_to_the_provider_and_does_not_wait_for_a_digest():
    assert routes_for(requested()) == [Route(PROVIDER, urgent=False, may_wait=False)]


@pytest.mark.parametrize("days", [7, 3, 1])
def test_a_reminder_before_the_due_date_goes_to_the_provider(days):
    fact = return_due_soon("oakwood", "r-1", days, {"form": "kpi"})

    assert routes_for(fact) == [Route(PROVIDER, urgent=False, may_wait=False)]
    assert fact.id == f"r-1:due-in-{days}"


def test_an_overdue_return_is_chased_with_the_provider_and_the_contract_manager_at_once():
    event = intake.ReturnOverdue(provider_id="oakwood", request_id="r-1",
                                 contract_reference="OAK-1", form="kpi",
                                 due_on=date(2026, 7, 15), overdue_on=date(2026, 7, 16))

    assert routes_for(event) == [Route(PROVIDER, False, False), Route(CONTRACT_MANAGER, False,
                                                                      False)]


@pytest.mark.parametrize("form", ["cmr-level-1", "return-level-2", "return-level-3"])
def test_before_a_monitoring_round_locality_managers_are_asked_for_intelligence(form):
    fact = intelligence_requested(fact_of(requested(form), "event-1"))

    assert routes_for(fact) == [Route(LOCALITY_MANAGER, urgent=False, may_wait=False)]
    assert fact.id == "event-1:intelligence"


def test_a_kpi_return_is_not_a_monitoring_round_and_asks_nobody_for_intelligence():
    assert routes_for(intelligence_requested(fact_of(requested("kpi"), "e"))) == []


# Escalations (§8) ---------------------------------------------------------------------------


def test_an_escalated_issue_goes_to_the_roles_of_section_8_some_immediately():
    event = esc.IssueEscalated(
        **ABOUT, recipients=["line manager", "operational staff", "head of strategic planning",
                             "general manager", "senior operational managers",
                             "chief social work officer"],
        immediately=["operational staff"], categories=["criminal activity"], reason="r",
        raised_by="Jo")

    assert recipients(event) == {COMMISSIONING_MANAGER, OPERATIONS, HEAD_OF_STRATEGIC_PLANNING,
                                 GENERAL_MANAGER, SENIOR_OPERATIONAL_MANAGERS, CSWO}
    assert urgent(event) == {OPERATIONS}


def test_a_rejected_escalation_goes_back_to_the_contract_manager():
    event = esc.EscalationRejected(provider_id="oakwood", escalation_id="e", intervention_id="i",
                                   rejected_by="Morag", reason="not proportionate")

    assert recipients(event) == {CONTRACT_MANAGER}


def test_a_withdrawn_escalation_tells_whoever_was_asked_to_approve_it():
    event = esc.EscalationWithdrawn(provider_id="oakwood", escalation_id="e",
                                    intervention_id="i", step="suspension", withdrawn_by="Jo",
                                    reason="policy overridden")

    assert recipients(event) == {HEAD_OF_STRATEGIC_PLANNING}


def test_an_overridden_policy_is_seen_by_the_officers_line_manager():
    event = esc.PolicyOverridden(**ABOUT, policy_level="enable", policy_step="improvement plan",
                                 level="enforce", step="breach notice", reason="r",
                                 overridden_by="Jo")

    assert recipients(event) == {COMMISSIONING_MANAGER}


# Interventions (§7): steps and deadlines to the contract manager and the provider -----------


def intervention_events():
    plan = {"plan_id": "p-1"}
    return {
        "InterventionOpened": esc.InterventionOpened(**ABOUT, concern_id="c-1", level="enable",
                                                     reason="r"),
        "InterventionStepTaken": esc.InterventionStepTaken(
            **ABOUT, step="scheduled visit", level="enable", performance_rating="amber", on=ON,
            taken_by="Jo"),
        "ImprovementPlanReceived": esc.ImprovementPlanReceived(**ABOUT, **plan, received_on=ON,
                                                               actions=[]),
        "ImprovementPlanReviewed": esc.ImprovementPlanReviewed(**ABOUT, **plan, reviewed_on=ON,
                                                               on_track=True),
        "ImprovementPlanAchieved": esc.ImprovementPlanAchieved(**ABOUT, **plan, on=ON),
        "BreachNoticeMet": esc.BreachNoticeMet(**ABOUT, notice_id="n-1", on=ON),
        "InterventionClosed": esc.InterventionClosed(**ABOUT, reason="r", closed_by="Jo", on=ON),
    }


def deadline_events():
    plan = {"plan_id": "p-1", "review_due": ON, "targets_due": ON, "visit_due": ON}
    return {
        "ImprovementPlanRequested": esc.ImprovementPlanRequested(
            **ABOUT, **plan, requested_on=ON, plan_due=ON),
        "DirectedImprovementPlanIssued": esc.DirectedImprovementPlanIssued(
            **ABOUT, **plan, breach_notice_id="n-1", directed_on=ON),
        "BreachNoticeIssued": esc.BreachNoticeIssued(
            **ABOUT, notice_id="n-1", deficiency="d", action_required="a", comply_by=ON,
            issued_on=ON),
        "DeadlineMissed": esc.DeadlineMissed(
            **ABOUT, deadline="improvement plan received", reference="p-1", due_on=ON,
            next_step="contract review meeting", level="enable"),
    }


@pytest.mark.parametrize("name", sorted(intervention_events()))
def test_an_intervention_step_goes_to_the_contract_manager_and_the_provider(name):
    event = intervention_events()[name]

    assert recipients(event) == {CONTRACT_MANAGER, PROVIDER}
    assert waiting_allowed(event) == {CONTRACT_MANAGER, PROVIDER}


@pytest.mark.parametrize("name", sorted(deadline_events()))
def test_a_deadline_goes_to_the_contract_manager_and_the_provider_without_waiting(name):
    event = deadline_events()[name]

    assert recipients(event) == {CONTRACT_MANAGER, PROVIDER}
    assert waiting_allowed(event) == set()


def test_an_unachieved_plan_also_reaches_the_commissioning_manager():
    event = esc.ImprovementPlanNotAchieved(**ABOUT, plan_id="p", on=ON, reason="targets missed")

    assert recipients(event) == {CONTRACT_MANAGER, PROVIDER, COMMISSIONING_MANAGER}


def test_a_failed_breach_notice_goes_to_senior_managers_too():
    event = esc.BreachNoticeFailed(**ABOUT, notice_id="n", comply_by=ON,
                                   options=["suspension", "decommission"],
                                   regulator_to_be_notified=True)

    assert recipients(event) == {CONTRACT_MANAGER, PROVIDER, HEAD_OF_STRATEGIC_PLANNING,
                                 GENERAL_MANAGER}


def test_telling_the_regulator_is_reported_to_the_contract_manager_and_hosp():
    event = esc.RegulatorNotified(**ABOUT, notice_id="n", regulator="care-inspectorate", on=ON)

    assert recipients(event) == {CONTRACT_MANAGER, HEAD_OF_STRATEGIC_PLANNING}


@pytest.mark.parametrize("event", [
    esc.ProviderSuspended(**ABOUT, escalation_id="e", approved_by="Morag", on=ON,
                          contingency_plan="placements reviewed"),
    esc.ProviderDecommissioned(**ABOUT, escalation_id="e", contract_reference="OAK-1",
                               approved_by="Morag", on=ON, continuity_plan="new provider"),
])
def test_a_suspension_or_decommission_reaches_everyone_who_must_act_without_waiting(event):
    # A contingency plan for the people served; the market manager is informed (§7).
    assert recipients(event) == {PROVIDER, CONTRACT_MANAGER, OPERATIONS,
                                 HEAD_OF_STRATEGIC_PLANNING, GENERAL_MANAGER, MARKET_MANAGER}
    assert waiting_allowed(event) == set()


def test_a_briefing_goes_to_the_managers():
    fact = Fact("BriefingIssued", "b-1", "oakwood", {"as_of": ON})

    assert recipients(fact) == {COMMISSIONING_MANAGER, HEAD_OF_STRATEGIC_PLANNING,
                                GENERAL_MANAGER}


def test_a_failed_delivery_alerts_the_system_operators_at_once():
    fact = Fact(NOTIFICATION_FAILED, "d-1:failed:5", "oakwood", {})

    assert routes_for(fact) == [Route(SYSTEM_OPERATORS, urgent=True, may_wait=False)]


def test_every_default_rule_says_why():
    assert all(rule.why for rule in DEFAULT_RULES)


# Rules a council adds ------------------------------------------------------------------------


def test_a_council_can_route_another_event_type_by_a_rule_alone():
    config = config_from_dict({"more_rules": [
        {"event": "ConcernResolved", "to": ["contract-manager", "operations"],
         "why": "closing the loop"}]})
    event = risk.ConcernResolved(provider_id="oakwood", concern_id="c", reason="r",
                                 resolved_by="Jo")

    assert recipients(event) == set()  # not by default
    assert {r.recipient for r in routes_for(event, config.rules, config.aliases)} == {
        CONTRACT_MANAGER, OPERATIONS}


def test_a_rule_may_match_any_of_several_values_and_several_fields():
    rule = Rule("ConcernRaised", ("finance-team",),
                when={"category": ["financial", "service breakdown"], "severity": "serious"})

    assert routes_for(concern(category="financial", severity="serious"), [rule]) == [
        Route("finance-team", False)]
    assert routes_for(concern(category="financial"), [rule]) == []
    assert routes_for(concern(category="quality", severity="serious"), [rule]) == []


def test_replacing_the_rules_drops_the_defaults():
    config = config_from_dict({"rules": [{"event": "ConcernRaised", "to": ["operations"]}]})

    assert [r.recipient for r in routes_for(concern(), config.rules)] == [OPERATIONS]


def test_a_recipient_named_by_several_rules_is_told_once_urgently_if_any_rule_says_so():
    rules = [Rule("ConcernRaised", ("operations",)),
             Rule("ConcernRaised", ("operations",), urgent=True, may_wait=False)]

    assert routes_for(concern(), rules) == [Route(OPERATIONS, urgent=True, may_wait=False)]
