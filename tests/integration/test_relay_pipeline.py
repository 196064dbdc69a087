"""The pipelined outbox relay on a real NATS: a page is sent before its acknowledgements are
awaited, yet the stream holds each public event once, in the store's order, whatever fails in
the middle of a page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import nats
import nats.errors
import pytest
from nats.js.errors import APIError

from services.intake.application import Intake as IntakeApplication
from services.intake.bootstrap import build_intake
from shared.messaging import relay as relay_module
from shared.messaging.relay import OUTBOX, WRONG_LAST_MSG_ID, OutboxRelay
from shared.messaging.topology import Topology, message_id
from shared.runtime import ensure_stream
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration

PROVIDERS = 12


class FaultyJetStream:
    """The real JetStream context, with one publish of a page spoilt the way a test asks."""

    def __init__(self, js: Any, spoil_call: int, fault: str) -> None:
        self.js, self.spoil_call, self.fault, self.calls = js, spoil_call, fault, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.js, name)

    async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls != self.spoil_call:
            return await self.js.publish(subject, payload, **kwargs)
        if self.fault == "refused":
            # The server refuses it (expected stream does not match): nothing is stored.
            return await self.js.publish(subject, payload, **{**kwargs, "stream": "ELSEWHERE"})
        # "unacknowledged": stored, but its acknowledgement is lost on the way back.
        await self.js.publish(subject, payload, **kwargs)
        raise nats.errors.TimeoutError


@pytest.fixture
def intake(settings: AssureSettings) -> Iterator[IntakeApplication]:
    settings.prepare_store("intake")
    app = build_intake(settings.eventstore_env("intake"))
    for n in range(PROVIDERS):
        app.register_provider(f"Provider {n}", f"p{n}", "test", "c")
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
async def js(settings: AssureSettings) -> AsyncIterator[Any]:
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, Topology.from_settings(settings), "intake")
        yield js
    finally:
        await nc.close()


async def stream_ids(js: Any, stream: str) -> list[str]:
    """The Nats-Msg-Id of every message in the stream, in the stream's order."""
    info = await js.stream_info(stream)
    ids = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(stream, seq=seq)
        ids.append((msg.headers or {}).get("Nats-Msg-Id"))
    return [i for i in ids if i]


def public_ids(app: IntakeApplication) -> list[str]:
    """The message ids the relay should publish: every public notification, in order."""
    page = app.recorder.select_notifications(start=1, limit=1000)
    return [message_id(app.service, n.id) for n in page
            if app.to_integration(app.mapper.to_domain_event(n)) is not None]


def relay_for(app: IntakeApplication, js: Any, settings: AssureSettings) -> OutboxRelay:
    return OutboxRelay(app, js, Topology.from_settings(settings))


async def test_a_page_is_published_once_in_order_and_its_position_recorded(intake, js, settings):
    relay = relay_for(intake, js, settings)
    await relay.resync()
    handled = await relay.publish_pending()
    assert handled == intake.recorder.max_notification_id()
    expected = public_ids(intake)
    assert len(expected) >= PROVIDERS
    assert await stream_ids(js, relay.stream) == expected
    assert relay.position == intake.position(OUTBOX) == intake.recorder.max_notification_id()
    assert relay.last_msg_id == expected[-1]


async def test_a_message_refused_mid_page_is_not_skipped(intake, js, settings):
    spoilt = 4
    faulty = FaultyJetStream(js, spoil_call=spoilt, fault="refused")
    relay = relay_for(intake, faulty, settings)
    await relay.resync()
    with pytest.raises(APIError):
        await relay.publish_pending()
    expected = public_ids(intake)
    assert faulty.calls == len(expected)  # pipelined: the whole page went before any answer
    # The three before it are in; it is not, and neither is anything chained after it.
    assert await stream_ids(js, relay.stream) == expected[: spoilt - 1]
    assert message_id(intake.service, relay.position) == expected[spoilt - 2]
    assert intake.position(OUTBOX) == relay.position
    # The next round publishes the rest from where the acknowledged prefix ended.
    relay.js = js
    await relay.publish_pending()
    assert await stream_ids(js, relay.stream) == expected
    assert relay.position == intake.recorder.max_notification_id()


async def test_a_message_stored_but_unacknowledged_is_sent_again_and_dropped_as_a_copy(
    intake, js, settings
):
    spoilt = 5
    faulty = FaultyJetStream(js, spoil_call=spoilt, fault="unacknowledged")
    relay = relay_for(intake, faulty, settings)
    await relay.resync()
    with pytest.raises(nats.errors.TimeoutError):
        await relay.publish_pending()
    expected = public_ids(intake)
    assert await stream_ids(js, relay.stream) == expected  # the server stored them all
    # Only the acknowledged prefix counts as published.
    assert message_id(intake.service, relay.position) == expected[spoilt - 2]
    relay.js = js
    await relay.publish_pending()
    assert await stream_ids(js, relay.stream) == expected  # the copies were dropped
    assert relay.position == intake.recorder.max_notification_id()
    # And the chain still holds for what comes next.
    intake.register_provider("Later", "later", "test", "c")
    await relay.publish_pending()
    assert await stream_ids(js, relay.stream) == public_ids(intake)


async def test_a_stream_moved_by_someone_else_refuses_the_chain_until_a_resync(
    intake, js, settings
):
    relay = relay_for(intake, js, settings)
    await relay.resync()
    await relay.publish_pending()
    stream = relay.stream
    subject = f"{settings.namespace}.evt.intake.p0.foreign.Forged"
    await js.publish(subject, b"{}", stream=stream, headers={"Nats-Msg-Id": "forged:1"})
    for n in range(3):
        intake.register_provider(f"After {n}", f"after{n}", "test", "c")
    with pytest.raises(APIError) as refused:
        await relay.publish_pending()
    assert refused.value.err_code in WRONG_LAST_MSG_ID
    before = await stream_ids(js, stream)
    assert before[-1] == "forged:1"  # nothing of the new page got in behind the forged one
    await relay.resync()
    await relay.publish_pending()
    new = [i for i in public_ids(intake) if i not in before]
    assert len(new) >= 3
    assert await stream_ids(js, stream) == before + new


async def test_the_relays_loop_writes_its_position_once_there_is_nothing_left(
        intake, js, settings, monkeypatch):
    monkeypatch.setattr(relay_module, "PAGE", 5)  # the twelve providers in three pages
    monkeypatch.setattr(relay_module, "RECORD_EVERY_SECONDS", 3600.0)
    written: list[int] = []
    insert_tracking = intake.recorder.insert_tracking
    monkeypatch.setattr(intake.recorder, "insert_tracking",
                        lambda tracking: (written.append(tracking.notification_id),
                                          insert_tracking(tracking)))
    relay, stopping = relay_for(intake, js, settings), asyncio.Event()
    running = asyncio.create_task(relay.run(stopping, poll_seconds=0.05))
    last = intake.recorder.max_notification_id()

    async with asyncio.timeout(60):
        while intake.position(OUTBOX) < last:
            await asyncio.sleep(0.05)
    stopping.set()
    await running

    assert written == [last]  # once, when all was published; not after each of the pages
    assert await stream_ids(js, relay.stream) == public_ids(intake)
