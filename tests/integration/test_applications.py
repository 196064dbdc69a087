"""Each service's application on a real event store: every test runs on SQLite and PostgreSQL.

No NATS here: upstream messages are handed to `handle` as the tracked consumer would, with the
tracking position it would take from the producer's message id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from assure.services import ALL
from services.escalation.application import POLICY_PROPOSER, Interventions
from services.escalation.domain.escalation import (
    EscalationNotPending,
    RoleMayNotApprove,
    SelfApprovalRefused,
    Status,
)
from services.intake.application import Intake, ReturnSubmission, UnknownProvider
from services.intake.domain.monitoring_return import IdempotencyKeyReused
from services.intake.domain.provider import ProviderAlreadyRegistered
from services.notify.application import Notifications
from services.risk.application import RiskAssessment
from shared.contracts import escalation, intake, risk
from shared.contracts.envelope import Envelope, IntegrationEvent, wrap
from shared.dead_letter import DeadLetterAlreadyReplayed
from shared.domain import InvalidInput
from shared.eventstore import NotFound, Outcome, ServiceApplication
from shared.messaging.consumer import tracking_name
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration

SERVICES = {definition.name: definition for definition in ALL}
LEVEL_1 = ("leadership_and_management", "sustainability", "finance", "safety_and_quality",
           "outcomes")
GREEN = dict.fromkeys(LEVEL_1, "green")
UNSAFE = {**GREEN, "safety_and_quality": "red", "finance": "red"}  # 60%, red safety
WHEN = datetime(2026, 8, 15, 9, 30, tzinfo=UTC)
FROM_INTAKE = tracking_name("intake", 0)
FROM_RISK = tracking_name("risk", 0)
FROM_ESCALATION = tracking_name("escalation", 0)

Opener = Callable[[str], Any]


@pytest.fixture
def open_app(settings: AssureSettings) -> Iterator[Opener]:
    """Opens a service's application as `assure up` would; closes whatever is left open."""
    opened: list[ServiceApplication] = []

    def open_(name: str) -> Any:
        app = SERVICES[name].build(settings)
        opened.append(app)
        return app

    yield open_
    for app in opened:
        app.close()  # idempotent, so an application a test closed already is no trouble


def reopen(app: ServiceApplication, open_: Opener) -> Any:
    """Closes an application and opens a new one on the same store, as after a restart."""
    app.close()
    return open_(app.service)


def envelope_of(event: IntegrationEvent, event_id: str, correlation_id: str = "corr-1") -> Envelope:
    return wrap(event, event_id=event_id, time=WHEN, correlation_id=correlation_id)


def return_submitted(
    return_id: str = "return-1", sections: dict[str, str] | None = None,
    provider_id: str = "oakwood",
) -> Envelope:
    event = intake.ReturnSubmitted(
        provider_id=provider_id, return_id=return_id, form="cmr-level-1", form_version=1,
        period_start=date(2026, 4, 1), period_end=date(2026, 7, 31),
        sections=sections or UNSAFE, submitted_by="Registered manager", submitted_at=WHEN,
    )
    return envelope_of(event, f"intake-event-{provider_id}-{return_id}")


def concern_raised(
    concern_id: str = "concern-1", severity: str = "serious", safety: bool = True,
    provider_id: str = "oakwood",
) -> Envelope:
    event = risk.ConcernRaised(
        provider_id=provider_id, concern_id=concern_id, category="safety" if safety else "quality",
        severity=severity, source="return analysis", summary="sections rated red: finance",
        evidence=["return-1"], safety_at_risk=safety,
    )
    return envelope_of(event, f"risk-event-{concern_id}")


def published(app: ServiceApplication) -> list[IntegrationEvent]:
    """The integration events the outbox relay would publish from the store, in order."""
    events = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        public = app.to_integration(app.mapper.to_domain_event(notification))
        if public is not None:
            events.append(public)
    return events


def stored(app: ServiceApplication) -> int:
    return app.recorder.max_notification_id() or 0


def event_names(history: list[dict[str, Any]]) -> list[str]:
    return [f"{entry['aggregate']}.{entry['event']}" for entry in history]


