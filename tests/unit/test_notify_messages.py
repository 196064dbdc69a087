"""Messages from templates: plain English, UK dates, and no more personal data than needed."""

from __future__ import annotations

import re
from datetime import date

import pytest

from services.notify.adapters.config_file import config_from_dict
from services.notify.domain.digest import Item, compose_digest
from services.notify.domain.facts import Fact, fact_of, intelligence_requested, return_due_soon
from services.notify.domain.messages import compose, event_words
from services.notify.domain.routing import routes_for
from services.notify.domain.templates import DEFAULT_TEMPLATES
from shared.contracts import escalation as esc
from shared.contracts import intake, risk
from tests.unit.test_notify_routing import (
    ABOUT,
    ON,
    concern,
    deadline_events,
    intervention_events,
    requested,
)

pytestmark = pytest.mark.unit

CAMEL = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]+\b")
PROVIDER = "provider-oakwood"


def every_event():
    return {
        **intervention_events(), **deadline_events(),
        "ConcernRaised": concern(),
        "ConcernRecurred": risk.ConcernRecurred(
            **concern().model_dump(exclude={"evidence"}), evidence=["return-1", "return-2"],
            new_evidence=["return-2"], occurrences=2),
        "ReturnRequested": requested(),
        "ReturnDueSoon": return_due_soon("oakwood", "r-1", 3, {
            "contract_reference": "OAK-1", "form": "kpi", "period_start": date(2026, 4, 1),
            "period_end": date(2026, 6, 30), "due_on": date(2026, 7, 15)}),
        "IntelligenceRequested": intelligence_requested(fact_of(requested(), "e-1")),
        "IssueEscalated": esc.IssueEscalated(
            **ABOUT, recipients=["line manager", "operational staff"],
            immediately=["operational staff"], categories=["media interest"],
            reason="a story in the local paper", raised_by="Jo Smith"),
        "ImprovementPlanNotAchieved": esc.ImprovementPlanNotAchieved(
            **ABOUT, plan_id="p", on=ON, reason="targets missed"),
        "BreachNoticeFailed": esc.BreachNoticeFailed(
            **ABOUT, notice_id="n", comply_by=ON, options=["suspension", "decommission"],
            regulator_to_be_notified=True),
        "RegulatorNotified": esc.RegulatorNotified(**ABOUT, notice_id="n",
                                                   regulator="Care Inspectorate", on=ON),
        "ProviderSuspended": esc.ProviderSuspended(
            **ABOUT, escalation_id="e", approved_by="Morag Brown", on=ON,
            contingency_plan="every placement reviewed within a week"),
        "ProviderDecommissioned": esc.ProviderDecommissioned(
            **ABOUT, escalation_id="e", contract_reference="OAK-1", approved_by="Morag Brown",
            on=ON, continuity_plan="people move to Elm Care by 1 November"),
        "EscalationProposed": esc.EscalationProposed(
            provider_id="oakwood", escalation_id="e", intervention_id="i", step="suspension",
            reason="breach notice not met", proposed_by="assure:policy"),
        "EscalationApproved": esc.EscalationApproved(
            provider_id="oakwood", escalation_id="e", intervention_id="i", step="suspension",
            approved_by="Morag Brown", approver_role="head_of_strategic_planning"),
        "EscalationRejected": esc.EscalationRejected(
            provider_id="oakwood", escalation_id="e", intervention_id="i", rejected_by="Morag",
            reason="not proportionate yet"),
        "EscalationWithdrawn": esc.EscalationWithdrawn(
            provider_id="oakwood", escalation_id="e", intervention_id="i", step="suspension",
            withdrawn_by="Jo", reason="the policy was overridden"),
        "PolicyOverridden": esc.PolicyOverridden(
            **ABOUT, policy_level="enable", policy_step="improvement plan", level="enforce",
            step="breach notice", reason="repeated", overridden_by="Jo"),
        "ReturnOverdue": intake.ReturnOverdue(
            provider_id="oakwood", request_id="r", contract_reference="OAK-1", form="kpi",
            due_on=date(2026, 7, 15), overdue_on=date(2026, 7, 16)),
        "MonitoringReportIssued": esc.MonitoringReportIssued(
            provider_id="oakwood", report_id="m", kind="summary assessment report",
            activity_on=date(2026, 9, 1), issued_on=date(2026, 9, 14),
            reply_by=date(2026, 9, 28)),
        "MonitoringReportReplied": esc.MonitoringReportReplied(
            provider_id="oakwood", report_id="m", replied_on=date(2026, 9, 20),
            replied_by="Registered manager"),
        "NotificationFailed": Fact("NotificationFailed", "d:failed:5", "oakwood", {
            "channel": "email", "recipient": "operations", "about_event_type": "ConcernRaised",
            "attempts": 5, "error": "SMTPDataError: (554, 'no')", "delivery_id": "d"}),
    }


