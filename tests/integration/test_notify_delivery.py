"""Deliveries through real channels, on SQLite and PostgreSQL: a real SMTP server receives the
messages, a real webhook endpoint checks their signatures, and restarts send each message once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking

from services.notify.adapters.channels import channels_from
from services.notify.application import Notifications
from services.notify.application.dispatcher import Dispatcher
from services.notify.bootstrap import SERVICE as NOTIFY
from services.notify.domain.delivery import Status
from shared.contracts import intake, notify, risk
from shared.contracts.envelope import Envelope, IntegrationEvent, wrap
from shared.messaging.consumer import tracking_name
from shared.settings import AssureSettings
from tests.e2e.test_notify_sinks import SmtpSink, smtp_sink, webhook_receiver
from tests.support import eventually

pytestmark = pytest.mark.integration

FROM_RISK = tracking_name("risk", 0)
FROM_INTAKE = tracking_name("intake", 0)
WHEN = datetime(2026, 8, 15, 9, 30, tzinfo=UTC)
SECRET = "not-a-real-secret"
DUTY = "duty@council.test"


class Crash(BaseException):
    """Plays the process dying at a failpoint: nothing after it runs or is recorded."""


def envelope_of(event: IntegrationEvent, event_id: str) -> Envelope:
    return wrap(event, event_id=event_id, time=WHEN, correlation_id="corr-1")


def concern(concern_id: str = "concern-1", safety: bool = True,
            severity: str = "serious",
            summary: str = "medication errors reported in the return") -> Envelope:
    event = risk.ConcernRaised(
        provider_id="oakwood", concern_id=concern_id, category="safety" if safety else "quality",
        severity=severity, source="return analysis", summary=summary, evidence=["return-1"],
        safety_at_risk=safety,
    )
    return envelope_of(event, f"risk-event-{concern_id}")


def care_home_contract() -> Envelope:
    event = intake.ContractAwarded(
        provider_id="oakwood", contract_reference="OAK-1", service_type="care-home",
        annual_value="250000", regulator="care-inspectorate", start_date="2025-04-01",
        end_date=None, contract_manager="Ann Manager",
    )
    return envelope_of(event, "intake-event-contract")


CONFIG: dict[str, Any] = {
    "sender": "Contract Monitoring Team <monitoring@council.test>",
    "contacts": {
        "operations": {
            "email": [DUTY],
            "webhooks": ["ops-chat"],
            "by_service_type": {"care-home": {"email": ["care-homes@council.test"]}},
        },
        "contract-manager": {"email": ["contracts@council.test"], "digest": "daily"},
        "commissioning-manager": {"email": ["commissioning@council.test"]},
    },
    "users": {"ann": {"name": "Ann Manager", "roles": ["contract-manager"]}},
}


@pytest.fixture
def configured(settings: AssureSettings, tmp_path: Path) -> Iterator[Any]:
    """Settings for notify with the test's configuration file, SMTP server and webhook."""

    def configure(smtp_port: int | None, webhook_url: str = "http://127.0.0.1:9/none",
                  **overrides: Any) -> AssureSettings:
        config = {**CONFIG, "webhooks": {"ops-chat": {"url": webhook_url, "secret": SECRET}}}
        path = tmp_path / "notify.json"
        path.write_text(json.dumps(config))
        return settings.model_copy(update={
            "notify_config_file": path, "smtp_host": "127.0.0.1" if smtp_port else None,
            "smtp_port": smtp_port or 25, "smtp_tls": "none", "notify_retry_seconds": 0.05,
            "notify_max_attempts": 3, "notify_send_timeout_seconds": 1.0, **overrides,
        })

    yield configure


@contextlib.asynccontextmanager
async def notify_app(settings: AssureSettings) -> AsyncIterator[Notifications]:
    """notify's application with its dispatcher running, as in a running service."""
    app: Notifications = NOTIFY.build(settings)
    stopping = asyncio.Event()
    channels = channels_from(app.env, app.config)
    task = asyncio.create_task(Dispatcher(app, channels).run(stopping))
    try:
        yield app
    finally:
        stopping.set()
        await task
        await channels.close()
        app.close()


