"""The running system tells people through real channels: a real SMTP server receives the mail,
a real webhook endpoint checks the signatures, and redelivery, restarts and a refusing mail
server each end in one message per person, or in a loud NotificationFailed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from tests.e2e.test_notify_sinks import (
    CARE_HOMES,
    CONTRACTS,
    SECRET,
    SmtpSink,
    notify_settings,
    smtp_sink,
    webhook_receiver,
)
from tests.support import eventually, register_with_contract, running, serving

pytestmark = pytest.mark.e2e

UPSTREAM = ("intake", "risk", "escalation")


class Crash(BaseException):
    """Plays notify's process dying at a failpoint."""


def mail_to(sink: SmtpSink, address: str, subject: str = "", count: int = 1):
    async def probe():
        found = [m for m in sink.messages(subject) if address in m.recipients]
        return found if len(found) >= count else None
    return probe


async def report_unsafe(http: httpx.AsyncClient, provider_id: str, key: str = "r-1") -> None:
    answer = await http.post(
        f"/intake/providers/{provider_id}/concerns", headers={"Idempotency-Key": key},
        json={"source": "operational-staff", "safety_at_risk": True,
              "description": "A resident was left without medication overnight",
              "reported_by": "Duty social worker"})
    assert answer.status_code in (200, 201), answer.text


async def contract_known(app: Any, provider_id: str) -> None:
    """Waits until notify knows the provider's services, so mail goes to the service's team."""

    async def known():
        return app.provider_facts(provider_id).service_types

    await eventually(known, timeout=30, what="notify learning the provider's contract")


