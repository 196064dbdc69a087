"""The ladder's named rules, pure: deadlines, SMART actions, proportionality, routes, evidence."""

from __future__ import annotations

from datetime import date

import pytest

from services.escalation.domain.deadlines import plan_deadlines
from services.escalation.domain.evidence import (
    DecommissionEvidenceMissing,
    DecommissionNeedsDocumentedEvidence,
    ProviderRecord,
)
from services.escalation.domain.ladder import StepAboveLevel, check_step_fits_level, parse_step
from services.escalation.domain.proportionality import proportionate_response
from services.escalation.domain.routes import Category, Issue, Recipient, route_for
from services.escalation.domain.smart import smart_actions
from services.escalation.domain.timeline import timeline_of
from shared.contracts.escalation import Level
from shared.domain import InvalidInput
from shared.working_days import Nation, WorkingDays

pytestmark = pytest.mark.unit

SCOTLAND = WorkingDays(Nation.SCOTLAND)
ENGLAND_AND_WALES = WorkingDays(Nation.ENGLAND_AND_WALES)


# Improvement-plan deadlines across Christmas and New Year (§7, 003 row 14) ---------------------


def test_a_plan_requested_on_18_december_2026_is_due_on_7_january_in_scotland():
    # Working days after Friday 18 December: 21-24 Dec (4), not 25 or 28 Dec (Christmas, Boxing
    # Day made up), 29-31 Dec (7), not 1 Jan nor Monday 4 Jan (2 January made up), 5-7 Jan (10).
    due = plan_deadlines(date(2026, 12, 18), SCOTLAND)

    assert due.plan_due == date(2027, 1, 7)


def test_a_plan_requested_on_18_december_2026_is_due_on_6_january_in_england_and_wales():
    # England and Wales do not keep 2 January, so Monday 4 January is a working day.
    due = plan_deadlines(date(2026, 12, 18), ENGLAND_AND_WALES)

    assert due.plan_due == date(2027, 1, 6)


def test_a_local_holiday_pushes_the_plan_a_day_further():
    calendar = WorkingDays(Nation.SCOTLAND, [date(2027, 1, 5)])

    assert plan_deadlines(date(2026, 12, 18), calendar).plan_due == date(2027, 1, 8)


@pytest.mark.parametrize("calendar", [SCOTLAND, ENGLAND_AND_WALES], ids=["scotland", "england"])
def test_the_30_and_60_day_dates_run_to_the_next_working_day(calendar):
    # 18 December + 30 days is Sunday 17 January; + 60 days is Tuesday 16 February.
    due = plan_deadlines(date(2026, 12, 18), calendar)

    assert due.review_due == date(2027, 1, 18)
    assert due.targets_due == due.visit_due == date(2027, 2, 16)


@pytest.mark.parametrize("calendar", [SCOTLAND, ENGLAND_AND_WALES], ids=["scotland", "england"])
def test_a_review_falling_on_christmas_day_is_held_on_29_december(calendar):
    # 25 November + 30 days is Christmas Day; 26-27 are a weekend and 28 is Boxing Day made up.
    assert plan_deadlines(date(2026, 11, 25), calendar).review_due == date(2026, 12, 29)


def test_a_review_falling_on_new_years_day_waits_for_the_nations_next_working_day():
    # 2 December + 30 days is Friday 1 January 2027.
    assert plan_deadlines(date(2026, 12, 2), SCOTLAND).review_due == date(2027, 1, 5)
    assert plan_deadlines(date(2026, 12, 2), ENGLAND_AND_WALES).review_due == date(2027, 1, 4)


def test_a_directed_plan_has_no_plan_to_wait_for_but_the_same_30_and_60_days():
    due = plan_deadlines(date(2026, 12, 18), SCOTLAND, plan_due=False)

    assert due.plan_due is None
    assert due.targets_due == date(2027, 2, 16)


# SMART actions -------------------------------------------------------------------------------

START, TARGETS = date(2027, 1, 5), date(2027, 2, 16)


def action(**overrides):
    return {"action": "Recruit two night staff", "owner": "Registered manager",
            "measure": "rota shows two waking staff", "due": date(2027, 2, 1), **overrides}


