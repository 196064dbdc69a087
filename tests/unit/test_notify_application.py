"""notify's application on the in-memory store: deliveries derived once, reminders and digests
from the schedule, per-person inboxes, and failures that are never silent."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent, Tracking

from services.notify.adapters.config_file import load_notify_config
from services.notify.application import Notifications
from services.notify.domain.delivery import Delivery, Status
from shared.contracts import intake, notify, risk
from shared.contracts.envelope import Envelope, IntegrationEvent, wrap
from shared.domain import Refused
from shared.eventstore import NotFound

pytestmark = pytest.mark.unit

NOW = datetime.now(UTC)
FROM_INTAKE = Tracking("INTAKE#p0", 1)
CONFIG = {
    "contacts": {
        "operations": {"email": ["duty@council.test"]},
        "contract-manager": {"email": ["contracts@council.test"], "digest": "daily"},
        "provider": {"email": ["returns@{provider_id}.test"]},
    },
    "localities": {"oakwood": "north"},
    "users": {
        "ann": {"name": "Ann Manager", "roles": ["contract-manager"]},
        "sam": {"name": "Sam Duty", "roles": ["operations"]},
    },
}
_positions = iter(range(1, 10_000))


@pytest.fixture
def app(tmp_path: Path) -> Notifications:
    path = tmp_path / "notify.json"
    path.write_text(json.dumps(CONFIG))
    # The configuration is handed in, as bootstrap.py reads it from the council's file.
    return Notifications(env={"ASSURE_NOTIFY_MAX_ATTEMPTS": "2"},
                         config=load_notify_config(path))


def handle(app: Notifications, event: IntegrationEvent, event_id: str) -> None:
    envelope: Envelope = wrap(event, event_id=event_id, time=NOW, correlation_id="c")
    app.handle(envelope, Tracking(f"{event.source_service.upper()}#p0", next(_positions)))


def concern(concern_id: str, safety: bool, provider_id: str = "oakwood") -> risk.ConcernRaised:
    return risk.ConcernRaised(
        provider_id=provider_id, concern_id=concern_id, category="quality",
        severity="serious" if safety else "moderate", source="return analysis", summary="s",
        evidence=[], safety_at_risk=safety)


def awarded(provider_id: str, manager: str) -> intake.ContractAwarded:
    return intake.ContractAwarded(
        provider_id=provider_id, contract_reference=f"{provider_id}-1", service_type="care-home",
        annual_value="250000", regulator=None, start_date=date(2025, 4, 1), end_date=None,
        contract_manager=manager)


def requested(due_on: date = date(2026, 7, 15)) -> intake.ReturnRequested:
    return intake.ReturnRequested(
        provider_id="oakwood", request_id="req-1", contract_reference="oakwood-1", form="kpi",
        period_start=date(2026, 4, 1), period_end=date(2026, 6, 30), issue_on=date(2026, 7, 1),
        due_on=due_on)


def submitted() -> intake.ReturnSubmitted:
    return intake.ReturnSubmitted(
        provider_id="oakwood", return_id="ret-1", contract_reference="oakwood-1", form="kpi",
        form_version=1, period_start=date(2026, 4, 1), period_end=date(2026, 6, 30), sections={},
        answers={}, submitted_by="manager", submitted_at=NOW)


# Deliveries --------------------------------------------------------------------------------------


def test_each_notification_becomes_one_delivery_per_channel_exactly_once(app):
    handle(app, concern("c-1", safety=True), "e-1")

    first = app.derive_deliveries(NOW)
    again = app.derive_deliveries(NOW)

    assert {(o.recipient, o.channel, o.addresses) for o in first} == {
        ("operations", "email", ("duty@council.test",)),
        ("contract-manager", "email", ("contracts@council.test",)),
        ("commissioning-manager", "email", ("commissioning-manager@council.invalid",)),
    }
    assert again == []
    assert all(o.attempt == 1 for o in first)  # claimed in the same commit that queued them


def test_what_may_wait_is_held_for_the_recipients_digest_and_urgent_items_never_are(app):
    handle(app, concern("c-1", safety=False), "e-1")
    handle(app, concern("c-2", safety=True), "e-2")

    sent_at_once = app.derive_deliveries(NOW)

    [held] = app.deliveries(Status.HELD)
    assert (held["recipient"], held["about_event_id"], held["hold"]) == ("contract-manager",
                                                                          "e-1", "daily")
    assert ("contract-manager", "e-2") in {(o.recipient, o.about_event_id) for o in sent_at_once}


def test_a_notification_recorded_long_before_delivery_started_stays_in_app(app):
    handle(app, concern("c-1", safety=True), "e-1")

    assert app.derive_deliveries(NOW + timedelta(days=2)) == []
    assert len(app.inbox("operations")) == 1


def test_a_failure_after_the_last_attempt_is_published_listed_and_alerted(app):
    handle(app, concern("c-1", safety=True), "e-1")
    [outgoing] = [o for o in app.derive_deliveries(NOW) if o.recipient == "operations"]

    assert app.record_failure(outgoing, "SMTPDataError: 554", NOW) is False
    [retry] = [o for o in app.claim_due(NOW + timedelta(minutes=5), set())
               if o.delivery_id == outgoing.delivery_id]
    assert app.record_failure(retry, "SMTPDataError: 554", NOW) is True

    [failed] = app.failures()
    assert failed["delivery_id"] == str(outgoing.delivery_id) and failed["attempts"] == 2
    [alert] = app.inbox("system-operators")
    # It says what failed in words; the delivery is named by id for machines alone.
    assert alert["urgent"] and failed["delivery_id"] in alert["about_event_id"]
    assert "A message to operations by email about concern raised" in alert["body"]
    events = [app.to_integration(app.mapper.to_domain_event(n))
              for n in app.recorder.select_notifications(start=1, limit=100)]
    [published] = [e for e in events if isinstance(e, notify.NotificationFailed)]
    assert (published.delivery_id, published.recipient, published.attempts) == (
        failed["delivery_id"], "operations", 2)
    assert published.error == "SMTPDataError: 554"


def test_a_sent_delivery_is_published_as_delivered_by_its_channel(app):
    handle(app, concern("c-1", safety=True), "e-1")
    [outgoing] = [o for o in app.derive_deliveries(NOW) if o.recipient == "operations"]

    app.record_sent(outgoing, NOW)
    app.record_sent(outgoing, NOW)  # a second answer for the same attempt changes nothing

    events = [app.to_integration(app.mapper.to_domain_event(n))
              for n in app.recorder.select_notifications(start=1, limit=100)]
    emailed = [e for e in events if isinstance(e, notify.NotificationDelivered)
               and e.channel == "email"]
    assert [(e.recipient, e.delivery_id) for e in emailed] == [
        ("operations", str(outgoing.delivery_id))]


def stored(app: Notifications, delivery_id: UUID) -> list[str]:
    """The names of a delivery's stored events, in order."""
    return [record.topic.rsplit(".", 1)[1] for record in app.recorder.select_events(delivery_id)]


