"""Sharing intelligence between councils (issue 20): agreements and the facts under them.

The domain tests build an `Agreement` as intake would; the application tests run two councils'
intake on the in-memory store and carry each message from one's outbox to the other by hand,
as the councils' edge servers do over NATS (tests/integration/test_edge_servers.py and
tests/e2e/test_sharing_between_councils.py).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from services.intake.application import Award, Intake
from services.intake.application.facts_received import NotFromThatCouncil
from services.intake.application.sharing_agreements import ProposedTerms, SharingNotSetUp
from services.intake.bootstrap import build_intake
from services.intake.domain.agreement import (
    Agreement,
    AgreementEnded,
    AgreementNotInForce,
    AgreementNotPending,
    RoleMayNotApprove,
    SelfApprovalRefused,
    Status,
)
from shared.contracts import escalation, risk, sharing
from shared.contracts.envelope import Envelope, IntegrationEvent, wrap
from shared.domain import InvalidInput
from shared.eventstore import Processing

pytestmark = pytest.mark.unit

OFFICER, SENIOR = ("Ann Officer", "commissioning_officer"), ("Morag Head", "cswo")
CS = "CS2003001234"


def proposed(**overrides: Any) -> Agreement:
    terms: dict[str, Any] = {
        "reference": "fife-perth-1", "partner": "perth", "partner_name": "Perth Council",
        "sends": ["suspension"], "receives": ["suspension"], "service_ids": [CS],
        "free_text": [], "starts_on": date(2026, 4, 1), "ends_on": None,
        "proposed_by": OFFICER[0], "role": OFFICER[1], "correlation_id": "c", **overrides}
    return Agreement.propose(**terms)


def names(agreement: Agreement) -> list[str]:
    return [type(e).__name__ for e in agreement.collect_events()]


# The agreement -------------------------------------------------------------------------------


def test_an_agreement_shares_at_least_one_category_for_named_services():
    with pytest.raises(InvalidInput) as nothing:
        proposed(sends=[], receives=[])
    with pytest.raises(InvalidInput) as nowhere:
        proposed(service_ids=[])
    with pytest.raises(InvalidInput) as bad_id:
        proposed(service_ids=["CS 1.2"])
    assert (nothing.value.field, nowhere.value.field, bad_id.value.field) == (
        "sends", "service_ids", "service_ids")


def test_free_text_travels_only_with_breach_notices_and_serious_concerns_it_shares():
    with pytest.raises(InvalidInput) as error:
        proposed(free_text=["suspension"])
    assert error.value.field == "free_text"
    with pytest.raises(InvalidInput):
        proposed(free_text=["breach-notice"])  # allowed, but the agreement does not share it
    assert proposed(sends=["breach-notice"], free_text=["breach-notice"]).free_text == [
        "breach-notice"]


def test_an_agreement_cannot_end_before_it_starts():
    with pytest.raises(InvalidInput) as error:
        proposed(ends_on=date(2026, 3, 1))
    assert error.value.field == "ends_on"


def test_the_proposer_may_not_approve_their_own_agreement():
    agreement = proposed()
    with pytest.raises(SelfApprovalRefused):
        agreement.approve(OFFICER[0], "cswo", "c")


def test_only_the_section_8_roles_approve_an_agreement():
    agreement = proposed()
    with pytest.raises(RoleMayNotApprove):
        agreement.approve("Bob Manager", "commissioning_manager", "c")


def test_approved_here_it_is_offered_and_in_force_once_the_partner_accepts():
    agreement = proposed()
    agreement.approve(*SENIOR, "c")
    assert agreement.status is Status.OFFERED and not agreement.in_force(date(2026, 5, 1))
    agreement.partner_accepted("Perth Senior", "cswo", datetime.now(UTC), "c")
    assert agreement.status is Status.ACTIVE and agreement.in_force(date(2026, 5, 1))
    assert names(agreement) == ["Proposed", "Approved", "AcceptedByPartner"]
    with pytest.raises(AgreementNotPending):
        agreement.approve(*SENIOR, "c")


def active(**overrides: Any) -> Agreement:
    agreement = proposed(**overrides)
    agreement.approve(*SENIOR, "c")
    agreement.partner_accepted("Perth Senior", "cswo", datetime.now(UTC), "c")
    return agreement


def test_an_agreement_covers_its_categories_its_direction_its_services_and_its_dates():
    agreement = active(sends=["suspension", "breach-notice"], receives=["decommission"],
                       ends_on=date(2027, 3, 31))
    day = date(2026, 6, 1)
    assert agreement.covers("sends", "suspension", CS, day)
    assert not agreement.covers("receives", "suspension", CS, day)
    assert agreement.covers("receives", "decommission", CS, day)
    assert not agreement.covers("sends", "inspection-grade", CS, day)
    assert not agreement.covers("sends", "suspension", "CS999", day)
    assert not agreement.covers("sends", "suspension", CS, date(2026, 3, 31))
    assert not agreement.covers("sends", "suspension", CS, date(2027, 4, 1))


def test_either_side_suspends_and_only_the_side_that_suspended_resumes():
    agreement = active()
    agreement.partner_suspended("Perth Senior", "a review", datetime.now(UTC), "c")
    assert agreement.status is Status.SUSPENDED
    assert not agreement.covers("sends", "suspension", CS, date(2026, 6, 1))
    with pytest.raises(AgreementNotInForce):
        agreement.resume(*SENIOR, "we want it back", "c")
    assert agreement.partner_resumed("Perth Senior", "review done", datetime.now(UTC), "c")
    agreement.suspend(*OFFICER, "a data breach is being looked into", "c")
    assert not agreement.partner_resumed("Perth Senior", "no", datetime.now(UTC), "c")
    agreement.resume(*SENIOR, "looked into", "c")
    assert agreement.status is Status.ACTIVE


def test_an_ended_agreement_stays_ended():
    agreement = active()
    agreement.end(*SENIOR, "the framework closed", "c")
    with pytest.raises(AgreementEnded):
        agreement.suspend(*OFFICER, "why", "c")
    with pytest.raises(AgreementEnded):
        agreement.end(*SENIOR, "again", "c")
    assert not agreement.partner_ended("Perth Senior", "also", datetime.now(UTC), "c")


def test_suspending_or_ending_needs_a_reason():
    with pytest.raises(InvalidInput) as error:
        active().suspend(*OFFICER, "  ", "c")
    assert error.value.field == "reason"


# Two councils on the in-memory store ----------------------------------------------------------


def setup_file(tmp_path: Path, council: str, name: str, partner: str, partner_name: str) -> str:
    path = tmp_path / f"{council}.json"
    path.write_text(json.dumps({"council": council, "name": name, "partners": [
        {"council": partner, "name": partner_name}]}))
    return str(path)


@pytest.fixture
def councils(tmp_path: Path):
    fife = build_intake({"ASSURE_SHARING_FILE": setup_file(tmp_path, "fife", "Fife Council",
                                                           "perth", "Perth Council")})
    perth = build_intake({"ASSURE_SHARING_FILE": setup_file(tmp_path, "perth", "Perth Council",
                                                            "fife", "Fife Council")})
    for app, provider in ((fife, "oakwood"), (perth, "oak-perth")):
        app.tick(date(2026, 5, 1), "c")
        app.register_provider("Oakwood Care", provider, "test", "c")
        app.award_contract(Award(
            provider_id=provider, reference=f"{provider}-c1", service_type="care-home",
            annual_value=Decimal(250000), regulator="care-inspectorate",
            regulator_service_id=CS, start_date=date(2025, 4, 1), end_date=None,
            contract_manager="Ann"), "test", "c")
    yield fife, perth
    fife.close()
    perth.close()


def carry(sender: Intake, receiver: Intake) -> int:
    """Delivers the sender's outbox for the receiver as the edge servers would; how many."""
    partner = receiver.sharing_setup.council
    carried = 0
    name = f"share-out:{partner}"
    for row in sender.sharing_view().outbox(partner, sender.position(name), 100):
        envelope = Envelope.model_validate_json(row["envelope"])
        council = sender.sharing_setup.council
        receiver.receive_from_partner(council, envelope, Tracking(f"COUNCIL:{council}",
                                                                  row["position"]))
        sender.recorder.insert_tracking(Tracking(name, row["position"]))
        carried += 1
    return carried


