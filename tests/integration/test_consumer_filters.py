"""Each durable consumer asks NATS only for the event types its service handles (issue 16).

On the bundled nats-server (2.15; subject filter lists need 2.10), whatever server the other
tests use: the four services do real work, and every message each application is handed is
counted against the upstream streams' contents."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest

import shared.runtime
from assure.services import ALL
from services.intake.application import Submission
from shared.eventstore import ServiceApplication
from shared.messaging.topology import Topology, event_types_from, notification_id_from
from shared.nats_server import EmbeddedNats
from shared.settings import AssureSettings
from tests.support import (
    SECTIONS_UNSAFE,
    cmr_answers,
    eventually,
    register_in_process,
    running,
    settled,
)

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Handed:
    """One message an application was handed by its consumer."""

    service: str
    upstream: str
    position: int
    event_type: str
    provider_id: str


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[Handed]:
    """Records every envelope a tracked consumer hands to any application."""
    found: list[Handed] = []
    original, original_run = ServiceApplication.handle, ServiceApplication.handle_run

    def hand(service: str, envelope, tracking) -> None:  # noqa: ANN001
        upstream = tracking.application_name.split("#")[0].lower()
        found.append(Handed(service, upstream, tracking.notification_id, envelope.type,
                            envelope.subject))

    def handle(self, envelope, tracking):  # noqa: ANN001, ANN202
        hand(self.service, envelope, tracking)
        return original(self, envelope, tracking)

    def handle_run(self, run):  # noqa: ANN001, ANN202
        # Counted once committed: a run that fails is handed again one message at a time.
        outcome = original_run(self, run)
        for envelope, tracking in run:
            hand(self.service, envelope, tracking)
        return outcome

    monkeypatch.setattr(ServiceApplication, "handle", handle)
    monkeypatch.setattr(ServiceApplication, "handle_run", handle_run)
    return found


@pytest.fixture
def own(settings: AssureSettings, tmp_path: Path) -> Iterator[AssureSettings]:
    server = EmbeddedNats(tmp_path / "own-nats").start()
    try:
        yield settings.model_copy(update={"nats_url": server.url, "namespace": ""})
    finally:
        server.stop()


def register_and_submit(system, provider_id: str) -> None:  # noqa: ANN001
    """A provider, its contract and an unsafe return: events on every stream."""
    register_in_process(system, provider_id)
    submission = Submission("cmr-level-1", None, cmr_answers(SECTIONS_UNSAFE), "manager")
    system.apps["intake"].submit_return(f"{provider_id}-c1", submission, f"{provider_id}-1", "c")


async def stream_messages(url: str, upstream: str) -> list[tuple[int, str, str]]:
    """(notification id, event type, provider) of every message in an upstream's stream."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        stream = Topology(2).stream(upstream)
        last = (await js.stream_info(stream)).state.last_seq
        found = []
        for seq in range(1, last + 1):
            msg = await js.get_msg(stream, seq)
            _, _, _, provider_id, event_type = msg.subject.split(".")
            position = notification_id_from(msg.headers["Nats-Msg-Id"], upstream)
            found.append((position, event_type, provider_id))
        return found
    finally:
        await nc.close()


async def check_each_service_got_what_it_handles(
    system, handed: list[Handed], providers: set[str]  # noqa: ANN001
) -> int:
    """Every handled message of these providers handed once, nothing else; returns how many
    messages the services were spared."""
    spared = 0
    for definition in ALL:
        handles = system.apps[definition.name].handled_event_types()
        got = [h for h in handed if h.service == definition.name and h.provider_id in providers]
        assert {h.event_type for h in got} <= handles, definition.name
        for upstream in definition.consumes:
            wanted = event_types_from(upstream, handles)
            messages = [m for m in await stream_messages(system.nats_url, upstream)
                        if m[2] in providers]
            expected = sorted((p, t) for p, t, _ in messages if t in wanted)
            assert sorted((h.position, h.event_type) for h in got
                          if h.upstream == upstream) == expected, (definition.name, upstream)
            spared += len(messages) - len(expected)
    return spared


async def test_each_service_is_sent_only_the_events_it_handles(own, handed):
    async with running(own) as system:
        register_and_submit(system, "oakwood")
        await eventually(lambda: settled(system), timeout=60, what="the flow to settle")
        spared = await check_each_service_got_what_it_handles(system, handed, {"oakwood"})
    assert spared > 0  # the streams carried events some consumer does not handle


async def test_a_durable_made_by_the_old_code_is_narrowed_in_place_and_skips_nothing(
    own, handed
):
    with pytest.MonkeyPatch.context() as old_code:
        # The old code: every durable takes its whole partition (as for servers before 2.10).
        old_code.setattr(shared.runtime, "takes_filter_lists", lambda nc: False)
        async with running(own) as system:
            register_and_submit(system, "oakwood")
            await eventually(lambda: settled(system), timeout=60, what="the old flow to settle")
        assert {h.event_type for h in handed if h.service == "escalation"} > {"ConcernRaised"}
    # A backlog for escalation and notify, whose durables are still the old ones.
    async with running(own, services=("intake", "risk")) as system:
        register_and_submit(system, "birch")
        await eventually(lambda: settled(system), timeout=60, what="intake and risk")
    upgraded = len(handed)
    async with running(own) as system:
        await eventually(lambda: settled(system), timeout=60, what="the backlog")
        assert {h.provider_id for h in handed[upgraded:]} == {"birch"}  # nothing old again
        assert {h.service for h in handed[upgraded:]} >= {"escalation", "notify"}
        await check_each_service_got_what_it_handles(system, handed, {"birch"})
        nc = await nats.connect(system.nats_url)
        try:
            info = await nc.jetstream().consumer_info("RISK", "escalation-risk-p0")
        finally:
            await nc.close()
        assert info.config.filter_subjects == ["evt.risk.p0.*.ConcernRaised",
                                               "evt.risk.p0.*.ConcernRecurred"]
        assert not info.config.filter_subject