def form(sections: dict[str, str] | None = None, **overrides: Any) -> ReturnSubmission:
    fields = dict(period_start=date(2026, 4, 1), period_end=date(2026, 7, 31),
                  sections=sections or GREEN, submitted_by="Registered manager")
    return ReturnSubmission(**{**fields, **overrides})


def registered_intake(open_: Opener) -> Intake:
    app: Intake = open_("intake")
    app.register_provider("Oakwood Care", "oakwood", "coordinator", correlation_id="corr-0")
    return app


# Every service -------------------------------------------------------------------------------


def test_the_four_services_are_intake_risk_escalation_and_notify():
    assert [d.application for d in ALL] == [Intake, RiskAssessment, Interventions, Notifications]


@pytest.mark.parametrize("name", [d.name for d in ALL])
def test_every_service_opens_an_empty_store_and_knows_nothing_of_a_provider(open_app, name):
    app = open_app(name)

    assert app.service == name
    assert app.history("oakwood") == []
    assert app.dead_letters() == []
    assert app.position(FROM_INTAKE) == 0


# Intake --------------------------------------------------------------------------------------


def test_a_provider_registered_twice_under_one_name_is_recorded_once(open_app):
    app: Intake = open_app("intake")

    first, created = app.register_provider("Oakwood Care", "oakwood", "coordinator", "c1")
    again, created_again = app.register_provider("Oakwood Care", "oakwood", "coordinator", "c2")

    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert event_names(app.history("oakwood")) == ["Provider.Registered"]


def test_a_provider_id_already_registered_under_another_name_is_refused(open_app):
    app = registered_intake(open_app)

    with pytest.raises(ProviderAlreadyRegistered):
        app.register_provider("Elmbank Care", "oakwood", "coordinator", "c2")


def test_a_retried_submission_with_the_same_key_and_return_gives_the_first_return(open_app):
    app = registered_intake(open_app)

    first, created = app.submit_return("oakwood", form(UNSAFE), "aug-2026", "corr-1")
    retry, created_again = app.submit_return("oakwood", form(UNSAFE), "aug-2026", "corr-2")

    assert (created, created_again) == (True, False)
    assert retry.id == first.id
    assert event_names(app.history("oakwood")).count("MonitoringReturn.Submitted") == 1


def test_a_different_return_under_a_key_already_used_is_refused(open_app):
    app = registered_intake(open_app)
    app.submit_return("oakwood", form(GREEN), "aug-2026", "corr-1")
    before = stored(app)

    with pytest.raises(IdempotencyKeyReused):
        app.submit_return("oakwood", form(UNSAFE), "aug-2026", "corr-2")

    assert stored(app) == before


def test_returns_under_different_keys_are_different_returns(open_app):
    app = registered_intake(open_app)

    first, _ = app.submit_return("oakwood", form(GREEN), "aug-2026", "corr-1")
    second, created = app.submit_return("oakwood", form(GREEN), "dec-2026", "corr-2")

    assert created is True
    assert second.id != first.id


def test_a_return_for_a_provider_nobody_registered_is_refused(open_app):
    app: Intake = open_app("intake")

    with pytest.raises(UnknownProvider):
        app.submit_return("nobody", form(GREEN), "aug-2026", "corr-1")

    assert stored(app) == 0


def test_a_return_missing_a_section_is_refused_and_nothing_is_stored(open_app):
    app = registered_intake(open_app)
    before = stored(app)
    sections = {k: v for k, v in GREEN.items() if k != "outcomes"}

    with pytest.raises(InvalidInput) as refused:
        app.submit_return("oakwood", form(sections), "aug-2026", "corr-1")

    assert refused.value.field == "sections"
    assert stored(app) == before


def test_a_submitted_return_is_published_with_its_period_and_ratings(open_app):
    app = registered_intake(open_app)
    monitoring_return, _ = app.submit_return("oakwood", form(UNSAFE), "aug-2026", "corr-1")

    registered, submitted = published(reopen(app, open_app))

    assert registered == intake.ProviderRegistered(provider_id="oakwood", name="Oakwood Care")
    assert isinstance(submitted, intake.ReturnSubmitted)
    assert submitted.return_id == str(monitoring_return.id)
    assert (submitted.period_start, submitted.period_end) == (date(2026, 4, 1), date(2026, 7, 31))
    assert submitted.sections == UNSAFE
    assert submitted.submitted_at.utcoffset() is not None