def agreed(fife: Intake, perth: Intake, **terms: Any) -> str:
    wanted = {"partner": "perth", "sends": ["suspension"], "receives": [],
              "service_ids": [CS], "starts_on": date(2026, 4, 1), **terms}
    agreement = fife.propose_agreement(ProposedTerms(**wanted), *OFFICER, "c")
    fife.decide_agreement(agreement.reference, "approve", *SENIOR, "", "c")
    assert carry(fife, perth) == 1
    perth.decide_agreement(agreement.reference, "approve", "Perth Senior", "cswo", "", "c")
    assert carry(perth, fife) == 1
    return agreement.reference


def upstream(app: Intake, event: IntegrationEvent, position: int) -> None:
    envelope = wrap(event, event_id=f"e{position}", time=datetime.now(UTC))
    app.handle(envelope, Tracking(f"{event.source_service.upper()}#p0", position))


def suspended(provider: str = "oakwood") -> escalation.ProviderSuspended:
    return escalation.ProviderSuspended(
        provider_id=provider, intervention_id="i1", escalation_id="e1", approved_by="Morag",
        on=date(2026, 5, 1), contingency_plan="placements moved")


def test_an_agreement_offered_by_one_council_is_approved_in_the_other_and_both_hold_it(
        councils):
    fife, perth = councils
    reference = agreed(fife, perth, receives=["decommission"])
    ours, theirs = fife.get_agreement(reference), perth.get_agreement(reference)
    assert ours.status is theirs.status is Status.ACTIVE
    # Each holds the terms in its own view: what one sends the other receives.
    assert (theirs.sends, theirs.receives) == (["decommission"], ["suspension"])
    assert [s["event"] for s in fife.agreement_steps(reference)] == [
        "Proposed", "Approved", "AcceptedByPartner"]
    steps = perth.agreement_steps(reference)
    assert [s["event"] for s in steps] == ["Offered", "Approved"]
    assert steps[0]["data"]["their_proposer"] == OFFICER[0]  # who proposed it in Fife
    assert fife.agreements(status="active").total == 1