def test_smart_actions_are_kept_with_owner_measure_and_due_date():
    [kept] = smart_actions([action()], START, TARGETS)

    assert (kept.owner, kept.measure, kept.due) == ("Registered manager",
                                                    "rota shows two waking staff",
                                                    date(2027, 2, 1))


def test_every_unsmart_part_of_every_action_is_named_at_once():
    with pytest.raises(InvalidInput) as refused:
        smart_actions([action(owner=""), action(measure=" ", due=None)], START, TARGETS)

    assert refused.value.problems == [
        ("actions.0.owner", "every action needs its owner"),
        ("actions.1.measure", "every action needs its measure"),
        ("actions.1.due", "every action needs a due date"),
    ]


def test_an_action_due_after_the_targets_date_is_not_timebound_to_the_plan():
    with pytest.raises(InvalidInput) as refused:
        smart_actions([action(due=date(2027, 3, 1))], START, TARGETS)

    assert refused.value.field == "actions.0.due"
    assert "16 February 2027" in refused.value.message
    assert "1 March 2027" in refused.value.message


def test_a_plan_without_actions_is_refused():
    with pytest.raises(InvalidInput, match="at least one action"):
        smart_actions([], START, TARGETS)


# Proportionality (001, 003) ------------------------------------------------------------------


def test_an_alleged_breach_of_contract_is_enforced_against_even_if_moderate():
    response = proportionate_response("moderate", False, breach=True)

    assert (response.level, response.step) == (Level.ENFORCE, "breach notice")
    assert "alleged breach of contract" in response.reason


def test_a_provider_not_engaging_is_enforced_against_for_a_moderate_concern():
    response = proportionate_response("moderate", False, engagement="not engaging")

    assert response.level is Level.ENFORCE
    assert response.reason == "moderate concern: the provider is not engaging"


def test_a_provider_engaging_but_not_responding_is_called_to_a_contract_review_meeting():
    response = proportionate_response("moderate", False, engagement="engaging but not responding")

    assert (response.level, response.step) == (Level.ENABLE, "contract review meeting")


def test_an_engagement_that_is_not_one_of_the_three_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        proportionate_response("moderate", False, engagement="deficiency")

    assert refused.value.problems[0][0] == "engagement"


def test_a_recurring_moderate_concern_says_so():
    assert proportionate_response("moderate", False, persistent=True).reason == (
        "recurring moderate concern")


def test_without_a_concern_the_provider_is_monitored_and_encouraged():
    response = proportionate_response(None, False)

    assert (response.level, response.step) == (Level.ENCOURAGE, "feedback")


def test_a_severity_that_is_not_moderate_or_serious_is_refused():
    with pytest.raises(InvalidInput) as refused:
        proportionate_response("catastrophic", False)

    assert refused.value.field == "severity"


def test_a_breach_notice_cannot_be_chosen_at_encourage():
    with pytest.raises(StepAboveLevel, match="a breach notice is an Enforce step"):
        check_step_fits_level(parse_step("breach notice"), Level.ENCOURAGE)


def test_an_unknown_intervention_is_refused_naming_the_ones_there_are():
    with pytest.raises(InvalidInput, match="directed improvement plan"):
        parse_step("firm word")


# Escalation routes (§8, 004 §15) -------------------------------------------------------------


def test_every_issue_goes_to_the_line_manager():
    assert route_for(Issue()).recipients == (Recipient.LINE_MANAGER,)


@pytest.mark.parametrize("flag", ["significant", "recurring", "persistent"])
def test_significant_recurring_or_persistent_issues_go_to_hosp_and_general_manager(flag):
    route = route_for(Issue(**{flag: True}))

    assert route.recipients == (Recipient.LINE_MANAGER, Recipient.HEAD_OF_STRATEGIC_PLANNING,
                                Recipient.GENERAL_MANAGER)
    assert route.immediately == ()


def test_safety_concerns_go_to_operational_staff_immediately():
    route = route_for(Issue(safety=True))

    assert route.immediately == (Recipient.OPERATIONAL_STAFF,)


