"""Who must hear about what, and in what words (domain-rules.md §8)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from services.escalation.application import POLICY_PROPOSER
from services.notify.domain.messages import compose
from services.notify.domain.notification import IN_APP, Notification
from services.notify.domain.routing import (
    COMMISSIONING_MANAGER,
    CONTRACT_MANAGER,
    GENERAL_MANAGER,
    HEAD_OF_STRATEGIC_PLANNING,
    OPERATIONS,
    Route,
    routes_for,
)
from services.risk.domain.answers import NOTHING_SAID
from services.risk.domain.model import DEFAULT_MODEL, score
from services.risk.domain.rules import RedSectionRaisesAConcern, ScoredReturnReading
from shared.contracts.escalation import EscalationApproved, EscalationProposed
from shared.contracts.intake import ProviderRegistered
from shared.contracts.risk import ConcernRaised, RiskScored, Severity

pytestmark = pytest.mark.unit


def concern(severity: str = "serious", safety: bool = True, **overrides) -> ConcernRaised:
    fields = dict(
        provider_id="oakwood",
        concern_id="concern-1",
        category="safety" if safety else "quality",
        severity=Severity(severity),
        source="return analysis",
        summary="medication errors reported in the return",
        evidence=["return-1"],
        safety_at_risk=safety,
    )
    return ConcernRaised(**{**fields, **overrides})


def proposal(**overrides) -> EscalationProposed:
    fields = dict(
        provider_id="oakwood",
        escalation_id="escalation-1",
        intervention_id="intervention-1",
        step="breach notice",
        reason="serious concern",
        proposed_by="Jo Smith",
    )
    return EscalationProposed(**{**fields, **overrides})


def approval(**overrides) -> EscalationApproved:
    fields = dict(
        provider_id="oakwood",
        escalation_id="escalation-1",
        intervention_id="intervention-1",
        step="breach notice",
        approved_by="Morag Brown",
        approver_role="head_of_strategic_planning",
    )
    return EscalationApproved(**{**fields, **overrides})


def recipients(event) -> set[str]:
    return {route.recipient for route in routes_for(event)}


# Routing -----------------------------------------------------------------------------------


def test_a_safety_concern_goes_to_operational_staff_at_once():
    # "Concerns about the safety of people ... are shared immediately with operational staff."
    assert Route(OPERATIONS, urgent=True) in routes_for(concern("serious", safety=True))


def test_a_moderate_concern_putting_safety_at_risk_still_goes_to_operations_urgently():
    assert Route(OPERATIONS, urgent=True) in routes_for(concern("moderate", safety=True))


def test_a_concern_without_a_safety_risk_does_not_go_to_operations():
    assert OPERATIONS not in recipients(concern("serious", safety=False))
    assert OPERATIONS not in recipients(concern("moderate", safety=False))


def test_every_concern_goes_to_the_contract_manager():
    for event in (concern("serious", True), concern("moderate", False)):
        assert CONTRACT_MANAGER in recipients(event)


def test_the_contract_manager_is_told_urgently_only_when_safety_is_at_risk():
    assert Route(CONTRACT_MANAGER, urgent=True) in routes_for(concern("moderate", safety=True))
    assert Route(CONTRACT_MANAGER, urgent=False) in routes_for(concern("moderate", safety=False))


def test_a_serious_concern_goes_to_the_commissioning_manager():
    # The commissioning manager is the first escalation step (domain-rules.md §1).
    assert Route(COMMISSIONING_MANAGER, urgent=False) in routes_for(concern("serious", False))


def test_a_serious_safety_concern_reaches_the_commissioning_manager_urgently():
    assert Route(COMMISSIONING_MANAGER, urgent=True) in routes_for(concern("serious", True))


def test_a_moderate_concern_does_not_go_to_the_commissioning_manager():
    assert COMMISSIONING_MANAGER not in recipients(concern("moderate", safety=False))


def test_a_moderate_concern_with_no_safety_risk_goes_only_to_the_contract_manager():
    assert routes_for(concern("moderate", safety=False)) == [Route(CONTRACT_MANAGER, False)]


def test_a_proposed_escalation_goes_to_the_head_of_strategic_planning_for_approval():
    assert routes_for(proposal()) == [Route(HEAD_OF_STRATEGIC_PLANNING, urgent=False)]


def test_an_approved_escalation_goes_to_the_hosp_the_general_manager_and_contract_manager():
    assert recipients(approval()) == {
        HEAD_OF_STRATEGIC_PLANNING, GENERAL_MANAGER, CONTRACT_MANAGER}
    assert len(routes_for(approval())) == 3


def test_routine_events_are_not_sent_to_anybody():
    scored = RiskScored(
        provider_id="oakwood", return_id="r1", score="100.00", band="100%",
        section_ratings={"finance": "green"}, explanation=[], model_version="m",
    )
    assert routes_for(scored) == []
    assert routes_for(ProviderRegistered(provider_id="oakwood", name="Oakwood")) == []


# Wording ------------------------------------------------------------------------------------

CAMEL_EVENT_NAME = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]+\b")


@pytest.mark.parametrize("event", [concern(), concern("moderate", False), proposal(), approval()])
def test_a_message_names_the_provider_in_its_subject(event):
    subject, _ = compose(event)

    assert "provider oakwood" in subject


@pytest.mark.parametrize("event", [concern(), concern("moderate", False), proposal(), approval()])
def test_a_message_never_shows_the_raw_event_type(event):
    subject, body = compose(event)

    assert event.event_type not in subject + body
    assert not CAMEL_EVENT_NAME.search(subject + body)


def test_a_safety_concern_message_is_marked_urgent_from_its_first_word():
    subject, body = compose(concern("serious", safety=True))

    assert subject == (
        "URGENT - people's safety may be at risk. Concern raised about provider oakwood")
    assert body.startswith("URGENT - people's safety may be at risk. ")


def test_a_concern_message_says_how_serious_it_is_what_it_is_and_where_it_came_from():
    _, body = compose(concern("moderate", safety=False))

    # Staff read which provider it is about in the body too (issue 18).
    assert body == (
        "A moderate quality concern about provider oakwood was raised from return analysis: "
        "medication errors reported in the return. In Assure: Providers, then provider "
        "oakwood, under Issues and risk log."
    )


def test_a_concern_without_a_safety_risk_is_not_marked_urgent():
    subject, body = compose(concern("moderate", safety=False))

    assert "URGENT" not in subject + body
    assert subject == "Concern raised about provider oakwood"


def test_an_approval_request_says_what_step_is_proposed_and_that_a_second_person_decides():
    subject, body = compose(proposal())

    assert subject == "Approval needed: breach notice for provider oakwood"
    assert body == (
        "Jo Smith proposed a breach notice for provider oakwood (serious concern). A second, "
        "authorised person must approve or reject it. To approve or reject it in Assure: "
        "Approvals."
    )


def test_an_approval_message_names_the_approvers_role_in_words():
    subject, body = compose(approval())

    assert subject == "Approved: breach notice for provider oakwood"
    assert body.startswith("Morag Brown (head of strategic planning) approved the breach notice "
                           "for provider oakwood.")
    assert "_" not in body


def test_a_concern_raised_from_a_return_reads_without_programme_identifiers():
    # The summary the risk service writes for a red safety section, as delivered to operations.
    sections = {"finance": "red", "safety_and_quality": "red", "outcomes": "green"}
    scored = score(DEFAULT_MODEL, sections, NOTHING_SAID)
    reading = ScoredReturnReading("r1", date(2026, 6, 30), scored.percentage, scored.band,
                                  scored.section_ratings)
    draft = RedSectionRaisesAConcern().check(reading)
    event = concern(summary=draft.summary)

    subject, body = compose(event)

    assert "_" not in subject + body


def test_an_approval_request_from_the_policy_reads_as_plain_english():
    # Interventions proposes every first step itself, under this name.
    subject, body = compose(proposal(proposed_by=POLICY_PROPOSER))

    assert POLICY_PROPOSER not in body


# A notification is delivered at most once per event, recipient and channel.


def test_one_event_reaches_one_recipient_through_one_channel_once():
    same = Notification.create_id("event-1", OPERATIONS, IN_APP)

    assert same == Notification.create_id("event-1", OPERATIONS, IN_APP)
    assert same != Notification.create_id("event-1", CONTRACT_MANAGER, IN_APP)
    assert same != Notification.create_id("event-2", OPERATIONS, IN_APP)


def test_reading_a_notification_twice_records_one_read():
    notification = Notification(
        provider_id="oakwood", recipient=OPERATIONS, channel=IN_APP, about_event_id="event-1",
        about_event_type="ConcernRaised", subject="s", body="b", urgent=True, reference=None,
        correlation_id="c", causation_id="event-1",
    )
    notification.collect_events()

    notification.mark_read("Sam")
    notification.mark_read("Sam")

    assert notification.read is True
    assert len(notification.collect_events()) == 1


def test_a_requested_return_is_sent_to_the_provider_with_its_due_date_in_uk_form():
    from datetime import date

    from services.notify.domain.routing import provider_recipient
    from shared.contracts import intake

    event = intake.ReturnRequested(
        provider_id="oakwood", request_id="r1", contract_reference="OAK-1", form="cmr-level-1",
        period_start=date(2026, 4, 1), period_end=date(2026, 7, 31),
        issue_on=date(2026, 8, 1), due_on=date(2026, 8, 17),
    )

    assert [r.recipient for r in routes_for(event)] == [provider_recipient("oakwood")]
    subject, body = compose(event)
    assert "17 August 2026" in subject
    assert "contract monitoring return for 1 April 2026 to 31 July 2026" in body


def test_an_overdue_return_reminds_the_provider_and_tells_the_contract_manager():
    from datetime import date

    from shared.contracts import intake

    event = intake.ReturnOverdue(
        provider_id="oakwood", request_id="r1", contract_reference="OAK-1", form="kpi",
        due_on=date(2026, 7, 15), overdue_on=date(2026, 7, 16),
    )

    assert [r.recipient for r in routes_for(event)] == ["provider-oakwood", CONTRACT_MANAGER]
    subject, body = compose(event, "provider-oakwood")
    assert subject == "Reminder: return overdue for contract OAK-1"
    assert "KPI return was due on 15 July 2026" in body
    # The contract manager is told, not reminded (issue 18: worded for the reader).
    subject, body = compose(event, CONTRACT_MANAGER)
    assert subject == "Return overdue from provider oakwood for contract OAK-1"
    assert "KPI return on contract OAK-1 was due on 15 July 2026" in body