def test_a_suspension_under_an_agreement_reaches_the_partner_as_intelligence(councils):
    fife, perth = councils
    reference = agreed(fife, perth)
    upstream(fife, suspended(), 1)
    shared = fife.shared_facts()
    assert shared.total == 1 and not shared[0]["delivered"]
    assert carry(fife, perth) == 1
    assert fife.shared_facts()[0]["delivered"]
    arrival = perth.arrivals()[0]
    assert (arrival["status"], arrival["provider_id"], arrival["agreement"]) == (
        "applied", "oak-perth", reference)
    received = [e for e in perth.history("oak-perth") if e["event"] == "Received"]
    published = perth.to_integration(perth.mapper.to_domain_event(
        perth.recorder.select_notifications(start=1, limit=1000)[-1]))
    assert len(received) == 1 and isinstance(published, sharing.IntelligenceReceivedFromCouncil)
    assert (published.council_name, published.category) == ("Fife Council", "suspension")


def test_a_fact_outside_the_agreements_categories_is_not_shared(councils):
    fife, perth = councils
    agreed(fife, perth)  # suspensions only
    upstream(fife, escalation.BreachNoticeIssued(
        provider_id="oakwood", intervention_id="i1", notice_id="n1", deficiency="staffing",
        action_required="recruit", comply_by=date(2026, 6, 1), issued_on=date(2026, 5, 1)), 1)
    assert fife.shared_facts().total == 0 and carry(fife, perth) == 0


def test_without_an_agreement_nothing_is_shared(councils):
    fife, perth = councils
    upstream(fife, suspended(), 1)
    assert fife.shared_facts().total == 0 and carry(fife, perth) == 0


