"""Integration events in their envelope, and the subjects and partitions they travel on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.contracts import escalation, intake, notify, risk, sharing
from shared.contracts.envelope import (
    Envelope,
    UnknownEventType,
    event_id_for,
    partition_of,
    registered_contracts,
    subject_for,
    unwrap,
    wrap,
)
from shared.domain import stable_id
from shared.messaging.topology import Topology, message_id, notification_id_from

pytestmark = pytest.mark.unit

WHEN = datetime(2026, 8, 15, 9, 30, tzinfo=UTC)


def submitted(provider_id: str = "oakwood") -> intake.ReturnSubmitted:
    return intake.ReturnSubmitted(
        provider_id=provider_id,
        return_id="return-1",
        contract_reference="OAK-2025",
        form="cmr-level-1",
        form_version=1,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 7, 31),
        sections={"finance": "green", "safety_and_quality": "red"},
        answers={"finance": {"rating": "green", "income": "412000.00"},
                 "safety_and_quality": {"rating": "red", "asp_concerns": 2}},
        submitted_by="Registered manager",
        submitted_at=WHEN,
        late=True,
        corrects="return-0",
    )


def concern(provider_id: str = "oakwood") -> risk.ConcernRaised:
    return risk.ConcernRaised(
        provider_id=provider_id, concern_id="c1", category="safety", severity="serious",
        source="return analysis", summary="red safety", evidence=["return-1"],
        safety_at_risk=True,
    )


# The envelope ------------------------------------------------------------------------------


def test_an_event_unwrapped_from_its_envelope_is_the_event_that_was_wrapped():
    event = submitted()

    assert unwrap(wrap(event, event_id="e1", time=WHEN)) == event


def test_an_envelope_survives_the_wire_as_json():
    envelope = wrap(submitted(), event_id="e1", time=WHEN, correlation_id="corr-1")

    received = Envelope.model_validate_json(envelope.model_dump_json())

    assert received == envelope
    assert unwrap(received) == submitted()


def test_a_submitted_return_tells_its_contract_answers_lateness_and_what_it_corrects():
    received = unwrap(Envelope.model_validate_json(
        wrap(submitted(), event_id="e1", time=WHEN).model_dump_json()))

    assert received.contract_reference == "OAK-2025"
    assert received.answers["safety_and_quality"] == {"rating": "red", "asp_concerns": 2}
    assert (received.late, received.corrects) == (True, "return-0")


def test_a_return_submitted_on_time_and_correcting_nothing_says_so_by_default():
    fields = submitted().model_dump(exclude={"late", "corrects"})

    on_time = intake.ReturnSubmitted(**fields)

    assert (on_time.late, on_time.corrects) == (False, None)


def test_a_return_submitted_without_its_contract_is_refused():
    fields = submitted().model_dump(exclude={"contract_reference"})

    with pytest.raises(ValidationError):
        intake.ReturnSubmitted(**fields)


def test_an_envelope_says_who_said_what_about_which_provider():
    envelope = wrap(concern(), event_id="e1", time=WHEN, correlation_id="corr", causation_id="e0")

    assert envelope.type == "ConcernRaised"
    assert envelope.dataversion == 1
    assert envelope.source == "assure/risk"
    assert envelope.subject == "oakwood"
    assert (envelope.correlationid, envelope.causationid) == ("corr", "e0")


def test_an_event_that_starts_a_story_is_its_own_correlation():
    envelope = wrap(concern(), event_id="e1", time=WHEN)

    assert envelope.correlationid == "e1"
    assert envelope.causationid is None


def test_an_envelope_time_is_recorded_in_utc():
    british_summer_time = timezone(timedelta(hours=1))

    envelope = wrap(concern(), event_id="e1", time=datetime(2026, 8, 15, 10, 30,
                                                            tzinfo=british_summer_time))

    assert envelope.time == WHEN
    assert envelope.time.utcoffset() == timedelta(0)


def test_an_envelope_about_one_provider_carrying_anothers_event_is_refused():
    envelope = wrap(concern("oakwood"), event_id="e1", time=WHEN)
    tampered = envelope.model_copy(update={"subject": "elmbank"})

    with pytest.raises(ValueError, match="subject does not match"):
        unwrap(tampered)


def test_an_envelope_of_an_unknown_type_is_refused():
    envelope = wrap(concern(), event_id="e1", time=WHEN).model_copy(update={"type": "Gossip"})

    with pytest.raises(UnknownEventType, match="Gossip v1"):
        unwrap(envelope)


def test_an_envelope_of_an_unknown_version_is_refused():
    envelope = wrap(concern(), event_id="e1", time=WHEN).model_copy(update={"dataversion": 2})

    with pytest.raises(UnknownEventType):
        unwrap(envelope)


def test_an_envelope_whose_data_breaks_its_contract_is_refused():
    envelope = wrap(concern(), event_id="e1", time=WHEN)
    broken = envelope.model_copy(update={"data": {**envelope.data, "severity": "mild"}})

    with pytest.raises(ValidationError):
        unwrap(broken)


@pytest.mark.parametrize("provider_id", ["oak.wood", "oak wood", "oak*", "oak>", "", "x" * 65])
def test_a_provider_id_that_would_break_a_subject_is_refused(provider_id):
    with pytest.raises(ValidationError):
        concern(provider_id)


def test_every_contract_is_registered_once_by_type_and_version():
    keys = [(c.event_type, c.version) for c in registered_contracts()]

    assert len(keys) == len(set(keys))
    assert {"ReturnSubmitted", "ConcernRaised", "EscalationApproved", "NotificationDelivered"} <= {
        event_type for event_type, _ in keys}


def test_a_published_event_cannot_be_changed():
    event = concern()

    with pytest.raises(ValidationError):
        event.summary = "something else"


def test_a_stored_event_always_gives_the_same_integration_event_id():
    originator = stable_id("risk-profile", "oakwood")

    assert event_id_for(originator, 2) == event_id_for(originator, 2)
    assert event_id_for(originator, 2) != event_id_for(originator, 3)


# Partitions and subjects --------------------------------------------------------------------


def test_every_event_about_one_provider_lands_in_the_same_partition():
    assert len({partition_of("oakwood", 4) for _ in range(10)}) == 1


def test_a_providers_partition_never_changes_between_releases():
    # Pinned: a different hash would reroute providers while their streams hold messages.
    # crc32 of the provider id, unlike hash(), is the same in every process and release.
    assert [partition_of(p, 4) for p in ("oakwood", "elmbank", "p-001")] == [0, 3, 0]
    assert [partition_of(p, 7) for p in ("oakwood", "elmbank", "p-001")] == [4, 3, 4]


@pytest.mark.parametrize("partitions", [1, 2, 4, 7, 64])
def test_a_partition_is_always_one_of_the_configured_partitions(partitions):
    found = {partition_of(f"provider-{i}", partitions) for i in range(500)}

    assert found <= set(range(partitions))
    assert len(found) == partitions  # and providers spread over all of them


def nats_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: '*' is one token, '>' the rest."""
    pattern_tokens, subject_tokens = pattern.split("."), subject.split(".")
    for i, token in enumerate(pattern_tokens):
        if token == ">":
            return len(subject_tokens) > i
        if i >= len(subject_tokens) or token not in ("*", subject_tokens[i]):
            return False
    return len(pattern_tokens) == len(subject_tokens)