def test_a_delivery_sent_at_once_is_stored_as_two_events_queued_and_sent(app):
    handle(app, concern("c-1", safety=True), "e-1")
    [outgoing] = [o for o in app.derive_deliveries(NOW) if o.recipient == "operations"]

    assert stored(app, outgoing.delivery_id) == ["Queued"]  # its first attempt, before sending
    [queued] = app.deliveries(recipient="operations")
    assert (queued["status"], queued["attempts"]) == (Status.DISPATCHING, 1)
    app.record_sent(outgoing, NOW)

    assert stored(app, outgoing.delivery_id) == ["Queued", "Sent"]
    [sent] = app.deliveries(recipient="operations")
    assert (sent["status"], sent["attempts"]) == (Status.SENT, 1)


def test_a_failed_attempt_stays_on_record_with_its_reason_before_the_retry_that_sent_it(app):
    handle(app, concern("c-1", safety=True), "e-1")
    [outgoing] = [o for o in app.derive_deliveries(NOW) if o.recipient == "operations"]

    app.record_failure(outgoing, "SMTPRecipientsRefused: 450 mailbox busy", NOW)
    [retry] = [o for o in app.claim_due(NOW + timedelta(minutes=5), set())
               if o.delivery_id == outgoing.delivery_id]
    app.record_sent(retry, NOW)

    assert stored(app, outgoing.delivery_id) == [
        "Queued", "AttemptFailed", "AttemptStarted", "Sent"]
    failed = app.mapper.to_domain_event(app.recorder.select_events(outgoing.delivery_id)[1])
    assert (failed.attempt, failed.error) == (1, "SMTPRecipientsRefused: 450 mailbox busy")
    [sent] = app.deliveries(recipient="operations")
    assert (sent["status"], sent["attempts"]) == (Status.SENT, 2)