def test_a_fact_arriving_without_a_covering_agreement_is_recorded_and_not_applied(councils):
    fife, perth = councils
    reference = agreed(fife, perth)
    perth.decide_agreement(reference, "suspend", "Perth Officer", "commissioning_officer",
                           "reviewing our data protection impact assessment", "c")
    upstream(fife, suspended(), 1)  # Fife has not heard of the suspension yet
    carry(fife, perth)
    arrivals = perth.arrivals()
    assert [a["status"] for a in arrivals] == ["refused"]
    assert "no agreement in force" in arrivals[0]["reason"]
    assert not [e for e in perth.history("oak-perth") if e["event"] == "Received"]


def test_a_redelivered_message_changes_nothing(councils):
    fife, perth = councils
    agreed(fife, perth)
    upstream(fife, suspended(), 1)
    row = fife.sharing_view().outbox("perth", 0, 100)[-1]
    envelope = Envelope.model_validate_json(row["envelope"])
    first = perth.receive_from_partner("fife", envelope, Tracking("COUNCIL:fife",
                                                                  row["position"]))
    again = perth.receive_from_partner("fife", envelope, Tracking("COUNCIL:fife",
                                                                  row["position"]))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert perth.arrivals().total == 1


def test_a_message_naming_another_sender_is_never_applied(councils):
    fife, perth = councils
    agreed(fife, perth)
    upstream(fife, suspended(), 1)
    row = fife.sharing_view().outbox("perth", 0, 100)[-1]
    with pytest.raises(NotFromThatCouncil):
        perth.receive_from_partner("angus", Envelope.model_validate_json(row["envelope"]),
                                   Tracking("COUNCIL:angus", 1))


def test_a_resolved_serious_concern_is_withdrawn_on_both_sides(councils):
    fife, perth = councils
    agreed(fife, perth, sends=["serious-concern"], free_text=["serious-concern"])
    upstream(fife, risk.ConcernRaised(
        provider_id="oakwood", concern_id="k1", category="safeguarding",
        severity="serious", source="reported", summary="Staffing below safe levels at night",
        evidence=["r1"], safety_at_risk=True, rule="reported-concern"), 1)
    carry(fife, perth)
    assert perth.arrivals()[0]["details"] == {"severity": "serious",
                                              "text": "Staffing below safe levels at night"}
    upstream(fife, risk.ConcernResolved(provider_id="oakwood", concern_id="k1",
                                        reason="night staffing restored", resolved_by="Ann"), 2)
    assert fife.shared_facts()[0]["withdrawn"]["reason"] == "the concern was resolved"
    carry(fife, perth)
    assert perth.arrivals()[0]["status"] == "withdrawn"


def test_a_concern_raised_from_another_councils_fact_is_never_shared_back(councils):
    fife, perth = councils
    agreed(fife, perth, sends=["serious-concern"])
    upstream(fife, risk.ConcernRaised(
        provider_id="oakwood", concern_id="k2", category="another council", severity="serious",
        source="Perth Council", summary="Suspended by Perth Council", evidence=["x"],
        safety_at_risk=False, rule="shared-suspension"), 1)
    assert fife.shared_facts().total == 0


def test_agreements_are_only_with_the_councils_partners(councils):
    fife, _ = councils
    with pytest.raises(InvalidInput) as error:
        fife.propose_agreement(ProposedTerms("angus", ["suspension"], [], [CS],
                                             date(2026, 4, 1)), *OFFICER, "c")
    assert error.value.field == "partner"


def test_a_council_without_a_sharing_set_up_refuses_agreements():
    app = Intake()
    try:
        with pytest.raises(SharingNotSetUp):
            app.propose_agreement(ProposedTerms("perth", ["suspension"], [], [CS],
                                                date(2026, 4, 1)), *OFFICER, "c")
        # And its policy shares nothing, silently.
        processing = Processing(None, wrap(suspended(), event_id="x", time=datetime.now(UTC)))
        app.consider_sharing(suspended(), processing)
        assert processing.events == []
    finally:
        app.close()


# Risk weighs what arrives: evidence, not an order --------------------------------------------


