"""A partition's burst is applied in few commits, each provider in order, exactly once (issue 16).

A small application of the test's own (it keeps a roll of what it was told about each provider)
consumes intake's partition 0 through the real pull loop (shared/messaging/pulling.py), on real
NATS and on SQLite and PostgreSQL. Every one of its store transactions is counted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import nats
import pytest
from eventsourcing.domain import Aggregate, event
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from shared.contracts.envelope import partition_of, wrap
from shared.contracts.intake import ProviderRegistered
from shared.eventstore import Processing, ServiceApplication
from shared.messaging.consumer import TrackedConsumer, ensure_consumer, tracking_name
from shared.messaging.pulling import PartitionPuller
from shared.messaging.topology import Topology, message_id
from shared.runtime import ensure_stream
from shared.settings import AssureSettings
from tests.support import eventually

pytestmark = pytest.mark.integration

POISON = "poison"


class Roll(Aggregate):
    """What one provider was said to be called, in the order it was said."""

    @event("Started")
    def __init__(self, provider_id: str) -> None:
        self.provider_id = provider_id
        self.names: list[str] = []

    @staticmethod
    def create_id(provider_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"roll:{provider_id}")

    @event("Noted")
    def note(self, name: str, correlation_id: str) -> None:
        self.names.append(name)


class Rolls(ServiceApplication):
    """Notes each provider's registered name; a name of `poison` always fails."""

    service = "rolls"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.commits = 0

    @ServiceApplication.policy.register
    def _(self, event: ProviderRegistered, processing: Processing) -> None:
        if event.name == POISON:
            raise ValueError("a name this application cannot take")
        try:
            roll = self.repository.get(Roll.create_id(event.provider_id))
        except Exception:  # noqa: BLE001 - not there yet
            roll = Roll(event.provider_id)
        assert processing.envelope is not None
        roll.note(event.name, processing.envelope.correlationid)
        processing.collect_events(roll)

    def _record(self, processing_event: Any) -> Any:
        self.commits += 1  # one call, one store transaction
        return super()._record(processing_event)

    def names(self, provider_id: str) -> list[str]:
        try:
            return list(self.repository.get(Roll.create_id(provider_id)).names)
        except Exception:  # noqa: BLE001
            return []


TOPOLOGY_PARTITIONS = 2
PROVIDERS = [p for p in (f"batch{n}" for n in range(40))
             if partition_of(p, TOPOLOGY_PARTITIONS) == 0][:4]


@pytest.fixture
def batch_settings(settings: AssureSettings) -> AssureSettings:
    assert settings.partitions == TOPOLOGY_PARTITIONS
    return settings.model_copy(update={"consumer_batch": 64, "max_deliver": 3})


@pytest.fixture
def rolls(batch_settings: AssureSettings) -> Any:
    batch_settings.prepare_store(Rolls.service)
    app = Rolls(batch_settings.eventstore_env(Rolls.service))
    app.views.start()
    yield app
    app.close()


@contextlib.asynccontextmanager
async def pulling(app: Rolls, settings: AssureSettings) -> AsyncIterator[PartitionPuller]:
    """The pull loop the runtime runs for intake's partition 0, stopped as the runtime stops it."""
    nc = await nats.connect(settings.nats_url)
    stopping = asyncio.Event()
    consumer = TrackedConsumer(app, "intake", 0, settings.max_deliver,
                               event_types=("ProviderRegistered",), batch=settings.consumer_batch)
    puller = PartitionPuller(consumer, nc, Topology.from_settings(settings), settings, stopping,
                             filter_lists=True)
    task = asyncio.create_task(puller.run())
    try:
        yield puller
    finally:
        stopping.set()
        await asyncio.wait_for(task, 30)
        await nc.close()


