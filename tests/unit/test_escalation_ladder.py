"""The whole ladder on the in-memory store: from a first concern to a refused, then an accepted
decommission; and every illegal transition refused with a message saying why (§7-8, 003)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking

from services.escalation.application import POLICY_PROPOSER, Interventions
from services.escalation.application.steps import Opening
from services.escalation.domain.escalation import SelfApprovalRefused, Status
from services.escalation.domain.evidence import DecommissionEvidenceMissing
from services.escalation.domain.intervention import InterventionClosedError, SeriousStepPending
from services.escalation.domain.routes import Issue
from services.escalation.entrypoints.common import view
from shared.contracts import escalation as published_as
from shared.contracts import risk
from shared.contracts.envelope import wrap
from shared.domain import InvalidInput, Refused

pytestmark = pytest.mark.unit

OFFICER, HOSP, GM = "Jo Officer", "Morag Campbell", "Ewan Grant"
FROM_RISK = "risk.p0"
ACTIONS = [{"action": "Recruit two night staff", "owner": "Registered manager",
            "measure": "rota shows two waking night staff", "due": date(2027, 1, 29)}]


@pytest.fixture
def app():
    app = Interventions(env={"ASSURE_NATION": "scotland"})
    yield app
    app.close()


def raise_concern(app, concern_id="c1", severity="moderate", safety=False, position=1,
                  category="quality", summary="late visits"):
    event = risk.ConcernRaised(
        provider_id="oakwood", concern_id=concern_id, category=category, severity=severity,
        source="return analysis", summary=summary, evidence=["return-1"], safety_at_risk=safety)
    envelope = wrap(event, event_id=f"risk-{concern_id}", time=datetime(2026, 12, 7, tzinfo=UTC),
                    correlation_id="corr-1")
    return app.handle(envelope, Tracking(FROM_RISK, position))


def published(app):
    found = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        public = app.to_integration(app.mapper.to_domain_event(notification))
        if public is not None:
            found.append(public)
    return found


def opened(app):
    raise_concern(app)
    [intervention] = app.interventions_for("oakwood")
    return intervention


def with_failed_notice(app):
    """An intervention whose breach notice of 1 February 2027 passed unmet on 2 March."""
    intervention = opened(app)
    app.issue_notice(intervention.id, "night staffing below the contract", "staff every night",
                     date(2027, 3, 1), date(2027, 2, 1), OFFICER, "c")
    app.check_deadlines(date(2027, 3, 2), "c")
    return intervention


# The walk --------------------------------------------------------------------------------------


def test_the_whole_ladder_from_a_first_concern_to_a_refused_then_an_accepted_decommission(app):
    # A first, moderate concern: the policy opens at Enable and proposes an improvement plan.
    raise_concern(app)
    [intervention] = app.interventions_for("oakwood")
    [proposal] = app.escalations_for("oakwood")
    assert (intervention.level, intervention.step) == ("enable", "improvement plan")
    assert proposal.proposed_by == POLICY_PROPOSER
    app.approve(proposal.id, HOSP, "head_of_strategic_planning", "c", date(2026, 12, 7))
    iid = intervention.id

    # Encourage and Enable steps are recorded as they are taken.
    app.take_step(iid, "feedback", date(2026, 12, 7), OFFICER, "findings shared", [], "c")
    app.record_engagement(iid, "engaging but not responding", "slow to reply", OFFICER,
                          date(2026, 12, 8), "c")

    # The plan is due within 10 working days; it arrives late, and the review is missed.
    plan = app.request_plan(iid, date(2026, 12, 7), OFFICER, "c")
    assert (plan.plan_due, plan.review_due, plan.targets_due) == (
        date(2026, 12, 21), date(2027, 1, 6), date(2027, 2, 5))
    assert app.check_deadlines(date(2026, 12, 22), "c").missed == 1
    app.receive_plan(iid, plan.id, date(2026, 12, 23), ACTIONS, OFFICER, "c")
    assert app.check_deadlines(date(2027, 1, 7), "c").missed == 1
    app.review_plan(iid, plan.id, date(2027, 1, 8), False, "no new staff yet", OFFICER, "c")

    # No visit and no targets met by 5 February: the plan was not achieved; Enforce next.
    assert app.check_deadlines(date(2027, 2, 8), "c").missed == 2
    assert app.check_deadlines(date(2027, 2, 8), "c").missed == 0  # once only
    intervention = app.intervention(iid)
    assert (intervention.level, intervention.step) == ("enforce", "breach notice")
    assert intervention.rating.value == "non-compliant"

    # A breach notice; decommission now is refused, naming what the history lacks.
    notice = app.issue_notice(iid, "night staffing below the contract", "two waking staff",
                              date(2027, 3, 8), date(2027, 2, 8), OFFICER, "c")
    with pytest.raises(DecommissionEvidenceMissing) as refused:
        app.propose_decommission(iid, OFFICER, "no improvement", "move people to Riverside", "c")
    assert refused.value.missing == [
        "a contract management or contract review meeting at which the issues were raised",
        "a suspension (approved) that has not fixed the issues",
    ]

    # The notice is not met: suspension or decommission, and the regulator is told.
    assert app.check_deadlines(date(2027, 3, 9), "c").notices_failed == 1
    app.regulator_notified(iid, notice.id, "Care Inspectorate", date(2027, 3, 9), OFFICER, "c")

    # Suspension: proposed with a contingency plan, approved by a second, authorised person.
    suspension = app.propose_suspension(iid, OFFICER, "breach notice not met",
                                        "social work reviews for all 14 people", "c")
    with pytest.raises(SelfApprovalRefused):
        app.approve(suspension.id, OFFICER, "general_manager", "c", date(2027, 3, 10))
    app.approve(suspension.id, HOSP, "head_of_strategic_planning", "c", date(2027, 3, 10))
    assert app.intervention(iid).suspended_on == date(2027, 3, 10)

    # Still refused: no meeting raised the issues. Then the meeting is held.
    with pytest.raises(DecommissionEvidenceMissing, match="meeting at which the issues"):
        app.propose_decommission(iid, OFFICER, "suspension did not help", "move people", "c")
    app.take_step(iid, "contract review meeting", date(2027, 3, 15), OFFICER, "",
                  ["night staffing", "missed visits"], "c")

    decommission = app.propose_decommission(iid, OFFICER, "suspension did not fix the issues",
                                            "move all 14 people to Riverside by April", "c")
    app.approve(decommission.id, GM, "general_manager", "c", date(2027, 3, 22))

    intervention = app.intervention(iid)
    assert not intervention.is_open
    assert intervention.closed_reason == "decommissioned on 22 March 2027"
    kinds = [type(e).__name__ for e in published(app)]
    for expected in ("InterventionOpened", "ImprovementPlanRequested", "DeadlineMissed",
                     "ImprovementPlanNotAchieved", "BreachNoticeIssued", "BreachNoticeFailed",
                     "RegulatorNotified", "ProviderSuspended", "ProviderDecommissioned"):
        assert expected in kinds
    approvals = [e for e in published(app) if isinstance(e, published_as.EscalationApproved)]
    assert [a.step for a in approvals] == ["improvement plan", "suspension", "decommission"]
    decommissioned = next(e for e in published(app)
                          if isinstance(e, published_as.ProviderDecommissioned))
    assert decommissioned.continuity_plan == "move all 14 people to Riverside by April"

    # The timeline started when the deadline passed; the briefing reads it.
    briefing = app.briefing("oakwood", date(2027, 3, 22))
    assert briefing.timeline.started
    assert "Deadline missed: improvement plan received, due 21 December 2026" in briefing.text
    assert "Decommission approved by Ewan Grant on 22 March 2027" in briefing.text


def test_a_further_concern_joins_the_open_intervention_and_the_policy_raises_the_level(app):
    raise_concern(app)

    raise_concern(app, "c2", severity="serious", position=2, summary="missed medication")
    raise_concern(app, "c2", severity="serious", position=3)  # delivered again: no change

    [intervention] = app.interventions_for("oakwood")
    assert intervention.concern_ids == ["c1", "c2"]
    assert (intervention.level, intervention.step) == ("enforce", "breach notice")
    proposals = app.escalations_for("oakwood")
    assert [p.step for p in proposals] == ["improvement plan", "breach notice"]
    assert len({p.id for p in proposals}) == 2
    assert app.timeline("oakwood").started


def concern_recurred(app, concern_id="c1", occurrences=2, severity="moderate", safety=False,
                     position=2, summary="late visits again"):
    event = risk.ConcernRecurred(
        provider_id="oakwood", concern_id=concern_id, category="quality", severity=severity,
        source="return analysis", summary=summary, evidence=["return-1", f"return-{position}"],
        new_evidence=[f"return-{position}"], safety_at_risk=safety, occurrences=occurrences)
    envelope = wrap(event, event_id=f"risk-{concern_id}-{occurrences}",
                    time=datetime(2026, 12, 8, tzinfo=UTC), correlation_id="corr-2")
    return app.handle(envelope, Tracking(FROM_RISK, position))


def test_a_concern_that_comes_up_again_is_recorded_on_the_intervention_holding_it(app):
    # One concern per matter (issue 18): no second concern joins, the first is noted again.
    raise_concern(app)

    concern_recurred(app)

    [intervention] = app.interventions_for("oakwood")
    assert intervention.concern_ids == ["c1"] and intervention.recurrences == {"c1": 2}
    assert [type(e).__name__ for e in published(app)][-1] == "InterventionConcernRecurred"
    assert [p.step for p in app.escalations_for("oakwood")] == ["improvement plan"]
    entries = [e.what for e in app.timeline("oakwood").entries]
    assert any(w.startswith("The moderate concern came up again (twice now): late visits "
                            "again.") for w in entries)


def test_a_concern_that_comes_up_again_serious_raises_the_level_as_a_further_concern_would(app):
    raise_concern(app)

    concern_recurred(app, severity="serious", summary="missed medication")

    [intervention] = app.interventions_for("oakwood")
    assert (intervention.level, intervention.step) == ("enforce", "breach notice")
    assert [p.step for p in app.escalations_for("oakwood")] == [
        "improvement plan", "breach notice"]


def test_a_concern_that_comes_up_again_after_its_intervention_closed_opens_another(app):
    raise_concern(app)
    [first] = app.interventions_for("oakwood")
    app.reject(app.escalations_for("oakwood")[0].id, HOSP, "head_of_strategic_planning",
               "handled informally", "c")
    app.close_intervention(first.id, "improved", OFFICER, date(2026, 12, 8), "c")

    concern_recurred(app, occurrences=3)

    assert sorted(i.status for i in app.interventions_for("oakwood")) == ["closed", "open"]


def test_the_intervention_shows_what_the_approvals_queue_waits_on_for_it(app):
    # Issue 18 defect 3: the queue listed the policy's proposed improvement plan while the
    # intervention said nothing waited for a decision.
    intervention = opened(app)
    queue = app.escalation_list("proposed")

    shown = view(app, app.intervention(intervention.id)).waiting_for_decision

    assert [(p.escalation_id, p.step) for p in shown] == [
        (e["escalation_id"], e["step"]) for e in queue] == [
        (queue[0]["escalation_id"], "improvement plan")]
    assert shown[0].proposed_by == POLICY_PROPOSER
    assert "Waiting for a decision: improvement plan." in app.briefing(
        "oakwood", date(2026, 12, 7)).text
    app.approve(UUID(queue[0]["escalation_id"]), HOSP, "head_of_strategic_planning", "c",
                date(2026, 12, 7))
    assert view(app, app.intervention(intervention.id)).waiting_for_decision == []
    assert list(app.escalation_list("proposed")) == []


def test_an_officer_overrides_the_policy_with_a_reason_and_its_proposal_is_withdrawn(app):
    intervention = opened(app)

    app.override(intervention.id, "enable", "contract review meeting",
                 "the provider asked to meet first", OFFICER, "c")

    [proposal] = app.escalations_for("oakwood")
    assert proposal.status is Status.WITHDRAWN
    assert app.intervention(intervention.id).step == "contract review meeting"
    overridden = [e for e in published(app) if isinstance(e, published_as.PolicyOverridden)]
    assert overridden[0].policy_step == "improvement plan"
    assert overridden[0].reason == "the provider asked to meet first"


def test_an_officer_opens_an_encouraging_intervention_for_a_high_performer(app):
    opened_by_officer = app.open(Opening("riverside", "consistently high scores", OFFICER), "c")
    app.take_step(opened_by_officer.id, "reward", date(2026, 12, 7), OFFICER, "award", [], "c")

    assert opened_by_officer.level == "encourage"
    assert app.escalations_for("riverside") == []


def test_a_directed_plan_links_to_the_breach_notice_and_runs_a_further_60_days(app):
    intervention = with_failed_notice(app)
    [notice] = app.notices_of(app.intervention(intervention.id))

    plan = app.direct_plan(intervention.id, notice.id, date(2027, 3, 3), OFFICER, [
        {**ACTIONS[0], "due": date(2027, 4, 30)}], "c")

    assert plan.directed and plan.breach_notice_id == str(notice.id)
    # 3 March + 60 days is Sunday 2 May; Monday 3 May is the early May bank holiday.
    assert (plan.plan_due, plan.targets_due) == (None, date(2027, 5, 4))


def test_telling_the_chief_officer_is_decided_by_hosp_gm_or_cswo(app):
    intervention = opened(app)
    proposal = app.propose_telling_the_chief_officer(intervention.id, OFFICER, "media", "c")

    app.reject(proposal.id, "Dr Shona Reid", "cswo", "handled at service level", "c")

    assert app.escalation(proposal.id).status is Status.REJECTED
    assert app.intervention(intervention.id).pending == {}


def test_an_issue_is_escalated_along_the_routes_of_section_8(app):
    intervention = opened(app)
    app.escalate_issue(intervention.id, Issue(safety=True), ["media interest"], "press enquiry",
                       OFFICER, date(2026, 12, 8), "c")

    [told] = [e for e in published(app) if isinstance(e, published_as.IssueEscalated)]
    assert told.immediately == ["operational staff"]
    assert {"line manager", "head of strategic planning", "general manager"} <= set(
        told.recipients)


# Illegal transitions, each refused with a message -------------------------------------------


def refused(call, kind=Refused):
    with pytest.raises(kind) as caught:
        call()
    assert caught.value.message
    return caught.value


def test_illegal_steps_on_an_intervention_are_refused_with_a_reason(app):
    i = opened(app).id
    day = date(2026, 12, 7)

    assert "reward is for consistently high performers" in refused(
        lambda: app.take_step(i, "reward", day, OFFICER, "", [], "c")).message
    assert "has a command of its own" in refused(
        lambda: app.take_step(i, "breach notice", day, OFFICER, "", [], "c"), InvalidInput).message
    assert refused(lambda: app.take_step(i, "feedback", day, OFFICER, "", ["x"], "c"),
                   InvalidInput).field == "issues_raised"
    assert refused(lambda: app.override(i, "enable", "improvement plan", "same", OFFICER, "c")
                   ).field == "step"
    assert refused(lambda: app.override(i, "enforce", "suspension", " ", OFFICER, "c"),
                   InvalidInput).field == "reason"
    assert refused(lambda: app.override(i, "encourage", "breach notice", "x", OFFICER, "c"),
                   InvalidInput).field == "step"
    assert refused(lambda: app.record_engagement(i, "sulking", "", OFFICER, day, "c"),
                   InvalidInput).field == "engagement"


def test_illegal_plan_transitions_are_refused_with_a_reason(app):
    i = opened(app).id
    plan = app.request_plan(i, date(2026, 12, 7), OFFICER, "c")

    assert "still running" in refused(
        lambda: app.request_plan(i, date(2026, 12, 8), OFFICER, "c")).message
    assert "has not arrived" in refused(
        lambda: app.review_plan(i, plan.id, date(2026, 12, 9), True, "", OFFICER, "c")).message
    assert "never arrived cannot be achieved" in refused(
        lambda: app.conclude_plan(i, plan.id, True, date(2026, 12, 9), OFFICER, "", "c")).message
    assert refused(lambda: app.receive_plan(i, plan.id, date(2026, 12, 1), ACTIONS, OFFICER,
                                            "c"), InvalidInput).field == "received_on"
    app.receive_plan(i, plan.id, date(2026, 12, 14), ACTIONS, OFFICER, "c")
    assert "already received on 14 December 2026" in refused(
        lambda: app.receive_plan(i, plan.id, date(2026, 12, 15), ACTIONS, OFFICER, "c")).message
    assert "not met in time" in refused(
        lambda: app.conclude_plan(i, plan.id, True, date(2027, 2, 9), OFFICER, "", "c")).message
    app.conclude_plan(i, plan.id, True, date(2027, 1, 29), OFFICER, "two staff recruited", "c")
    assert "judged achieved on 29 January 2027" in refused(
        lambda: app.conclude_plan(i, plan.id, False, date(2027, 2, 1), OFFICER, "", "c")).message


def test_illegal_breach_notice_transitions_are_refused_with_a_reason(app):
    i = opened(app).id
    terms = refused(lambda: app.issue_notice(i, "", " ", date(2027, 1, 1), date(2027, 1, 4),
                                             OFFICER, "c"), InvalidInput)
    assert [field for field, _ in terms.problems] == ["deficiency", "action_required",
                                                      "comply_by"]
    notice = app.issue_notice(i, "staffing", "staff every night", date(2027, 3, 1),
                              date(2027, 2, 1), OFFICER, "c")

    assert "outstanding until 1 March 2027" in refused(
        lambda: app.issue_notice(i, "more", "more", date(2027, 3, 5), date(2027, 2, 2),
                                 OFFICER, "c")).message
    assert "is told when a notice fails" in refused(
        lambda: app.regulator_notified(i, notice.id, "CQC", date(2027, 2, 2), OFFICER, "c")
    ).message
    assert "not met in time" in refused(
        lambda: app.notice_met(i, notice.id, date(2027, 3, 2), OFFICER, "c")).message
    app.check_deadlines(date(2027, 3, 2), "c")
    assert "already failed on 2 March 2027" in refused(
        lambda: app.notice_met(i, notice.id, date(2027, 3, 1), OFFICER, "c")).message


def test_a_breach_notice_cannot_be_failed_before_its_timescale_ends(app):
    i = opened(app).id
    notice = app.issue_notice(i, "staffing", "staff", date(2027, 3, 1), date(2027, 2, 1),
                              OFFICER, "c")

    with pytest.raises(Refused, match="has until 1 March 2027"):
        notice.fail(date(2027, 3, 1), "c")


def test_illegal_suspensions_are_refused_with_a_reason(app):
    i = opened(app).id

    assert "no breach notice on this intervention has failed" in refused(
        lambda: app.propose_suspension(i, OFFICER, "poor", "reviews for everyone", "c")).message


def test_suspension_needs_a_contingency_plan_and_is_proposed_once(app):
    i = with_failed_notice(app).id

    assert refused(lambda: app.propose_suspension(i, OFFICER, "poor", " ", "c"),
                   InvalidInput).field == "contingency_plan"
    app.propose_suspension(i, OFFICER, "poor", "reviews for everyone", "c")
    assert isinstance(refused(lambda: app.propose_suspension(i, OFFICER, "poor", "plan", "c")),
                      SeriousStepPending)


def test_nobody_approves_their_own_suspension(app):
    i = with_failed_notice(app).id
    suspension = app.propose_suspension(i, OFFICER, "poor", "reviews for everyone", "c")

    with pytest.raises(SelfApprovalRefused):
        app.approve(suspension.id, OFFICER, "head_of_strategic_planning", "c")

    assert app.intervention(i).suspended_on is None


def test_a_decommission_needs_a_continuity_plan(app):
    i = opened(app).id

    assert refused(lambda: app.propose_decommission(i, OFFICER, "poor", "", "c"),
                   InvalidInput).field == "continuity_plan"


def test_a_directed_plan_cannot_answer_a_notice_already_met(app):
    i = opened(app).id
    notice = app.issue_notice(i, "staffing", "staff", date(2027, 3, 1), date(2027, 2, 1),
                              OFFICER, "c")
    app.notice_met(i, notice.id, date(2027, 2, 20), OFFICER, "c")

    assert "this one was met" in refused(
        lambda: app.direct_plan(i, notice.id, date(2027, 2, 21), OFFICER, ACTIONS, "c")).message


def test_an_intervention_closes_only_with_nothing_outstanding_and_then_takes_nothing_more(app):
    i = opened(app).id
    plan = app.request_plan(i, date(2026, 12, 7), OFFICER, "c")

    message = refused(lambda: app.close_intervention(i, "better", OFFICER, date(2026, 12, 8),
                                                     "c")).message
    # Said in plain words: the plan by the day it was asked for, never its id.
    assert "an improvement plan of 7 December 2026 in progress" in message
    assert str(plan.id) not in message

    other = app.open(Opening("elmwood", "good scores", OFFICER), "c")
    app.close_intervention(other.id, "nothing more needed", OFFICER, date(2026, 12, 8), "c")
    assert isinstance(refused(lambda: app.take_step(other.id, "feedback", date(2026, 12, 9),
                                                    OFFICER, "", [], "c")),
                      InterventionClosedError)


def test_an_officer_cannot_open_a_second_intervention_for_the_same_provider(app):
    opened(app)

    assert "already open for provider oakwood" in refused(
        lambda: app.open(Opening("oakwood", "more", OFFICER), "c")).message