def received_suspension(**overrides: Any) -> sharing.IntelligenceReceivedFromCouncil:
    values: dict[str, Any] = {
        "provider_id": "oak-perth", "received_id": "r-1", "council": "fife",
        "council_name": "Fife Council", "agreement": "fife-perth-1", "category": "suspension",
        "regulator": "care-inspectorate", "regulator_service_id": CS,
        "contract_reference": "oak-perth-c1",
        "occurred_on": date(2026, 5, 1), **overrides}
    return sharing.IntelligenceReceivedFromCouncil(**values)


def risk_app(tmp_path: Path, rules: dict[str, Any] | None = None) -> Any:
    from services.risk.application import RiskAssessment
    from services.risk.bootstrap import build_risk

    if rules is None:
        return RiskAssessment()
    path = tmp_path / "risk.json"
    path.write_text(json.dumps({"rules": rules}))
    return build_risk({"ASSURE_RISK_CONFIG_FILE": str(path)})


def test_another_councils_suspension_raises_a_serious_concern_here(tmp_path: Path):
    app = risk_app(tmp_path)
    try:
        upstream(app, received_suspension(), 1)
        log = list(app.profile("oak-perth").log.values())
        intelligence = next(e for e in log if e["kind"] == "intelligence")
        concern = next(e for e in log if e["kind"] == "concern")
        assert intelligence["source"] == "Fife Council"
        assert intelligence["summary"] == (
            "Fife Council suspended the service our contract oak-perth-c1 buys (Care "
            f"Inspectorate {CS}) on 1 May 2026.")
        assert (concern["rule"], concern["severity"]) == ("shared-suspension", "serious")
        upstream(app, received_suspension(), 2)  # the same fact again: nothing new
        assert len(app.profile("oak-perth").log) == 2
    finally:
        app.close()


def test_a_council_may_make_another_councils_suspension_a_moderate_concern_or_none(
        tmp_path: Path):
    moderate = risk_app(tmp_path, {"shared-suspension": {"severity": "moderate"}})
    off = risk_app(tmp_path, {"shared-suspension": False})
    try:
        upstream(moderate, received_suspension(), 1)
        upstream(off, received_suspension(), 1)
        assert [e["severity"] for e in moderate.profile("oak-perth").log.values()
                if e["kind"] == "concern"] == ["moderate"]
        assert [e["kind"] for e in off.profile("oak-perth").log.values()] == ["intelligence"]
    finally:
        moderate.close()
        off.close()


def test_a_wrong_severity_for_a_shared_rule_stops_the_start(tmp_path: Path):
    with pytest.raises(ValueError, match="extreme"):
        risk_app(tmp_path, {"shared-suspension": {"severity": "extreme"}})


def test_a_withdrawn_fact_and_its_concern_are_marked_withdrawn_and_can_be_dismissed(
        tmp_path: Path):
    app = risk_app(tmp_path)
    try:
        upstream(app, received_suspension(), 1)
        upstream(app, sharing.ReceivedIntelligenceWithdrawn(
            provider_id="oak-perth", received_id="r-1", reason="shared in error",
            withdrawn_on=date(2026, 5, 2)), 2)
        log = list(app.profile("oak-perth").log.values())
        assert [e["withdrawn"]["reason"] for e in log] == ["shared in error"] * 2
        concern = next(e for e in log if e["kind"] == "concern")
        app.update_log("oak-perth", concern["entry_id"], "resolve",
                       "Fife Council withdrew it", "Ann Officer", "c")
        assert app.profile("oak-perth").log[concern["entry_id"]]["status"] == "closed"
    finally:
        app.close()


def test_newer_grades_are_shared_with_a_council_that_agreed_to_grades(councils):
    from services.intake.domain.contract import Regulator
    from services.intake.domain.grades import Grades

    fife, perth = councils
    agreed(fife, perth, sends=["inspection-grade"])
    contract = fife.get_contract("oakwood-c1")
    newest = Grades(Regulator.CARE_INSPECTORATE, CS, {"KQ_Care": "2"}, date(2026, 4, 20),
                    True, min_grade=2)
    older = Grades(Regulator.CARE_INSPECTORATE, CS, {"KQ_Care": "5"}, date(2025, 4, 20),
                   False, min_grade=5)
    assert fife.record_grades(contract, newest, "test", "c") == "recorded"
    assert fife.record_grades(contract, older, "test", "c") == "older"  # history: not shared
    carry(fife, perth)
    [arrival] = perth.arrivals()
    assert (arrival["category"], arrival["details"]) == ("inspection-grade", {"grade": 2})