async def publish(settings: AssureSettings, told: list[tuple[str, str]], first: int = 1) -> None:
    """Intake's messages as its relay publishes them: (provider, name), positions from `first`."""
    topology = Topology.from_settings(settings)
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, topology, "intake")
        for position, (provider_id, name) in enumerate(told, start=first):
            registered = ProviderRegistered(provider_id=provider_id, name=name)
            envelope = wrap(registered, event_id=f"e{position}", time=datetime.now(UTC),
                            correlation_id=f"c{position}")
            await js.publish(topology.subject(registered), envelope.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": message_id("intake", position)},
                             stream=topology.stream("intake"), timeout=5)
    finally:
        await nc.close()


async def delete_durable(settings: AssureSettings) -> None:
    """As an operator resetting a consumer would: every message is delivered again."""
    topology = Topology.from_settings(settings)
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().delete_consumer(topology.stream("intake"), "rolls-intake-p0")
    finally:
        await nc.close()


def burst(rounds: int, poison_at: int | None = None, first: int = 0) -> list[tuple[str, str]]:
    """Each provider's names name-<first>, ... interleaved across providers."""
    told = [(p, f"name-{n}") for n in range(first, first + rounds) for p in PROVIDERS]
    if poison_at is not None:
        told.insert(poison_at, (PROVIDERS[0], POISON))
    return told


async def settled(app: Rolls, position: int) -> bool:
    return await asyncio.to_thread(app.position, tracking_name("intake", 0)) >= position


async def test_a_burst_is_applied_in_few_commits_each_provider_in_order_exactly_once(
    batch_settings, rolls,
):
    told = burst(rounds=10)
    await publish(batch_settings, told)
    async with pulling(rolls, batch_settings):
        await eventually(lambda: settled(rolls, len(told)), timeout=60, what="the burst applied")
    commits = rolls.commits
    # Runs of one message per provider: far fewer transactions than messages.
    assert 0 < commits < len(told) // 2, commits
    for provider_id in PROVIDERS:
        assert rolls.names(provider_id) == [f"name-{n}" for n in range(10)], provider_id
    assert rolls.position(tracking_name("intake", 0)) == len(told)
    # Each message's events carry its own envelope's correlation id.
    roll = rolls.repository.get(Roll.create_id(PROVIDERS[1]))
    noted = [e for e in rolls.events.get(roll.id) if type(e).__name__ == "Noted"]
    expected = [f"c{i}" for i, (p, _) in enumerate(told, start=1) if p == PROVIDERS[1]]
    assert [e.correlation_id for e in noted] == expected

    # The same messages delivered again change nothing and commit nothing.
    await delete_durable(batch_settings)
    async with pulling(rolls, batch_settings) as puller:
        await eventually(lambda: consumer_drained(batch_settings, puller), timeout=60,
                         what="every message delivered again")
    assert rolls.commits == commits
    for provider_id in PROVIDERS:
        assert rolls.names(provider_id) == [f"name-{n}" for n in range(10)], provider_id


async def consumer_drained(settings: AssureSettings, puller: PartitionPuller) -> bool:
    topology = Topology.from_settings(settings)
    nc = await nats.connect(settings.nats_url)
    try:
        info = await nc.jetstream().consumer_info(topology.stream("intake"),
                                                  puller.consumer.durable)
    except NotFoundError:
        return False  # not bound again yet
    finally:
        await nc.close()
    return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0


async def test_a_poison_message_in_the_middle_of_a_batch_is_parked_and_the_rest_applied(
    batch_settings, rolls,
):
    told = burst(rounds=6, poison_at=9)
    await publish(batch_settings, told)
    async with pulling(rolls, batch_settings):
        await eventually(lambda: settled(rolls, len(told)), timeout=60, what="the batch applied")
        await eventually(lambda: asyncio.to_thread(rolls.dead_letters_waiting), timeout=30,
                         what="the poison message parked")
    assert rolls.dead_letters_waiting() == 1
    [letter] = rolls.dead_letters().items
    assert letter["attempts"] == batch_settings.max_deliver
    for provider_id in PROVIDERS:
        assert rolls.names(provider_id) == [f"name-{n}" for n in range(6)], provider_id
    assert rolls.position(tracking_name("intake", 0)) == len(told)