# Risk ----------------------------------------------------------------------------------------


def test_a_submitted_return_is_scored_and_its_red_safety_section_raises_a_concern(open_app):
    app: RiskAssessment = open_app("risk")

    outcome = app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))

    assert outcome == Outcome(duplicate=False, new_events=3)
    profile = app.profile("oakwood")
    assert profile.latest_score == Decimal("60.00")
    assert profile.latest_band == "50-74%"
    scored, raised = published(app)
    assert isinstance(scored, risk.RiskScored) and scored.score == Decimal("60.00")
    assert isinstance(raised, risk.ConcernRaised) and raised.safety_at_risk is True
    assert raised.evidence == ["return-1", return_submitted().id]
    assert app.position(FROM_INTAKE) == 1


def test_a_redelivered_message_at_the_same_position_is_a_duplicate(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))
    before = stored(app)

    outcome = app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))

    assert outcome == Outcome(duplicate=True, new_events=0)
    assert stored(app) == before


def test_a_message_from_behind_the_partitions_position_is_a_duplicate(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-5"), Tracking(FROM_INTAKE, 5))
    before = stored(app)

    outcome = app.handle(return_submitted("return-3"), Tracking(FROM_INTAKE, 3))

    assert outcome.duplicate is True
    assert stored(app) == before
    assert app.profile("oakwood").scored_returns == ["return-5"]
    assert app.position(FROM_INTAKE) == 5


def test_each_partition_keeps_its_own_position(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-5"), Tracking(FROM_INTAKE, 5))

    outcome = app.handle(return_submitted("return-1", provider_id="elmbank"),
                         Tracking(tracking_name("intake", 1), 1))

    assert outcome.duplicate is False
    assert app.profile("elmbank").scored_returns == ["return-1"]


def test_a_return_republished_at_a_new_position_is_not_scored_again(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))
    before = stored(app)

    outcome = app.handle(return_submitted(), Tracking(FROM_INTAKE, 2))

    assert outcome == Outcome(duplicate=False, new_events=0)
    assert stored(app) == before
    assert app.position(FROM_INTAKE) == 2


def test_a_second_return_is_scored_against_the_first(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-1", GREEN), Tracking(FROM_INTAKE, 1))
    app.handle(return_submitted("return-2", UNSAFE), Tracking(FROM_INTAKE, 2))

    scores = [e for e in published(reopen(app, open_app)) if isinstance(e, risk.RiskScored)]

    assert [s.score for s in scores] == [Decimal("100.00"), Decimal("60.00")]
    assert scores[1].previous_score == Decimal("100.00")
    assert scores[1].change == Decimal("-40.00")


def test_an_event_risk_does_not_act_on_is_tracked_and_otherwise_ignored(open_app):
    app: RiskAssessment = open_app("risk")
    registered = envelope_of(intake.ProviderRegistered(provider_id="oakwood", name="Oakwood"), "e1")

    outcome = app.handle(registered, Tracking(FROM_INTAKE, 1))

    assert outcome == Outcome(duplicate=False, new_events=0)
    assert app.position(FROM_INTAKE) == 1
    with pytest.raises(NotFound):
        app.profile("oakwood")


# Escalation ----------------------------------------------------------------------------------


def test_a_serious_concern_opens_one_intervention_and_proposes_a_breach_notice(open_app):
    app: Interventions = open_app("escalation")

    outcome = app.handle(concern_raised(), Tracking(FROM_RISK, 1))

    assert outcome == Outcome(duplicate=False, new_events=2)
    [proposal] = app.escalations_for("oakwood")
    assert proposal.status is Status.PROPOSED
    assert proposal.step == "breach notice"
    assert proposal.proposed_by == POLICY_PROPOSER
    opened, proposed = published(app)
    assert isinstance(opened, escalation.InterventionOpened)
    assert opened.level is escalation.Level.ENFORCE
    assert isinstance(proposed, escalation.EscalationProposed)
    assert proposed.escalation_id == str(proposal.id)
    assert proposed.intervention_id == opened.intervention_id


def test_a_moderate_concern_opens_an_enabling_intervention_with_an_improvement_plan(open_app):
    app: Interventions = open_app("escalation")

    app.handle(concern_raised(severity="moderate", safety=False), Tracking(FROM_RISK, 1))

    opened = published(app)[0]
    assert opened.level is escalation.Level.ENABLE
    assert app.escalations_for("oakwood")[0].step == "improvement plan"


def test_a_concern_delivered_again_opens_no_second_intervention(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    before = stored(app)

    same_position = app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    republished = app.handle(concern_raised(), Tracking(FROM_RISK, 2))

    assert same_position == Outcome(duplicate=True)
    assert republished == Outcome(duplicate=False, new_events=0)
    assert stored(app) == before
    assert len(app.escalations_for("oakwood")) == 1


def test_an_approval_by_a_second_authorised_person_is_recorded(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [proposal] = app.escalations_for("oakwood")

    approved = app.approve(proposal.id, "Morag", "head_of_strategic_planning", "corr-9")

    assert approved.status is Status.APPROVED
    reopened: Interventions = reopen(app, open_app)
    assert reopened.escalation(proposal.id).status is Status.APPROVED
    assert reopened.escalation(proposal.id).decided_by == "Morag"
    assert published(reopened)[-1] == escalation.EscalationApproved(
        provider_id="oakwood", escalation_id=str(proposal.id),
        intervention_id=proposal.intervention_id, step="breach notice",
        approved_by="Morag", approver_role="head_of_strategic_planning",
    )
    assert event_names(reopened.history("oakwood"))[-1] == "Escalation.Approved"


def test_refused_decisions_record_nothing(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [proposal] = app.escalations_for("oakwood")
    before = stored(app)

    with pytest.raises(SelfApprovalRefused):
        app.approve(proposal.id, POLICY_PROPOSER, "general_manager", "c")
    with pytest.raises(RoleMayNotApprove):
        app.approve(proposal.id, "Jo", "contract_coordinator", "c")
    with pytest.raises(InvalidInput):
        app.reject(proposal.id, "Ewan", "general_manager", " ", "c")

    assert stored(app) == before
    assert app.escalation(proposal.id).status is Status.PROPOSED


def test_a_decided_escalation_cannot_be_decided_again(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [proposal] = app.escalations_for("oakwood")
    app.reject(proposal.id, "Ewan", "general_manager", "an improvement plan first", "c")

    with pytest.raises(EscalationNotPending):
        app.approve(proposal.id, "Morag", "head_of_strategic_planning", "c")

    rejected = published(app)[-1]
    assert isinstance(rejected, escalation.EscalationRejected)
    assert (rejected.rejected_by, rejected.reason) == ("Ewan", "an improvement plan first")


def test_deciding_on_an_escalation_that_does_not_exist_is_not_found(open_app):
    app: Interventions = open_app("escalation")

    with pytest.raises(NotFound):
        app.approve(uuid4(), "Morag", "cswo", "c")


# Notify --------------------------------------------------------------------------------------


def inboxes(app: Notifications) -> dict[str, int]:
    names = ("operations", "contract-manager", "commissioning-manager",
             "head-of-strategic-planning", "general-manager")
    return {name: len(app.inbox(name)) for name in names}


def test_a_safety_concern_reaches_operations_urgently_and_the_managers(open_app):
    app: Notifications = open_app("notify")

    outcome = app.handle(concern_raised(), Tracking(FROM_RISK, 1))

    assert outcome == Outcome(duplicate=False, new_events=3)
    assert inboxes(app) == {"operations": 1, "contract-manager": 1, "commissioning-manager": 1,
                            "head-of-strategic-planning": 0, "general-manager": 0}
    [urgent] = app.inbox("operations")
    assert urgent.urgent is True
    assert urgent.subject.startswith("URGENT")
    assert "provider oakwood" in urgent.subject
    assert urgent.about_event_id == concern_raised().id
    assert urgent.about_event_type == "ConcernRaised"


def test_a_concern_delivered_again_is_not_notified_twice(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    before = stored(app)

    same_position = app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    republished = app.handle(concern_raised(), Tracking(FROM_RISK, 2))

    assert same_position == Outcome(duplicate=True)
    assert republished == Outcome(duplicate=False, new_events=0)
    assert stored(app) == before
    assert inboxes(app)["operations"] == 1


def test_an_approved_escalation_is_told_to_the_hosp_the_general_manager_and_contract_manager(
    open_app,
):
    app: Notifications = open_app("notify")
    approved = escalation.EscalationApproved(
        provider_id="oakwood", escalation_id="esc-1", intervention_id="int-1",
        step="breach notice", approved_by="Morag", approver_role="head_of_strategic_planning",
    )

    app.handle(envelope_of(approved, "escalation-event-1"), Tracking(FROM_ESCALATION, 1))

    assert inboxes(app) == {"operations": 0, "contract-manager": 1, "commissioning-manager": 0,
                            "head-of-strategic-planning": 1, "general-manager": 1}


def test_a_read_notification_leaves_the_unread_inbox(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [item] = app.inbox("operations")

    app.mark_read(item.id, "Sam")

    reopened: Notifications = reopen(app, open_app)
    assert reopened.inbox("operations", unread_only=True) == []
    assert [n.read for n in reopened.inbox("operations")] == [True]


# Dead letters --------------------------------------------------------------------------------


def park(app: ServiceApplication, envelope: Envelope, position: int | None) -> Outcome:
    return app.park(
        upstream="risk", message_key=str(position or 99),
        subject="evt.risk.p0.oakwood.ConcernRaised", payload=envelope.model_dump_json(),
        error="RuntimeError('smtp down')", attempts=3,
        tracking=Tracking(FROM_RISK, position) if position else None,
    )


def test_a_parked_message_moves_its_partition_past_it_and_is_listed(open_app):
    app: Notifications = open_app("notify")

    outcome = park(app, concern_raised(), position=4)

    assert outcome == Outcome(duplicate=False, new_events=1)
    assert app.position(FROM_RISK) == 4
    [letter] = app.dead_letters()
    assert (letter.upstream, letter.message_key, letter.attempts) == ("risk", "4", 3)
    assert letter.error == "RuntimeError('smtp down')"
    assert letter.replayed is False
    assert app.handle(concern_raised(), Tracking(FROM_RISK, 4)).duplicate is True
    assert inboxes(app)["operations"] == 0


def test_a_message_parked_twice_is_listed_once(open_app):
    app: Notifications = open_app("notify")
    park(app, concern_raised(), position=4)

    again = park(app, concern_raised(), position=4)

    assert again.duplicate is True
    assert len(app.dead_letters()) == 1


def test_a_malformed_message_parked_without_tracking_leaves_the_position_alone(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised("concern-1"), Tracking(FROM_RISK, 1))

    park(app, concern_raised("concern-2"), position=None)

    assert app.position(FROM_RISK) == 1
    assert len(app.dead_letters()) == 1


def test_a_replayed_dead_letter_is_applied_once(open_app):
    app: Notifications = open_app("notify")
    park(app, concern_raised(), position=4)
    [letter] = app.dead_letters()

    outcome = app.replay_dead_letter(letter.id)

    assert outcome == Outcome(duplicate=False, new_events=4)  # three notifications, one replay
    assert inboxes(app)["operations"] == 1
    with pytest.raises(DeadLetterAlreadyReplayed):
        app.replay_dead_letter(letter.id)
    reopened: Notifications = reopen(app, open_app)
    with pytest.raises(DeadLetterAlreadyReplayed):
        reopened.replay_dead_letter(letter.id)
    assert inboxes(reopened)["operations"] == 1
    assert reopened.dead_letters()[0].replayed is True


def test_a_replayed_return_is_scored_once(open_app):
    app: RiskAssessment = open_app("risk")
    app.park(upstream="intake", message_key="7", subject="evt.intake.p0.oakwood.ReturnSubmitted",
             payload=return_submitted().model_dump_json(), error="boom", attempts=3,
             tracking=Tracking(FROM_INTAKE, 7))
    [letter] = app.dead_letters()

    app.replay_dead_letter(letter.id)

    assert app.profile("oakwood").scored_returns == ["return-1"]
    with pytest.raises(DeadLetterAlreadyReplayed):
        app.replay_dead_letter(letter.id)
    assert app.profile("oakwood").scored_returns == ["return-1"]


def test_replaying_a_dead_letter_that_does_not_exist_is_not_found(open_app):
    app: Notifications = open_app("notify")

    with pytest.raises(NotFound):
        app.replay_dead_letter(uuid4())


# History and restarts ------------------------------------------------------------------------


def test_a_providers_history_lists_its_events_oldest_first(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-1", GREEN), Tracking(FROM_INTAKE, 1))
    app.handle(return_submitted("return-1", GREEN, provider_id="elmbank"), Tracking(FROM_INTAKE, 2))
    app.handle(return_submitted("return-2", UNSAFE), Tracking(FROM_INTAKE, 3))

    history = app.history("oakwood")

    assert event_names(history) == [
        "RiskProfile.Opened", "RiskProfile.ReturnScored", "RiskProfile.ReturnScored",
        "RiskProfile.ConcernRaised",
    ]
    assert [entry["data"].get("return_id") for entry in history[1:3]] == ["return-1", "return-2"]
    assert [entry["time"] for entry in history] == sorted(entry["time"] for entry in history)
    assert all(entry["service"] == "risk" for entry in history)
    assert {entry["data"]["provider_id"] for entry in history} == {"oakwood"}


def test_a_history_spans_every_aggregate_about_the_provider(open_app):
    app = registered_intake(open_app)
    app.submit_return("oakwood", form(GREEN), "aug-2026", "corr-1")
    app.submit_return("oakwood", form(UNSAFE), "dec-2026", "corr-2")

    history = app.history("oakwood")

    assert event_names(history) == [
        "Provider.Registered", "MonitoringReturn.Submitted", "MonitoringReturn.Submitted"]
    assert [entry["data"]["correlation_id"] for entry in history] == ["corr-0", "corr-1", "corr-2"]


def test_intake_remembers_providers_and_returns_after_a_restart(open_app):
    app = registered_intake(open_app)
    first, _ = app.submit_return("oakwood", form(UNSAFE), "aug-2026", "corr-1")

    reopened: Intake = reopen(app, open_app)

    assert reopened.get_provider("oakwood").name == "Oakwood Care"
    kept = reopened.get_return(first.id)
    assert (kept.period_start, kept.sections) == (date(2026, 4, 1), UNSAFE)
    retry, created = reopened.submit_return("oakwood", form(UNSAFE), "aug-2026", "corr-2")
    assert (retry.id, created) == (first.id, False)
    with pytest.raises(IdempotencyKeyReused):
        reopened.submit_return("oakwood", form(GREEN), "aug-2026", "corr-3")


def test_risk_remembers_its_positions_and_profiles_after_a_restart(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))

    reopened: RiskAssessment = reopen(app, open_app)

    assert reopened.position(FROM_INTAKE) == 1
    assert reopened.handle(return_submitted(), Tracking(FROM_INTAKE, 1)).duplicate is True
    profile = reopened.profile("oakwood")
    assert (profile.latest_score, profile.latest_band) == (Decimal("60.00"), "50-74%")
    assert len(profile.open_concerns) == 1


def test_notify_remembers_inboxes_and_dead_letters_after_a_restart(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised("concern-1"), Tracking(FROM_RISK, 1))
    park(app, concern_raised("concern-2"), position=2)

    reopened: Notifications = reopen(app, open_app)

    assert inboxes(reopened)["operations"] == 1
    assert [letter.message_key for letter in reopened.dead_letters()] == ["2"]
    assert reopened.handle(concern_raised("concern-1"), Tracking(FROM_RISK, 1)).duplicate is True
    assert event_names(reopened.history("oakwood")).count("Notification.Delivered") == 3


def test_an_application_built_directly_from_settings_shares_the_services_store(settings, open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    app.close()

    settings.prepare_store("escalation")
    direct = Interventions(env=settings.eventstore_env("escalation"))
    try:
        assert len(direct.escalations_for("oakwood")) == 1
        assert direct.position(FROM_RISK) == 1
    finally:
        direct.close()