# Deliveries stored before a first attempt rode in `Queued`: written by that code (its topics and
# JSON as stored), a queued delivery with its attempt recorded as `Dispatching`, sent or not.
OLD_TOPIC = "services.notify.domain.delivery:Delivery.{}"
OLD_QUEUED = (
    '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-09-01T09:00:00.090577+00:00"},'
    '"originator_topic":"services.notify.domain.delivery:Delivery","notification_id":"NOTE",'
    '"provider_id":"oakwood","recipient":"operations","channel":"email",'
    '"addresses":["duty@council.test"],"subject":"Concern raised: Café Brontë Care Home",'
    '"body":"£5 b","urgent":true,"about_event_id":"e-1","about_event_type":"ConcernRaised",'
    '"reference":null,"hold":null,"items":null}')
OLD_DISPATCHING = (
    '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-09-01T09:00:00.090698+00:00"},'
    '"attempt":1,"lease_until":{"_type_":"datetime_iso","_data_":"2026-09-01T09:01:00+00:00"}}')
OLD_SENT = (
    '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-09-01T09:00:00.090849+00:00"},'
    '"attempt":1,"at":{"_type_":"datetime_iso","_data_":"2026-09-01T09:00:00+00:00"},'
    '"about":{"provider_id":"oakwood","notification_id":"NOTE","delivery_id":"DELIVERY",'
    '"recipient":"operations","channel":"email","about_event_id":"e-1",'
    '"about_event_type":"ConcernRaised","reference":null}}')


def store_old_shape(app: Notifications, note: str, *states: tuple[str, str]) -> UUID:
    delivery_id = Delivery.create_id(note, "email")
    app.recorder.insert_events([
        StoredEvent(originator_id=delivery_id, originator_version=version,
                    topic=OLD_TOPIC.format(name), state=_as_stored(app, state.replace(
                        "NOTE", note).replace("DELIVERY", str(delivery_id))))
        for version, (name, state) in enumerate(states, start=1)])
    return delivery_id


def _as_stored(app: Notifications, state: str) -> bytes:
    data = state.encode()
    if app.mapper.compressor:
        data = app.mapper.compressor.compress(data)
    return app.mapper.cipher.encrypt(data) if app.mapper.cipher else data


def test_deliveries_stored_in_the_old_shape_still_load_replay_and_show(app):
    sent_id = store_old_shape(app, "n-old-1", ("Queued", OLD_QUEUED),
                              ("Dispatching", OLD_DISPATCHING), ("Sent", OLD_SENT))
    lost_id = store_old_shape(app, "n-old-2", ("Queued", OLD_QUEUED),
                              ("Dispatching", OLD_DISPATCHING))  # its sender died

    sent: Delivery = app.repository.get(sent_id)
    assert (sent.status, sent.attempts, sent.subject) == (
        Status.SENT, 1, "Concern raised: Café Brontë Care Home")
    assert {d["delivery_id"]: (d["status"], d["attempts"]) for d in app.deliveries()} == {
        str(sent_id): (Status.SENT, 1), str(lost_id): (Status.DISPATCHING, 1)}
    [published] = [app.to_integration(app.mapper.to_domain_event(r))
                   for r in app.recorder.select_events(sent_id)][2:]
    assert (published.delivery_id, published.recipient) == (str(sent_id), "operations")

    lease_over = datetime(2026, 9, 1, 9, 1, tzinfo=UTC)
    assert app.claim_due(lease_over - timedelta(seconds=1), set()) == []
    [taken_over] = app.claim_due(lease_over, set())
    app.record_sent(taken_over, lease_over)
    assert (taken_over.delivery_id, taken_over.attempt) == (lost_id, 2)
    # The old topic stays as it was stored; the attempt taken over is stored under the new name.
    assert stored(app, lost_id) == ["Queued", "Dispatching", "AttemptStarted", "Sent"]
    assert app.deliveries(status=Status.SENT).total == 2


def test_only_a_failed_delivery_can_be_sent_again(app):
    handle(app, concern("c-1", safety=True), "e-1")
    [outgoing] = [o for o in app.derive_deliveries(NOW) if o.recipient == "operations"]

    with pytest.raises(Refused):
        app.retry_failed(outgoing.delivery_id, "Operator")


# The schedule -------------------------------------------------------------------------------------