def test_an_event_subject_names_service_partition_provider_and_type():
    k = partition_of("oakwood", 4)

    assert subject_for(concern(), 4) == f"evt.risk.p{k}.oakwood.ConcernRaised"
    assert nats_matches(risk.CONCERN_RAISED, subject_for(concern(), 4))
    assert nats_matches(intake.RETURN_SUBMITTED, subject_for(submitted(), 4))


@pytest.mark.parametrize(("pattern", "event_type"), [
    (intake.CONTRACT_AWARDED, "ContractAwarded"),
    (intake.CONTRACT_LEVEL_CHANGED, "ContractLevelChanged"),
    (intake.RETURN_REQUESTED, "ReturnRequested"),
    (intake.RETURN_OVERDUE, "ReturnOverdue"),
    (intake.INSPECTION_GRADE_RECORDED, "InspectionGradeRecorded"),
    (intake.CONCERN_REPORTED, "ConcernReported"),
    (intake.VISIT_FIGURES_RECORDED, "VisitFiguresRecorded"),
    (risk.RISK_LEVEL_ASSESSED, "RiskLevelAssessed"),
])
def test_each_subject_pattern_catches_its_own_event_and_no_other(pattern, event_type):
    service = pattern.split(".")[1]

    assert nats_matches(pattern, f"evt.{service}.p1.oakwood.{event_type}")
    assert not nats_matches(pattern, f"evt.{service}.p1.oakwood.ReturnSubmitted")