@pytest.mark.parametrize("name", sorted(every_event()))
def test_every_default_message_is_filled_in_and_reads_as_plain_english(name):
    event = every_event()[name]
    for route in routes_for(event) or [None]:
        recipient = route.recipient if route else None
        subject, body = compose(event, recipient)

        assert "$" not in subject + body, (name, recipient)
        assert not CAMEL.search(subject + body.replace("ConcernRaised", "")), (name, recipient)
        assert "_" not in subject + body, (name, recipient)
        if name != "NotificationFailed":
            assert "provider oakwood" in subject.lower() or "contract OAK-1" in subject


@pytest.mark.parametrize("name", sorted(DEFAULT_TEMPLATES))
def test_every_default_template_has_a_sample_event(name):
    assert name.split("@")[0] in every_event()


def test_a_concern_that_comes_up_again_says_so_and_how_often():
    subject, body = compose(every_event()["ConcernRecurred"], "contract-manager")

    assert subject.endswith("Concern came up again about provider oakwood")
    assert "came up again from return analysis (raised twice now)" in body
    assert "It is one concern, updated with the new evidence." in body


def test_dates_are_written_the_uk_way():
    event = deadline_events()["ImprovementPlanRequested"]

    subject, body = compose(event)

    assert subject == "Improvement plan needed from provider oakwood by 1 September 2026"
    assert "10 working days from 1 September 2026" in body


@pytest.mark.parametrize(("days", "words"), [(7, "7 days"), (3, "3 days"), (1, "1 day")])
def test_a_reminder_says_how_many_days_are_left(days, words):
    fact = every_event()["ReturnDueSoon"]
    fact = Fact(fact.type, fact.id, fact.provider_id, {**fact.fields, "days": days})

    subject, body = compose(fact, PROVIDER)

    assert subject == f"Reminder: return due in {words} for contract OAK-1"
    assert body.startswith("Your KPI return for 1 April 2026 to 30 June 2026 is due on "
                           "15 July 2026.")


def test_a_locality_manager_is_asked_for_intelligence_before_the_due_date():
    subject, body = compose(every_event()["IntelligenceRequested"], "locality-manager")

    assert subject == "Intelligence requested: monitoring of provider oakwood"
    assert "contract monitoring return" in body and "17 August 2026" in body


def test_the_provider_is_not_told_why_an_intervention_was_opened():
    # The reason may quote a whistleblower or a complaint; the contract manager explains.
    event = esc.InterventionOpened(**ABOUT, concern_id="c", level="enable",
                                   reason="whistleblower: night staff asleep on shift")

    _, to_provider = compose(event, PROVIDER)
    _, to_manager = compose(event, "contract-manager")

    assert "whistleblower" not in to_provider and "contract manager will contact" in to_provider
    assert "whistleblower: night staff asleep on shift" in to_manager


def test_no_message_names_the_person_who_took_a_step():
    event = intervention_events()["InterventionStepTaken"]

    for recipient in ("contract-manager", PROVIDER):
        assert "Jo" not in " ".join(compose(event, recipient))