def test_a_requested_return_is_reminded_seven_three_and_one_days_before_it_is_due(app):
    handle(app, requested(), "e-1")

    runs = [app.run_schedule(datetime(2026, 7, day, 9, 0)).reminders
            for day in (7, 8, 8, 11, 12, 14, 15)]

    assert runs == [0, 1, 0, 0, 1, 1, 0]
    reminders = [n for n in app.inbox("provider-oakwood")
                 if n["about_event_type"] == "ReturnDueSoon"]
    assert sorted(n["subject"] for n in reminders) == [
        "Reminder: return due in 1 day for contract oakwood-1",
        "Reminder: return due in 3 days for contract oakwood-1",
        "Reminder: return due in 7 days for contract oakwood-1",
    ]
    assert {n["reference"] for n in reminders} == {"req-1"}


def test_a_return_received_stops_its_reminders(app):
    handle(app, requested(), "e-1")
    app.run_schedule(datetime(2026, 7, 8, 9, 0))
    handle(app, submitted(), "e-2")

    assert app.run_schedule(datetime(2026, 7, 12, 9, 0)).reminders == 0


def test_a_return_sent_before_it_was_requested_is_never_reminded(app):
    handle(app, submitted(), "e-1")
    handle(app, requested(), "e-2")

    assert app.run_schedule(datetime(2026, 7, 14, 9, 0)).reminders == 0


def test_a_monitoring_round_asks_the_locality_manager_for_intelligence_once(app):
    event = requested()
    event = event.model_copy(update={"form": "cmr-level-1"})
    handle(app, event, "e-1")
    handle(app, event, "e-1")  # the same event published again

    [asked] = app.inbox("locality-manager")
    assert asked["subject"] == "Intelligence requested: monitoring of provider oakwood"
    assert asked["about_event_type"] == "IntelligenceRequested"


def test_held_items_go_out_in_one_digest_per_recipient_once(app):
    handle(app, concern("c-1", safety=False), "e-1")
    handle(app, concern("c-2", safety=False, provider_id="elm"), "e-2")
    app.derive_deliveries(NOW)
    at = NOW + timedelta(days=1)

    first = app.run_schedule(at)
    again = app.run_schedule(at)

    assert (first.digests, again.digests) == (1, 0)
    [digest] = [d for d in app.deliveries() if d["about_event_type"] == "Digest"]
    assert digest["status"] == Status.PENDING and digest["recipient"] == "contract-manager"
    assert digest["subject"].endswith(": 2 notifications")
    assert {d["status"] for d in app.deliveries() if d["hold"]} == {Status.BUNDLED}


def test_an_item_held_after_the_days_digest_fell_due_waits_for_the_next(app):
    handle(app, concern("c-1", safety=False), "e-1")
    app.derive_deliveries(NOW)

    assert app.run_schedule(NOW).digests == 0  # today's digest fell due before it was held


# Inboxes ------------------------------------------------------------------------------------------


def test_a_person_reads_their_roles_inboxes_with_their_own_read_marks(app):
    handle(app, concern("c-1", safety=True), "e-1")
    [item] = app.user_inbox("sam")

    app.mark_read(UUID(item["notification_id"]), "sam")

    assert list(app.user_inbox("sam", unread_only=True)) == []
    assert list(app.user_inbox("ann", unread_only=True)) != []  # ann's own marks
    assert app.inbox("operations")[0]["read"] is True


def test_a_contract_manager_sees_only_the_providers_they_manage(app):
    handle(app, awarded("oakwood", "Ann Manager"), "e-1")
    handle(app, awarded("elm", "Bob Other"), "e-2")
    handle(app, concern("c-1", safety=False, provider_id="oakwood"), "e-3")
    handle(app, concern("c-2", safety=False, provider_id="elm"), "e-4")

    assert {n["provider_id"] for n in app.user_inbox("ann")} == {"oakwood"}
    assert {n["provider_id"] for n in app.inbox("contract-manager")} == {"oakwood", "elm"}


def test_a_person_not_in_the_configuration_has_no_inbox(app):
    with pytest.raises(NotFound):
        app.user_inbox("nobody")


def test_an_overdue_return_reminds_the_provider_and_tells_the_contract_manager(app):
    handle(app, requested(), "e-1")
    handle(app, intake.ReturnOverdue(
        provider_id="oakwood", request_id="req-1", contract_reference="oakwood-1", form="kpi",
        due_on=date(2026, 7, 15), overdue_on=date(2026, 7, 16)), "e-2")

    [overdue] = [n for n in app.inbox("provider-oakwood")
                 if n["about_event_type"] == "ReturnOverdue"]
    assert overdue["reference"] == "req-1" and overdue["may_wait"] is False
    assert [n["about_event_type"] for n in app.inbox("contract-manager")] == ["ReturnOverdue"]
    assert app.run_schedule(datetime(2026, 7, 16, 9, 0)).reminders == 0