def handle(app: Notifications, envelope: Envelope, position: int, upstream: str = FROM_RISK):
    return app.handle(envelope, Tracking(upstream, position))


def published(app: Notifications) -> list[IntegrationEvent]:
    """The integration events notify's relay would publish, in order."""
    records = app.recorder.select_notifications(start=1, limit=1000)
    events = [app.to_integration(app.mapper.to_domain_event(r)) for r in records]
    return [e for e in events if e is not None]


def sent(sink: SmtpSink, count: int, subject: str = "", to: str | None = None):
    """A probe for `eventually`: at least `count` messages received (to one address)."""
    async def probe():
        found = [m for m in sink.messages(subject) if to is None or to in m.recipients]
        return found if len(found) >= count else None
    return probe


async def test_an_unsafe_concern_reaches_the_care_home_team_by_email_at_once(configured):
    with smtp_sink() as (sink, port):
        async with notify_app(configured(port)) as app:
            handle(app, care_home_contract(), 1, FROM_INTAKE)
            handle(app, concern(), 1)

            [mail] = await eventually(sent(sink, 1, to="care-homes@council.test"),
                                      what="the operations mail")
            [delivery] = [d for d in app.deliveries() if d["recipient"] == "operations"
                          and d["channel"] == "email"]

    message = mail.message
    assert mail.recipients == ["care-homes@council.test"]  # the team for the service type
    assert message["From"] == "Contract Monitoring Team <monitoring@council.test>"
    assert message["Reply-To"] == message["From"]  # the team's shared mailbox
    assert message["Subject"] == (
        "URGENT - people's safety may be at risk. Concern raised about provider oakwood")
    assert message["Importance"] == "high" and message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == f"<{delivery['delivery_id']}@assure.notify>"
    assert "medication errors reported in the return" in mail.text
    # Where to look, in words; the concern's id for machines alone, in the headers.
    assert "In Assure: Providers, then provider oakwood, under Issues and risk log." in mail.text
    assert "concern-1" not in mail.text
    assert message["X-Assure-Event-Id"] == "risk-event-concern-1"


async def test_a_sent_email_is_recorded_and_published_as_delivered(configured):
    with smtp_sink() as (sink, port):
        async with notify_app(configured(port)) as app:
            handle(app, concern(), 1)
            await eventually(sent(sink, 1, to=DUTY), what="the operations mail")

            async def recorded():
                found = [d for d in app.deliveries("sent") if d["recipient"] == "operations"]
                return found or None

            [delivery] = await eventually(recorded, what="the delivery recorded as sent")
            events = published(app)

    assert delivery["attempts"] == 1 and delivery["sent_at"] is not None
    emailed = [e for e in events if isinstance(e, notify.NotificationDelivered)
               and e.channel == "email" and e.recipient == "operations"]
    assert [e.delivery_id for e in emailed] == [delivery["delivery_id"]]
    assert emailed[0].about_event_id == "risk-event-concern-1"


async def test_a_chat_webhook_is_signed_and_carries_only_the_subject(configured):
    with smtp_sink() as (_, port):
        async with (
            webhook_receiver(SECRET) as (receiver, url),
            notify_app(configured(port, url)) as app,
        ):
            handle(app, concern(), 1)

            async def hooked():
                return receiver.hooks or None

            [hook] = await eventually(hooked, what="the chat webhook")
            [delivery] = [d for d in app.deliveries() if d["channel"] == "webhook:ops-chat"]

    assert hook.signed
    assert hook.body["urgent"] is True and hook.body["provider_id"] == "oakwood"
    assert hook.body["text"].startswith("URGENT - people's safety may be at risk.")
    assert "medication" not in json.dumps(hook.body)  # a chat channel gets no details
    assert hook.delivery_id == delivery["delivery_id"]