def test_a_suspension_tells_the_provider_without_naming_the_approver():
    subject, body = compose(every_event()["ProviderSuspended"], PROVIDER)

    assert subject == "Provider oakwood suspended from 1 September 2026"
    assert "Morag" not in body and "every placement reviewed within a week" in body


def test_an_escalated_issue_is_marked_urgent_only_for_those_told_immediately():
    event = every_event()["IssueEscalated"]

    at_once, _ = compose(event, "operations", urgent=True)
    later, _ = compose(event, "commissioning-manager", urgent=False)

    assert at_once == "URGENT: Issue escalated about provider oakwood"
    assert later == "Issue escalated about provider oakwood"


def test_an_alert_tells_operators_what_failed_and_where_to_resend_it():
    subject, body = compose(every_event()["NotificationFailed"], "system-operators")

    assert subject == "Not delivered: email message to operations"
    assert "about concern raised (provider oakwood)" in body
    assert "after 5 attempts" in body and "GET /notify/failures" in body


def test_a_council_can_reword_a_message_in_its_configuration():
    config = config_from_dict({"templates": {"ReturnOverdue@provider": {
        "subject": "Overdue: $contract_reference", "body": "Due $due_on. Please send it."}}})
    event = deadline_events()["DeadlineMissed"]  # untouched: still the default wording
    overdue = every_event()["ReturnRequested"]

    assert compose(event, PROVIDER, templates=config.templates)[0].startswith("Deadline missed")
    assert compose(overdue, PROVIDER, templates=config.templates)[0].startswith(
        "Return requested")
    late = intake.ReturnOverdue(provider_id="oakwood", request_id="r", contract_reference="OAK-1",
                                form="kpi", due_on=date(2026, 7, 15), overdue_on=date(2026, 7, 16))
    assert compose(late, PROVIDER, templates=config.templates) == (
        "Overdue: OAK-1", "Due 15 July 2026. Please send it.")
    # Staff keep their own wording of the overdue return (issue 18: worded for the reader).
    assert compose(late, "contract-manager", templates=config.templates)[0].startswith(
        "Return overdue from provider oakwood")


def test_an_event_without_a_template_still_reads_as_words():
    fact = Fact("BriefingPublished", "b-1", "oakwood", {"summary": "x"})

    assert compose(fact) == ("Briefing published for provider oakwood",
                             "Briefing published for provider oakwood. Open Assure for the "
                             "details.")
    assert event_words("BreachNoticeIssued") == "Breach notice issued"


def test_a_digest_lists_each_item_with_its_message():
    from datetime import datetime

    from services.notify.domain.digest import UK

    subject, body = compose_digest("daily", datetime(2026, 9, 2, 8, tzinfo=UK), [
        Item("Concern raised about provider oakwood", "A moderate quality concern ..."),
        Item("Intervention closed for provider elm", "The intervention was closed ..."),
    ])

    assert subject == "Your daily digest for 2 September 2026: 2 notifications"
    assert "1. Concern raised about provider oakwood" in body
    assert "2. Intervention closed for provider elm" in body
    assert "never wait for a digest" in body


@pytest.mark.parametrize("name", sorted(every_event()))
def test_a_summary_or_reason_that_ends_its_own_sentence_gets_no_second_full_stop(name):
    # A concern's summary reads "… reaching the limit of 3." and the template adds ". Concern
    # reference …": the message must not say "limit of 3..".
    fact = fact_of(every_event()[name])
    stopped = {key: f"{value}." if isinstance(value, str) else value
               for key, value in fact.fields.items()}
    for route in routes_for(fact) or [None]:
        subject, body = compose(Fact(fact.type, fact.id, fact.provider_id, stopped),
                                route.recipient if route else None)

        assert ".." not in subject + body, (name, subject, body)


def test_a_concern_reaching_a_limit_is_told_with_one_full_stop():
    summary = "Three returns were overdue in the 12 months to 1 May 2026, reaching the limit of 3."

    _, body = compose(concern(summary=summary), "contract-manager")

    assert "reaching the limit of 3. In Assure:" in body