def test_an_assessed_risk_level_is_low_medium_or_high():
    assessed = risk.RiskLevelAssessed(
        provider_id="oakwood", previous_level=None, level="high",
        reason="latest return scored 40.00%")

    assert assessed.level is risk.RiskLevel.HIGH
    with pytest.raises(ValidationError):
        risk.RiskLevelAssessed(provider_id="oakwood", previous_level="low", level="extreme",
                               reason="r")


def test_every_contract_is_published_inside_its_services_stream():
    streams = {m.STREAM.lower(): m.SUBJECTS for m in (intake, risk, escalation, notify)}
    for contract in registered_contracts():
        if contract.source_service == "sharing":  # between councils' edges (issue 20)
            assert nats_matches(sharing.SUBJECTS, "share.fife.perth.suspension.CS1")
            continue
        subject = f"evt.{contract.source_service}.p0.oakwood.{contract.event_type}"
        assert nats_matches(streams[contract.source_service], subject)


def test_without_a_namespace_the_topology_uses_the_plain_subjects():
    topology = Topology(partitions=4)

    assert topology.subject(concern()) == subject_for(concern(), 4)
    assert topology.stream("risk") == "RISK"
    assert topology.stream_subjects("risk") == "evt.risk.>"


def test_a_namespace_prefixes_every_subject_and_stream():
    topology = Topology(partitions=4, namespace="t1")
    k = partition_of("oakwood", 4)

    assert topology.subject(concern()) == f"t1.evt.risk.p{k}.oakwood.ConcernRaised"
    assert topology.stream("risk") == "T1_RISK"
    assert topology.stream_subjects("risk") == "t1.evt.risk.>"
    assert topology.partition_filter("risk", k) == f"t1.evt.risk.p{k}.>"
    assert topology.provider_filter("oakwood") == "t1.evt.*.*.oakwood.>"


def test_a_partitions_filter_catches_its_own_providers_events_and_no_others():
    topology = Topology(partitions=4, namespace="t1")
    subject = topology.subject(concern())
    k = partition_of("oakwood", 4)

    assert nats_matches(topology.partition_filter("risk", k), subject)
    for other in set(range(4)) - {k}:
        assert not nats_matches(topology.partition_filter("risk", other), subject)
    assert nats_matches(topology.stream_subjects("risk"), subject)
    assert not nats_matches(Topology(partitions=4).stream_subjects("risk"), subject)


def test_a_stream_keeps_its_configured_name_subjects_and_duplicate_window():
    config = Topology(partitions=2, namespace="t1", duplicate_window_seconds=30).stream_config(
        "intake")

    assert config.name == "T1_INTAKE"
    assert config.subjects == ["t1.evt.intake.>"]
    assert config.duplicate_window == 30


# Message ids ---------------------------------------------------------------------------------


def test_a_message_id_gives_back_the_producers_notification_id():
    assert message_id("risk", 42) == "risk:42"
    assert notification_id_from(message_id("risk", 42), "risk") == 42


@pytest.mark.parametrize("msg_id", ["intake:42", "risky:42", "notify:1"])
def test_a_message_id_from_another_service_is_refused(msg_id):
    with pytest.raises(ValueError, match="is not from risk"):
        notification_id_from(msg_id, "risk")


@pytest.mark.parametrize(
    "msg_id", [None, "", "risk:", "risk", "42", "risk:-1", "risk:4.2", "risk:42 ", "risk: 42",
               "risk:4e2", "risk:forty-two", "risk:42:1", "x-risk:42"])
def test_a_forged_or_malformed_message_id_is_refused(msg_id):
    with pytest.raises(ValueError):
        notification_id_from(msg_id, "risk")


@pytest.mark.parametrize("msg_id", ["risk:042", "risk:\u0664\u0662", "risk:\uff14\uff12"])
def test_only_message_ids_a_producer_could_have_made_are_accepted(msg_id):
    # "risk:042", Arabic-Indic "٤٢" and full-width "４２" all read as 42 today.
    with pytest.raises(ValueError):
        notification_id_from(msg_id, "risk")
