"""Delivery rules without I/O: attempts and leases, retries with backoff, giving up, digests,
reminders before the due date, addressing by role, locality and service type, and signatures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.notify.adapters.config_file import (
    NotifyConfigurationError,
    config_from_dict,
    load_notify_config,
)
from services.notify.domain.config import DAILY, WEEKLY, Schedule
from services.notify.domain.defaults import DEFAULT_CONFIG
from services.notify.domain.delivery import (
    Delivery,
    DeliveryNotFailed,
    NotDue,
    RetryPolicy,
    Status,
)
from services.notify.domain.digest import UK, digest_key, due_since
from services.notify.domain.directory import ProviderFacts, addresses_for
from services.notify.domain.reminders import ReturnReminders
from services.notify.domain.signing import signature, verify

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, first_delay=30, ceiling=100, lease=60)


def delivery(hold: str | None = None) -> Delivery:
    return Delivery(
        notification_id="n-1", provider_id="oakwood", recipient="operations", channel="email",
        addresses=["duty@council.test"], subject="s", body="b", urgent=True,
        about_event_id="e-1", about_event_type="ConcernRaised", reference=None, hold=hold)


# Attempts -----------------------------------------------------------------------------------


def test_one_delivery_per_notification_and_channel():
    assert Delivery.create_id("n-1", "email") == Delivery.create_id("n-1", "email")
    assert Delivery.create_id("n-1", "email") != Delivery.create_id("n-1", "webhook:chat")
    assert Delivery.create_id("n-1", "email") != Delivery.create_id("n-2", "email")


def test_an_attempt_is_recorded_before_the_message_leaves_with_a_stable_message_id():
    d = delivery()

    first = d.begin_attempt(T0, POLICY)

    assert (d.status, d.attempts, first.attempt) == (Status.DISPATCHING, 1, 1)
    assert first.message_id == f"<{d.id}@assure.notify>"


def test_a_delivery_queued_to_go_at_once_starts_its_first_attempt_in_the_same_event():
    fields = dict(notification_id="n-1", provider_id="oakwood", recipient="operations",
                  channel="email", addresses=["duty@council.test"], subject="s", body="b",
                  urgent=True, about_event_id="e-1", about_event_type="ConcernRaised",
                  reference=None)
    d = Delivery.queue(T0, POLICY, **fields)
    held = Delivery.queue(T0, POLICY, **fields, hold="daily")

    assert [type(e).__name__ for e in d.collect_events()] == ["Queued"]
    assert (d.status, d.attempts, d.due_at()) == (Status.DISPATCHING, 1, T0 + timedelta(
        seconds=60))
    assert d.outgoing().attempt == 1
    with pytest.raises(NotDue):
        d.begin_attempt(T0 + timedelta(seconds=59), POLICY)
    assert d.begin_attempt(T0 + timedelta(seconds=60), POLICY).attempt == 2  # its sender died
    assert (held.status, held.attempts, held.due_at()) == (Status.HELD, 0, None)


def test_an_attempt_in_flight_is_not_started_again_until_its_lease_runs_out():
    d = delivery()
    d.begin_attempt(T0, POLICY)

    with pytest.raises(NotDue):
        d.begin_attempt(T0 + timedelta(seconds=59), POLICY)
    again = d.begin_attempt(T0 + timedelta(seconds=60), POLICY)  # its sender died

    assert again.attempt == 2 and again.message_id == d.outgoing().message_id


def test_sending_is_recorded_once_and_only_by_the_attempt_that_holds_the_lease():
    d = delivery()
    d.begin_attempt(T0, POLICY)
    d.begin_attempt(T0 + timedelta(minutes=2), POLICY)

    assert d.sent(1, T0) is False  # a late answer from the lost attempt changes nothing
    assert d.sent(2, T0) is True
    assert d.sent(2, T0) is False
    assert d.status == Status.SENT


def test_a_failed_attempt_is_retried_after_a_doubling_wait_then_given_up():
    d = delivery()
    d.begin_attempt(T0, POLICY)
    assert d.attempt_failed(1, "refused", T0, POLICY) is False
    assert d.retry_at == T0 + timedelta(seconds=30)
    with pytest.raises(NotDue):
        d.begin_attempt(T0 + timedelta(seconds=29), POLICY)

    d.begin_attempt(T0 + timedelta(seconds=30), POLICY)
    assert d.attempt_failed(2, "refused", T0, POLICY) is False
    assert d.retry_at == T0 + timedelta(seconds=60)
    d.begin_attempt(T0 + timedelta(seconds=60), POLICY)

    assert d.attempt_failed(3, "still refused", T0, POLICY) is True
    assert (d.status, d.last_error, d.due_at()) == (Status.FAILED, "still refused", None)


def test_the_wait_between_retries_has_a_ceiling():
    assert POLICY.delay(10) == timedelta(seconds=100)


def test_an_operator_can_send_a_failed_delivery_again_under_the_same_id():
    d = delivery()
    for attempt in (1, 2, 3):
        d.begin_attempt(T0 + timedelta(hours=attempt), POLICY)
        d.attempt_failed(attempt, "refused", T0, POLICY)

    d.retry("Operator")
    again = d.begin_attempt(T0 + timedelta(hours=5), POLICY)

    assert again.attempt == 4 and again.delivery_id == d.id


def test_only_a_failed_delivery_can_be_sent_again_by_hand():
    with pytest.raises(DeliveryNotFailed):
        delivery().retry("Operator")


def test_a_held_delivery_waits_for_its_digest_and_is_never_attempted_on_its_own():
    d = delivery(hold=DAILY)

    with pytest.raises(NotDue):
        d.begin_attempt(T0, POLICY)
    d.bundle("digest:daily:2026-09-02:operations")

    assert (d.status, d.bundled_into) == (Status.BUNDLED, "digest:daily:2026-09-02:operations")


# Digests --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("at", "due"), [
    (datetime(2026, 9, 2, 8, 0, tzinfo=UK), datetime(2026, 9, 2, 8, 0, tzinfo=UK)),
    (datetime(2026, 9, 2, 7, 59, tzinfo=UK), datetime(2026, 9, 1, 8, 0, tzinfo=UK)),
    (datetime(2026, 9, 2, 23, 0, tzinfo=UK), datetime(2026, 9, 2, 8, 0, tzinfo=UK)),
])
def test_a_daily_digest_falls_due_at_eight_uk_time(at, due):
    assert due_since(DAILY, at, Schedule()) == due


def test_a_daily_digest_follows_uk_summer_time():
    # 07:30 UTC on 2 September is 08:30 in London (BST): the day's digest is due.
    at = datetime(2026, 9, 2, 7, 30, tzinfo=UTC)

    assert due_since(DAILY, at, Schedule()) == datetime(2026, 9, 2, 8, 0, tzinfo=UK)


def test_a_weekly_digest_falls_due_on_monday_morning():
    wednesday = datetime(2026, 9, 2, 12, 0, tzinfo=UK)

    assert due_since(WEEKLY, wednesday, Schedule()) == datetime(2026, 8, 31, 8, 0, tzinfo=UK)
    assert due_since(WEEKLY, wednesday, Schedule(digest_weekday=2, digest_hour=13)) == (
        datetime(2026, 8, 26, 13, 0, tzinfo=UK))


def test_a_digest_is_keyed_by_when_it_fell_due_so_it_goes_once():
    due = datetime(2026, 9, 2, 8, 0, tzinfo=UK)

    assert digest_key(DAILY, due, "contract-manager") == (
        "digest:daily:2026-09-02:contract-manager")


# Reminders before the due date (§4) -----------------------------------------------------------


def reminders() -> ReturnReminders:
    r = ReturnReminders(provider_id="oakwood", contract_reference="OAK-1", form="kpi",
                        period_start=date(2026, 4, 1), period_end=date(2026, 6, 30))
    r.schedule("r-1", date(2026, 7, 15))
    return r


@pytest.mark.parametrize(("today", "days"), [
    (date(2026, 7, 7), None), (date(2026, 7, 8), 7), (date(2026, 7, 11), 7),
    (date(2026, 7, 12), 3), (date(2026, 7, 14), 1), (date(2026, 7, 15), None),
])
def test_reminders_fall_due_seven_three_and_one_days_before(today, days):
    assert reminders().due_reminder(today, (7, 3, 1)) == days


def test_each_reminder_is_sent_once_and_a_late_run_sends_only_the_latest():
    r = reminders()
    r.remind(3)  # the schedule did not run on the 7-day date

    assert r.due_reminder(date(2026, 7, 13), (7, 3, 1)) is None
    assert r.due_reminder(date(2026, 7, 14), (7, 3, 1)) == 1


def test_a_return_sent_early_closes_its_reminders_even_before_the_request():
    r = ReturnReminders(provider_id="oakwood", contract_reference="OAK-1", form="kpi",
                        period_start=date(2026, 4, 1), period_end=date(2026, 6, 30))
    r.close("submitted")
    r.schedule("r-1", date(2026, 7, 15))

    assert r.due_reminder(date(2026, 7, 14), (7, 3, 1)) is None


# Addressing -------------------------------------------------------------------------------------


CONFIG = config_from_dict({
    "contacts": {
        "operations": {
            "email": ["duty@council.test"],
            "by_service_type": {"care-home": {"email": ["care-homes@council.test"]},
                                "care-at-home": {"email": ["home-care@council.test"]}},
        },
        "locality-manager": {
            "email": ["localities@council.test"],
            "by_locality": {"north": {"email": ["north@council.test"], "webhooks": ["north"]}},
        },
        "contract-manager": {"email": ["contracts@council.test"], "digest": "weekly"},
        "provider-oakwood": {"email": ["manager@oakwood.test"]},
    },
    "users": {"ann": {"name": "Ann Manager", "roles": ["contract-manager"],
                      "email": "ann@council.test"}},
    "webhooks": {"north": {"url": "https://chat.test/north", "secret": "s"}},
})


def test_operations_are_reached_through_the_team_for_each_service_the_provider_runs():
    provider = ProviderFacts("oakwood", service_types=frozenset({"care-home", "care-at-home"}))

    assert addresses_for("operations", provider, CONFIG).email == (
        "home-care@council.test", "care-homes@council.test")
    assert addresses_for("operations", ProviderFacts("elm"), CONFIG).email == (
        "duty@council.test",)


def test_a_locality_manager_is_the_one_for_the_providers_locality():
    north = addresses_for("locality-manager", ProviderFacts("oakwood", locality="north"), CONFIG)

    assert (north.email, north.webhooks) == (("north@council.test",), ("north",))
    assert addresses_for("locality-manager", ProviderFacts("elm", locality="south"),
                         CONFIG).email == ("localities@council.test",)


def test_the_nominated_contract_manager_is_emailed_personally_with_their_digest_preference():
    nominated = ProviderFacts("oakwood", contract_managers=frozenset({"Ann Manager"}))
    someone_else = ProviderFacts("elm", contract_managers=frozenset({"Bob Other"}))

    assert addresses_for("contract-manager", nominated, CONFIG).email == ("ann@council.test",)
    assert addresses_for("contract-manager", someone_else, CONFIG).email == (
        "contracts@council.test",)
    assert addresses_for("contract-manager", nominated, CONFIG).digest == WEEKLY


def test_providers_have_their_own_address_or_the_default_pattern():
    assert addresses_for("provider-oakwood", ProviderFacts("oakwood"), CONFIG).email == (
        "manager@oakwood.test",)
    assert addresses_for("provider-elm", ProviderFacts("elm"), CONFIG).email == (
        "elm@provider.invalid",)


def test_by_default_nothing_is_addressed_outside_reserved_invalid_domains():
    provider = ProviderFacts("oakwood")
    for role in (*DEFAULT_CONFIG.contacts, "provider-oakwood", "someone-new"):
        assert all(a.endswith(".invalid") for a in addresses_for(role, provider,
                                                                  DEFAULT_CONFIG).email)


def test_an_unknown_role_is_told_in_the_in_app_inbox_only():
    assert addresses_for("someone-new", ProviderFacts("oakwood"), CONFIG).email == ()


# Configuration ----------------------------------------------------------------------------------


def test_no_file_means_the_documented_defaults(tmp_path):
    assert load_notify_config(None) is DEFAULT_CONFIG
    assert load_notify_config("") is DEFAULT_CONFIG


@pytest.mark.parametrize(("text", "says"), [
    ("{", "is not JSON"),
    ('{"contacts": {"operations": {"emial": []}}}', "emial"),
    ('{"contacts": {"operations": {"digest": "hourly"}}}', "digest must be one of"),
    ('{"schedule": {"reminder_days": [0]}}', "reminder_days"),
    ('[]', "JSON object"),
])
def test_a_broken_configuration_file_is_refused_saying_why(tmp_path, text, says):
    path = tmp_path / "notify.json"
    path.write_text(text)

    with pytest.raises(NotifyConfigurationError, match=says):
        load_notify_config(path)


def test_a_missing_configuration_file_is_refused(tmp_path):
    with pytest.raises(NotifyConfigurationError, match="cannot read"):
        load_notify_config(tmp_path / "absent.json")


# Signatures -------------------------------------------------------------------------------------


def test_a_webhook_signature_checks_out_only_for_the_same_secret_body_and_time():
    body = b'{"text":"hello"}'
    signed = signature("secret", 1_800_000_000, body)

    assert signed.startswith("sha256=")
    assert verify("secret", "1800000000", body, signed, now=1_800_000_010)
    assert not verify("other", "1800000000", body, signed, now=1_800_000_010)
    assert not verify("secret", "1800000000", body + b" ", signed, now=1_800_000_010)
    assert not verify("secret", "1800000001", body, signed, now=1_800_000_010)


def test_an_old_signed_request_is_refused_as_a_replay():
    body = b"{}"
    signed = signature("secret", 1_800_000_000, body)

    assert not verify("secret", "1800000000", body, signed, now=1_800_000_000 + 301)
    assert not verify("secret", "not-a-time", body, signed, now=1_800_000_000)