async def count_on_stream(url: str, namespace: str, provider_id: str, event_type: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(
            f"{namespace.upper()}_NOTIFY",
            subjects_filter=f"{namespace}.evt.notify.*.{provider_id}.{event_type}")
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def deliveries(http: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    return (await http.get("/notify/deliveries", params=params)).json()


async def test_an_unsafe_concern_reaches_the_service_team_by_mail_and_chat_at_once(
    settings, tmp_path
):
    with smtp_sink() as (sink, port):
        async with webhook_receiver(SECRET) as (receiver, hook_url):
            configured = notify_settings(settings, tmp_path, port, hook_url)
            async with (
                running(configured) as system,
                serving(system) as url,
                httpx.AsyncClient(base_url=url) as http,
            ):
                await register_with_contract(http, "oakwood")
                await contract_known(system.apps["notify"], "oakwood")
                await report_unsafe(http, "oakwood")

                [mail] = await eventually(mail_to(sink, CARE_HOMES, "URGENT"),
                                          what="the care-home team's mail")

                async def hooked():
                    return [h for h in receiver.hooks if h.body["about"] == "ConcernRaised"]

                [hook] = await eventually(hooked, what="the chat message")

                async def sent():
                    found = await deliveries(http, recipient="operations", status="sent")
                    return found if len(found) == 2 else None

                recorded = await eventually(sent, what="both deliveries recorded as sent")
                published = await eventually(
                    lambda: count_on_stream(system.nats_url, settings.namespace, "oakwood",
                                            "NotificationDelivered"),
                    what="NotificationDelivered published")
                inbox = (await http.get("/notify/inbox/operations")).json()

    assert mail.message["Subject"] == (  # by its registered name (issue 18)
        "URGENT - people's safety may be at risk. Concern raised about Oakwood")
    assert "left without medication overnight" in mail.text
    assert hook.signed and "medication" not in hook.body["text"]
    assert {d["channel"] for d in recorded} == {"email", "webhook:ops-chat"}
    [emailed] = [d for d in recorded if d["channel"] == "email"]
    assert mail.message["Message-ID"] == f"<{emailed['delivery_id']}@assure.notify>"
    assert emailed["addresses"] == [CARE_HOMES] and emailed["attempts"] == 1
    assert published >= 3  # in-app, e-mail and webhook deliveries to operations at least
    assert inbox[0]["urgent"] is True


async def test_notify_killed_between_commit_and_ack_tells_each_person_once(settings, tmp_path):
    redelivered: dict[tuple[str, int], int] = {}

    async def crash_first_time(name: str, position: int) -> None:
        # Only notify runs in this system, so every consumer here is notify's.
        redelivered[(name, position)] = redelivered.get((name, position), 0) + 1
        if redelivered[(name, position)] == 1:
            raise RuntimeError("simulated crash between commit and ack")

    with smtp_sink() as (sink, port):
        configured = notify_settings(settings, tmp_path, port)
        async with (
            running(configured, services=UPSTREAM) as system,
            serving(system) as url,
            httpx.AsyncClient(base_url=url) as http,
            running(configured, services=("notify",), after_commit=crash_first_time) as notifier,
        ):
            await register_with_contract(http, "oakwood")
            await contract_known(notifier.apps["notify"], "oakwood")
            await report_unsafe(http, "oakwood")
            await eventually(mail_to(sink, CARE_HOMES, "URGENT"), what="the urgent mail")

            async def every_message_twice():
                return redelivered and all(n >= 2 for n in redelivered.values())

            await eventually(every_message_twice, timeout=60, what="every message redelivered")
            app = notifier.apps["notify"]

            async def settled():
                return not app.deliveries("pending") and not app.deliveries("dispatching")

            await eventually(settled, what="nothing left to send")
            by_person = [(d["recipient"], d["channel"], d["about_event_type"])
                         for d in app.deliveries()]

    assert len(by_person) == len(set(by_person))  # one delivery per event, person and channel
    urgent = [m for m in sink.messages("URGENT") if CARE_HOMES in m.recipients]
    assert len(urgent) == 1
    assert len(sink.distinct()) == len(sink.received)


async def test_notify_restarted_mid_send_sends_the_same_message_once_more(settings, tmp_path):
    crashed = asyncio.Event()

    def crash_after_handing_over(stage: str, outgoing: Any) -> None:
        if stage == "after-send" and outgoing.addresses == (CARE_HOMES,):
            crashed.set()
            raise Crash("killed after the SMTP server accepted the message")

    with smtp_sink() as (sink, port):
        configured = notify_settings(settings, tmp_path, port)
        async with (
            running(configured, services=UPSTREAM) as system,
            serving(system) as url,
            httpx.AsyncClient(base_url=url) as http,
        ):
            async with running(configured, services=("notify",)) as notifier:
                notifier.apps["notify"].failpoint = crash_after_handing_over
                await register_with_contract(http, "oakwood")
                await contract_known(notifier.apps["notify"], "oakwood")
                await report_unsafe(http, "oakwood")
                await asyncio.wait_for(crashed.wait(), 60)

            async with running(configured, services=("notify",)) as restarted:
                app = restarted.apps["notify"]

                async def resent():
                    found = [d for d in app.deliveries("sent") if d["addresses"] == [CARE_HOMES]]
                    return found or None

                [delivery] = await eventually(resent, what="the resend after the restart")

    copies = [m for m in sink.received if CARE_HOMES in m.recipients]
    assert len(copies) == 2  # handed over, crashed, handed over again after the lease ran out
    assert {str(m.message["Message-ID"]) for m in copies} == {
        f"<{delivery['delivery_id']}@assure.notify>"}
    assert delivery["attempts"] == 2


async def test_a_mail_server_that_refuses_ends_in_notification_failed_shown_and_alerted(
    settings, tmp_path
):
    with smtp_sink() as (sink, port):
        sink.refuse_with = "550 5.1.1 Mailbox unavailable"
        configured = notify_settings(settings, tmp_path, port)
        async with (
            running(configured) as system,
            serving(system) as url,
            httpx.AsyncClient(base_url=url) as http,
        ):
            await register_with_contract(http, "oakwood")
            await contract_known(system.apps["notify"], "oakwood")
            await report_unsafe(http, "oakwood")

            async def failed():
                found = (await http.get("/notify/failures")).json()
                return [f for f in found if f["addresses"] == [CARE_HOMES]] or None

            [failure] = await eventually(failed, what="the failure listed for operators")
            published = await eventually(
                lambda: count_on_stream(system.nats_url, settings.namespace, "oakwood",
                                        "NotificationFailed"),
                what="NotificationFailed published")

            async def alerted():
                inbox = (await http.get("/notify/inbox/system-operators")).json()
                return [n for n in inbox if n["about_event_id"].startswith(
                    f"{failure['delivery_id']}:failed")] or None

            [alert] = await eventually(alerted, what="the operators alerted")

            sink.refuse_with = None
            retried = await http.post(f"/notify/failures/{failure['delivery_id']}/retry",
                                      json={})
            [mail] = await eventually(mail_to(sink, CARE_HOMES), what="the mail sent again")
            again = await http.post(f"/notify/failures/{failure['delivery_id']}/retry",
                                    json={})

    assert failure["status"] == "failed" and failure["attempts"] == 3
    assert "Mailbox unavailable" in failure["last_error"]
    assert published >= 1 and alert["urgent"] is True
    assert retried.status_code == 200 and again.status_code == 409
    assert mail.message["Message-ID"] == f"<{failure['delivery_id']}@assure.notify>"


async def test_what_may_wait_goes_out_in_a_daily_digest_when_the_schedule_runs(
    settings, tmp_path
):
    with smtp_sink() as (sink, port):
        configured = notify_settings(settings, tmp_path, port, config={"contacts": {
            "contract-manager": {"email": [CONTRACTS], "digest": "daily"}}})
        async with (
            running(configured) as system,
            serving(system) as url,
            httpx.AsyncClient(base_url=url) as http,
        ):
            await register_with_contract(http, "rowan")
            await http.post(
                "/intake/providers/rowan/concerns", headers={"Idempotency-Key": "c-1"},
                json={"source": "complaint", "safety_at_risk": False,
                      "description": "Meals often arrive cold", "reported_by": "A relative"})

            async def held():
                found = await deliveries(http, recipient="contract-manager", status="held")
                return found or None

            await eventually(held, what="the concern held for the digest")
            at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            first = (await http.post("/notify/schedule/run", json={"at": at})).json()
            second = (await http.post("/notify/schedule/run", json={"at": at})).json()
            [digest] = await eventually(mail_to(sink, CONTRACTS, "daily digest"),
                                        what="the digest")

    assert (first["digests"], second["digests"]) == (1, 0)
    assert "Meals often arrive cold" in digest.text
    assert not [m for m in sink.messages("Concern raised") if CONTRACTS in m.recipients]