async def test_without_an_smtp_server_mail_is_written_to_a_folder(configured, settings):
    async with notify_app(configured(None)) as app:
        handle(app, concern(), 1)

        async def written():
            return sorted((settings.data_dir / "mail").glob("*.eml")) or None

        files = await eventually(written, what="an .eml file")

        async def all_sent():
            return not app.deliveries("pending") and not app.deliveries("dispatching")

        await eventually(all_sent, what="every delivery sent")
        emailed = {d["delivery_id"] for d in app.deliveries("sent") if d["channel"] == "email"}
    assert {path.stem for path in files} <= emailed
    text = files[0].read_text()
    assert "Message-ID: <" in text and "Subject:" in text


async def test_a_concern_delivered_twice_is_emailed_once(configured):
    with smtp_sink() as (sink, port):
        async with notify_app(configured(port)) as app:
            handle(app, concern(), 1)
            await eventually(sent(sink, 1, to=DUTY), what="the first mail")
            assert handle(app, concern(), 1).duplicate  # redelivered
            assert handle(app, concern(), 2).new_events == 0  # re-published
            handle(app, concern("concern-2", safety=True), 3)
            await eventually(sent(sink, 2, to=DUTY), what="the second concern")

            async def settled():
                return not app.deliveries("pending") and not app.deliveries("dispatching")

            await eventually(settled, what="nothing left to send")

    concerns = sink.messages("Concern raised")
    to_operations = [m for m in concerns if m.recipients == [DUTY]]
    assert len(to_operations) == 2  # one per concern, not three
    assert len({str(m.message["Message-ID"]) for m in concerns}) == len(concerns)


async def test_mail_goes_over_kept_connections_and_a_mail_server_restart_loses_none(configured):
    with smtp_sink() as (sink, port):
        async with notify_app(configured(port)) as app:

            async def settled():
                return not app.deliveries("pending") and not app.deliveries("dispatching")

            for n in (1, 2):  # one concern after another, each mailed before the next
                handle(app, concern(f"concern-{n}", safety=True), n)
                await eventually(sent(sink, n, to=DUTY), what=f"concern {n} mailed")
                await eventually(settled, what=f"concern {n}'s mail recorded")
            before = len(sink.connections)
            sink.restart()  # every kept connection dropped under the dispatcher
            handle(app, concern("concern-3", safety=True), 3)
            await eventually(sent(sink, 3, to=DUTY), what="concern 3 mailed after the restart")
            await eventually(settled, what="concern 3's mail recorded")
            emailed = [d for d in app.deliveries() if d["channel"] == "email"]

    mails = sink.messages("Concern raised")
    earlier = [m for m in mails if m.message["X-Assure-Event-Id"] != "risk-event-concern-3"]
    # Both concerns before the restart went over the connections the first one opened.
    assert before == len({m.connection for m in earlier})
    assert before < len(earlier)
    # After it: every message once, none given up or retried (the client reconnected).
    assert sorted(str(m.message["Message-ID"]) for m in mails) == sorted(
        f"<{d['delivery_id']}@assure.notify>" for d in emailed)
    assert {(d["status"], d["attempts"]) for d in emailed} == {(Status.SENT, 1)}