def test_the_section_8_categories_go_to_hosp_gm_and_where_appropriate_the_cswo():
    without = route_for(Issue(categories=frozenset({Category.MEDIA})))
    with_cswo = route_for(Issue(categories=frozenset({Category.FINANCIAL}),
                                cswo_appropriate=True))

    assert Recipient.CSWO not in without.recipients
    assert {Recipient.HEAD_OF_STRATEGIC_PLANNING, Recipient.GENERAL_MANAGER} <= set(
        without.recipients)
    assert Recipient.CSWO in with_cswo.recipients


def test_criminal_activity_goes_first_to_the_general_manager_and_senior_operational_managers():
    route = route_for(Issue(categories=frozenset({Category.CRIMINAL})))

    assert route.recipients[:4] == (
        Recipient.LINE_MANAGER, Recipient.GENERAL_MANAGER,
        Recipient.SENIOR_OPERATIONAL_MANAGERS, Recipient.HEAD_OF_STRATEGIC_PLANNING)


# Decommission evidence (§7, 004 §15) ----------------------------------------------------------


def test_a_decommission_without_any_evidence_lists_everything_missing():
    rule = DecommissionNeedsDocumentedEvidence(ProviderRecord())

    with pytest.raises(DecommissionEvidenceMissing) as refused:
        rule.check()

    assert refused.value.missing == [
        "a contract management or contract review meeting at which the issues were raised",
        "an improvement plan that was not achieved",
        "a suspension (approved) that has not fixed the issues",
    ]
    assert refused.value.field == "evidence"
    assert "Missing: a contract management" in refused.value.message


def test_a_decommission_with_the_documented_evidence_is_not_refused():
    record = ProviderRecord((date(2027, 1, 12),), (date(2027, 2, 17),), date(2027, 3, 12))

    assert not DecommissionNeedsDocumentedEvidence(record).is_broken()


# Timeline (000) ------------------------------------------------------------------------------


def entry(aggregate, event, aggregate_id="i1", **data):
    return {"aggregate": aggregate, "event": event, "aggregate_id": aggregate_id,
            "time": "2026-12-07T10:00:00+00:00", "data": data}


def test_no_timeline_while_a_single_moderate_concern_is_handled():
    history = [entry("Intervention", "Opened", level="enable", reason="moderate concern: x",
                     step="improvement plan")]

    assert not timeline_of(history).started


def test_a_further_concern_starts_the_timeline_from_the_interventions_opening():
    history = [
        entry("Intervention", "Opened", level="enable", reason="moderate concern: late visits",
              step="improvement plan"),
        entry("Intervention", "ConcernAdded", severity="moderate", summary="complaints",
              level="enable", step="improvement plan"),
    ]

    found = timeline_of(history)

    assert found.started and "persist" in (found.why or "")
    assert [e.event for e in found.entries] == ["Intervention.Opened",
                                                "Intervention.ConcernAdded"]
    assert found.entries[0].what.startswith("Intervention opened at Enable for a concern")


def test_a_timeline_sentence_keeps_one_full_stop_after_a_reason_that_ends_in_one():
    from services.escalation.domain.narrative import sentence

    said = sentence("Intervention", "Opened", {
        "level": "enforce", "reason": "2 sections rated red: safety and staffing.",
        "step": "breach notice"})
    assert said == ("Intervention opened at Enforce for a concern: 2 sections rated red: safety "
                    "and staffing. Next step: breach notice")


def test_a_timeline_sentence_keeps_one_full_stop_after_a_concern_or_deficiency_ending_in_one():
    # A risk rule's summary ends its own sentence ("… reaching the limit of 3.").
    from services.escalation.domain.narrative import sentence

    added = sentence("Intervention", "ConcernAdded", {
        "severity": "moderate", "summary": "Three returns were overdue, reaching the limit of 3.",
        "level": "enable", "step": "improvement plan"})
    issued = sentence("BreachNotice", "Issued", {
        "issued_on": "2026-05-01", "issued_by": "Jo Smith", "deficiency": "Staffing below 80%.",
        "action_required": "Recruit to the complement.", "comply_by": "2026-06-01"})

    assert added == ("A further moderate concern: Three returns were overdue, reaching the limit "
                     "of 3. Level Enable, next step: improvement plan")
    assert issued == ("Breach notice issued on 1 May 2026 by Jo Smith: Staffing below 80%. "
                      "Action required: Recruit to the complement, by 1 June 2026")