# The edge's configuration, generated from the agreements in force -----------------------------


def edge_config(tmp_path: Path, **partner: Any) -> Any:
    from services.intake.adapters.edge import EdgeConfig, EdgeLayout
    from services.intake.domain.sharing_setup import Partner, SharingSetup

    setup = SharingSetup("fife", "Fife Council", {"perth": Partner("perth", "Perth", **partner)})
    passwords = {"sharing": "s3cret", "leaf-perth": "l3af"}
    return EdgeConfig(setup, EdgeLayout(tmp_path, 4322, leaf_port=7422), passwords)


def test_the_edge_imports_exactly_what_the_agreements_in_force_send_and_exports_what_they_receive(
        tmp_path: Path):
    from services.intake.adapters.edge import Flow

    text = edge_config(tmp_path).render([Flow(
        "perth", sends=frozenset({("suspension", "CS1")}),
        receives=frozenset({("breach-notice", "CS2")}))])
    imports = [line for line in text.splitlines() if "account: \"PARTNER_PERTH\", subject" in line]
    assert [line.split('subject: "')[1].split('"')[0] for line in imports] == [
        "share.fife.perth.agreement.*", "share.fife.perth.suspension.CS1"]
    assert '{service: "share.perth.fife.breach-notice.CS2", accounts: ["PARTNER_PERTH"]}' in text
    # The partner's leaf connection is bound to its own account, which reaches nothing else.
    assert '{user: "perth", password: "l3af", account: "PARTNER_PERTH"}' in text
    nothing = edge_config(tmp_path).render([])
    assert "share.fife.perth.suspension" not in nothing
    assert "share.fife.perth.agreement.*" in nothing  # agreement steps always go


def test_the_edge_dials_a_partner_with_our_id_and_the_password_it_gave_us(tmp_path: Path):
    password = tmp_path / "perth.password"
    password.write_text("a/b@c\n")
    text = edge_config(tmp_path, url="nats-leaf://edge.perth.example:7422",
                       password_file=password).render([])
    assert '{url: "nats-leaf://fife:a%2Fb%40c@edge.perth.example:7422", ' \
           'account: "PARTNER_PERTH"}' in text
    assert "listen" not in text.split("leafnodes")[1]  # no partner dials us


@pytest.mark.parametrize("msg_id", [None, "", "perth:0", "perth:01", "angus:5", "perth:5x",
                                    "perth:-5"])
def test_a_partners_message_id_is_its_own_position_or_refused(msg_id):
    from services.intake.adapters.council_link import position_from

    with pytest.raises(ValueError):
        position_from(msg_id, "perth")
    assert position_from("perth:42", "perth") == 42


def test_a_sharing_set_up_names_the_council_and_its_partners(tmp_path: Path):
    from services.intake.adapters.sharing_file import load
    from services.intake.domain.sharing_setup import SharingSetupError

    path = tmp_path / "s.json"
    for wrong, says in (({"council": "Fife Council"}, "not a council id"),
                        ({"council": "fife", "partners": [{"council": "fife", "name": "x"}]},
                         "itself"),
                        ({"council": "fife", "partners": [{"council": "perth", "name": "P",
                                                           "url": "nats-leaf://x:1"}]},
                         "password_file"),
                        ({"council": "fife", "colour": "blue"}, "colour")):
        path.write_text(json.dumps(wrong))
        with pytest.raises(SharingSetupError, match=says):
            load(path)
    assert load(None) is None


def test_a_wrong_sharing_set_up_stops_intakes_start_naming_the_file(tmp_path: Path):
    from services.intake.domain.sharing_setup import SharingSetupError

    path = tmp_path / "sharing.json"
    path.write_text('{"council": "fife", "partners": [{"council": "Perth"}]}')
    with pytest.raises(SharingSetupError, match="sharing.json"):
        build_intake({"ASSURE_SHARING_FILE": str(path)})