@pytest.mark.parametrize("stage", ["before-send", "after-send"])
async def test_a_crash_mid_delivery_is_resent_after_a_restart_as_the_same_message(
    configured, stage
):
    with smtp_sink() as (sink, port):
        settings = configured(port)
        crashed = asyncio.Event()

        def crash(at: str, outgoing: Any) -> None:
            if at == stage and outgoing.recipient == "operations":
                crashed.set()
                raise Crash(at)

        async with notify_app(settings) as app:
            app.failpoint = crash
            handle(app, concern(), 1)
            await asyncio.wait_for(crashed.wait(), 30)

        async with notify_app(settings) as restarted:  # the same store, a new process
            async def resent():
                found = [d for d in restarted.deliveries("sent")
                         if d["recipient"] == "operations" and d["channel"] == "email"]
                return found or None

            [delivery] = await eventually(resent, what="the delivery sent after the restart")
            events = [e for e in published(restarted)
                      if isinstance(e, notify.NotificationDelivered)
                      and e.delivery_id == delivery["delivery_id"]]

    copies = [m for m in sink.messages("Concern raised") if m.recipients == [DUTY]]
    assert {str(m.message["Message-ID"]) for m in copies} == {
        f"<{delivery['delivery_id']}@assure.notify>"}
    # Crashing before the hand-over sends it once; after it, the copy carries the same Message-ID.
    assert len(copies) == (1 if stage == "before-send" else 2)
    assert delivery["attempts"] == 2
    assert len(events) == 1


async def test_a_refused_message_is_retried_then_failed_listed_alerted_and_sent_again(
    configured
):
    with smtp_sink() as (sink, port):
        sink.refuse_with = "554 5.7.1 Relay access denied"
        async with notify_app(configured(port)) as app:
            handle(app, concern(), 1)

            async def failed():
                return [d for d in app.failures()
                        if d["recipient"] == "operations" and d["channel"] == "email"] or None

            [delivery] = await eventually(failed, what="the delivery given up")
            delivery_id = delivery["delivery_id"]
            assert delivery["status"] == Status.FAILED and delivery["attempts"] == 3
            assert "Relay access denied" in delivery["last_error"]
            [alert] = [n for n in app.inbox("system-operators")
                       if n["about_event_id"].startswith(f"{delivery_id}:failed")]
            assert alert["urgent"]
            assert alert["subject"] == "Not delivered: email message to operations"
            assert "after 3 attempts" in alert["body"] and "GET /notify/failures" in alert["body"]
            events = [e for e in published(app) if isinstance(e, notify.NotificationFailed)]
            assert delivery_id in {e.delivery_id for e in events}

            sink.refuse_with = None
            app.retry_failed(UUID(delivery_id), by="Operator")

            async def resent():
                return [m for m in sink.messages("Concern raised")
                        if m.recipients == [DUTY]] or None

            [mail] = await eventually(resent, what="the resent message")
            assert delivery_id not in {d["delivery_id"] for d in app.failures()}
    assert mail.message["Message-ID"] == f"<{delivery_id}@assure.notify>"


async def test_items_that_may_wait_go_out_in_one_daily_digest_and_urgent_ones_at_once(
    configured
):
    with smtp_sink() as (sink, port):
        async with notify_app(configured(port)) as app:
            handle(app, concern("concern-1", safety=False, severity="moderate",
                                summary="late care visits"), 1)
            handle(app, concern("concern-2", safety=False, severity="moderate",
                                summary="missed medication rounds"), 2)
            handle(app, concern("concern-3", safety=True, summary="a fall not reported"), 3)

            await eventually(sent(sink, 1, "URGENT"), what="urgent mail")

            async def held():
                found = app.deliveries("held")
                return found if len(found) == 2 else None

            await eventually(held, what="two deliveries held for the digest")
            tomorrow = datetime.now(UTC) + timedelta(days=1)  # the next 08:00 has passed
            first = app.run_schedule(tomorrow)
            again = app.run_schedule(tomorrow)

            [digest] = await eventually(sent(sink, 1, "daily digest"), what="the digest")

    assert (first.digests, again.digests) == (1, 0)
    assert digest.recipients == ["contracts@council.test"]
    assert digest.message["Subject"].startswith("Your daily digest for ")
    assert digest.message["Subject"].endswith(": 2 notifications")
    assert "late care visits" in digest.text
    assert "missed medication rounds" in digest.text
    assert "a fall not reported" not in digest.text
    urgent_to_manager = [m for m in sink.messages("URGENT")
                         if m.recipients == ["contracts@council.test"]]
    assert len(urgent_to_manager) == 1  # the urgent concern did not wait for the digest