async def test_one_instance_at_a_time_pulls_a_partition_and_another_takes_over(
    batch_settings, rolls,
):
    # With a batch in flight, two instances pulling one durable at once could apply a
    # provider's later message before its earlier one: a lease per partition prevents it.
    one, two = (batch_settings.model_copy(update={"instance_id": name}) for name in ("1", "2"))
    earlier, later = burst(rounds=5), burst(rounds=5, first=5)
    await publish(batch_settings, earlier)
    async with contextlib.AsyncExitStack() as second_instance:
        async with pulling(rolls, one) as first:
            await eventually(lambda: _later(first.lease.held), what="the first to take the lease")
            second = await second_instance.enter_async_context(pulling(rolls, two))
            await eventually(lambda: settled(rolls, len(earlier)), timeout=60,
                             what="the first half applied")
            assert not second.lease.held
        # The first stopped: the second takes the partition over and goes on from there.
        await publish(batch_settings, later, first=len(earlier) + 1)
        await eventually(lambda: settled(rolls, len(earlier) + len(later)), timeout=60,
                         what="the second half applied by the other instance")
        assert second.lease.held
    for provider_id in PROVIDERS:
        assert rolls.names(provider_id) == [f"name-{n}" for n in range(10)], provider_id


async def _later(value: Any) -> Any:
    return value


async def test_messages_a_dead_holder_took_are_applied_before_anything_newer(
    batch_settings, rolls,
):
    # An instance fetched the partition's first messages and died without acknowledging them;
    # JetStream delivers them again only after `ack_wait`, while newer ones could be fetched at
    # once. Applying the newer first would leave the older ones behind the partition's position.
    earlier, later = burst(rounds=2), burst(rounds=3, first=2)
    await publish(batch_settings, earlier)
    topology = Topology.from_settings(batch_settings)
    consumer = TrackedConsumer(rolls, "intake", 0, batch_settings.max_deliver,
                               event_types=("ProviderRegistered",),
                               batch=batch_settings.consumer_batch)
    nc = await nats.connect(batch_settings.nats_url)
    try:
        js = nc.jetstream()
        await ensure_consumer(js, consumer, topology, batch_settings.ack_wait_seconds, True)
        dead = await js.pull_subscribe_bind(durable=consumer.durable,
                                            stream=topology.stream("intake"))
        taken = await dead.fetch(len(earlier), timeout=10)
        assert len(taken) == len(earlier)
        await dead.unsubscribe()
    finally:
        await nc.close()
    await publish(batch_settings, later, first=len(earlier) + 1)
    async with pulling(rolls, batch_settings):
        await eventually(lambda: settled(rolls, len(earlier) + len(later)), timeout=60,
                         what="every message applied")
    for provider_id in PROVIDERS:
        assert rolls.names(provider_id) == [f"name-{n}" for n in range(5)], provider_id


async def test_a_message_alone_is_fetched_without_asking_for_the_rest_of_a_batch(
    batch_settings, rolls, monkeypatch,
):
    asked: list[int] = []
    fetch = JetStreamContext.PullSubscription.fetch

    async def counted(self: Any, batch: int = 1, *args: Any, **kwargs: Any) -> Any:
        asked.append(batch)
        return await fetch(self, batch, *args, **kwargs)

    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", counted)
    async with pulling(rolls, batch_settings):
        for n, told in enumerate(burst(rounds=1)[:3], start=1):
            await publish(batch_settings, [told], first=n)
            await eventually(lambda n=n: settled(rolls, n), timeout=60, what="applied")

    # Each came alone, the server saying none was waiting after it: no top-up fetch.
    assert set(asked) == {1}, asked
    assert [rolls.names(p) for p in PROVIDERS[:3]] == [["name-0"]] * 3
