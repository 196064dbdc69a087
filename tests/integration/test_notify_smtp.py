"""notify's SMTP client against a real SMTP server (aiosmtpd): one connection carries message
after message, an idle one is closed, and a server that restarts loses no message."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from services.notify.adapters.mail import SmtpMailer, SmtpServer
from services.notify.adapters.mime import email_for
from services.notify.domain.delivery import Outgoing
from tests.e2e.test_notify_sinks import SmtpSink, smtp_sink
from tests.support import eventually

pytestmark = pytest.mark.integration

SENDER = "Contract Monitoring Team <monitoring@council.test>"


def message(n: int, subject: str = "Concern raised: Café Brontë Care Home"):
    return email_for(Outgoing(
        delivery_id=UUID(int=n), attempt=1, channel="email", addresses=("duty@council.test",),
        subject=f"{subject} ({n})", body="Petty cash short by £5.", urgent=True,
        provider_id="bronte", about_event_type="ConcernRaised", about_event_id=f"e-{n}",
        recipient="operations"), SENDER)


def mailer(port: int, **options: float) -> SmtpMailer:
    return SmtpMailer(SmtpServer("127.0.0.1", port, tls="none", timeout=10), **options)


def message_ids(sink: SmtpSink) -> list[str]:
    return sorted(str(r.message["Message-ID"]) for r in sink.received)


async def test_messages_one_after_another_go_over_one_kept_connection():
    with smtp_sink() as (sink, port):
        smtp = mailer(port)
        for n in range(1, 6):
            await smtp.send(message(n))
        assert smtp.kept == 1
        await smtp.close()

    assert [r.connection for r in sink.received] == [1] * 5
    assert len(sink.connections) == 1 and sink.quits == 1
    assert {str(r.message["Subject"]) for r in sink.received} == {
        f"Concern raised: Café Brontë Care Home ({n})" for n in range(1, 6)}


async def test_messages_sent_at_once_share_at_most_the_connections_allowed():
    with smtp_sink() as (sink, port):
        smtp = mailer(port, connections=2)
        await asyncio.gather(*(smtp.send(message(n)) for n in range(1, 9)))
        await smtp.close()

    assert len(sink.received) == 8
    assert len(sink.connections) <= 2


async def test_a_connection_left_idle_is_closed_and_the_next_message_opens_another():
    with smtp_sink() as (sink, port):
        smtp = mailer(port, idle_seconds=0.2)
        await smtp.send(message(1))

        async def closed():
            return smtp.kept == 0 and sink.open_connections() == 0 and sink.quits == 1

        await eventually(closed, what="the idle connection closed with QUIT")
        await smtp.send(message(2))
        await smtp.close()

    assert [r.connection for r in sink.received] == [1, 2]


@pytest.mark.parametrize("noticed", [False, True], ids=["drop-met-by-the-send", "drop-seen"])
async def test_a_server_restart_between_messages_loses_none(noticed):
    with smtp_sink() as (sink, port):
        smtp = mailer(port)
        await smtp.send(message(1))
        await smtp.send(message(2))
        # The kept connection is dropped under the client. Without a pause the client's event
        # loop has not run since, so it still counts the connection as open and the next send
        # meets the closed connection itself; with one, it has seen the connection close.
        sink.restart()
        if noticed:
            await eventually(_closed(smtp), what="the client seeing the drop")
        await smtp.send(message(3))
        await smtp.send(message(4))
        await smtp.close()

    assert message_ids(sink) == sorted(f"<{UUID(int=n)}@assure.notify>" for n in range(1, 5))
    assert [r.connection for r in sink.received] == [1, 1, 2, 2]


def _closed(smtp: SmtpMailer):
    async def probe():
        return not smtp._idle[0][0].is_connected
    return probe
