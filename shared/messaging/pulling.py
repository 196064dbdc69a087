"""Pulling one upstream partition's durable in batches, one instance at a time, with nats-py.

Why nats-py and not a FastStream subscriber: FastStream hands each message through several
layers and a thread of its own; a batch fetched with nats-py is decoded once and applied in a few
commits (batches.py). The AsyncAPI catalogue never read the running subscribers: it is built
from the contracts (assure/asyncapi.py).

Why a lease per partition (shared/messaging/lease.py, keyed by the durable's name): with a batch
in flight (`max_ack_pending` is the batch size) two instances pulling one durable would each hold
part of the partition at once, and one could apply a provider's later message before another
applied its earlier one, which would then be skipped as done (tracking is a position). The
instance holding the lease pulls; another takes over within the lease's time to live should it
stop, and at once when it stops cleanly (it hands back what it had not finished, in order).

For the same reason a batch is never applied while a message before it is out with nobody: one
delivered to a holder that died, or lost with a connection. With one message in flight such a
message held the partition until JetStream delivered it again (`ack_wait`); with a batch in
flight, the next fetch would bring newer ones. So after taking a partition over, binding again
or reconnecting, the puller checks that every message waiting for an ack is in its hand (the
durable's `num_ack_pending`), and until it is, hands its batch back and waits. A batch is
applied in the stream's order, redelivered messages (which come first) included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from shared.messaging.batches import BatchApplier, Stopping
from shared.messaging.consumer import TrackedConsumer, ensure_consumer
from shared.messaging.lease import Lease, bucket_name
from shared.messaging.topology import Topology
from shared.settings import AssureSettings

log = logging.getLogger(__name__)

# How long a fetch waits for a first message (so a stop is noticed within it), then how long
# it waits to fill the rest of the batch: nats-py's fetch of n would otherwise wait out its whole
# timeout for the n-th message whenever fewer are waiting.
WAIT_SECONDS = 1.0
TOP_UP_SECONDS = 0.02
RETRY_SECONDS = 1.0
HAND_BACK_SECONDS = 0.25


class PartitionPuller:
    """Fetches one partition's messages in batches and applies them, while holding its lease."""

    def __init__(self, consumer: TrackedConsumer, nc: Client, topology: Topology,
                 settings: AssureSettings, stopping: asyncio.Event, filter_lists: bool) -> None:
        self.consumer = consumer
        self.nc = nc
        self.topology = topology
        self.settings = settings
        self.stopping = stopping
        self.filter_lists = filter_lists
        self.lease = Lease(nc.jetstream(), bucket_name(settings.namespace), consumer.durable,
                           ttl=settings.relay_lease_seconds, holder=settings.instance,
                           replicas=settings.stream_replicas)
        self.applier = BatchApplier(consumer, stopping)
        self._sub: JetStreamContext.PullSubscription | None = None
        self._checked = False  # whether nothing of the partition is out with nobody
        self._reconnects = nc.stats["reconnects"]

    async def run(self) -> None:
        """Pulls until the runtime stops; survives NATS restarting (it retries)."""
        with contextlib.suppress(Exception):  # NATS away: the keeper tries again
            await self.lease.acquire()
        keeper = asyncio.create_task(self._keep_lease(), name=f"{self.consumer.durable}-lease")
        try:
            while not self.stopping.is_set():
                if self.lease.held:
                    await self._pull()
                else:
                    self._checked = False  # whoever held it may have died holding a batch
                    await self._wait(self.lease.renew_every)
        except Stopping:
            await self.applier.nak_unsettled()
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper  # so the lease is released at the revision it was last renewed to
            await self._close()

    async def _pull(self) -> None:
        try:
            msgs = await self._fetch()
        except TimeoutError:
            return  # nothing waiting
        except Exception:  # noqa: BLE001 - NATS restarting, the durable gone: bind again
            log.warning("%s: fetch failed; binding again", self.consumer.durable, exc_info=True)
            self._checked = False
            await self._unbind()
            await self._wait(RETRY_SECONDS)
            return
        msgs.sort(key=lambda msg: msg.metadata.sequence.stream)
        self.applier.unsettled = msgs
        try:
            if await self._overtakes(msgs):
                await self.applier.nak_unsettled()  # in order: fetched again before newer ones
                await self._wait(HAND_BACK_SECONDS)
                return
            # A training clock's date as intake last moved it, for what the batch records
            # (notify's "received" on the council's day); on the real clock, nothing to read.
            await self.consumer.app.clock.current()
            await self.applier.apply(msgs)
        except Stopping:
            raise
        except Exception:  # noqa: BLE001 - NATS away, or a defect: hand the batch back, go on
            log.exception("%s: could not apply a batch", self.consumer.durable)
            self._checked = False
            with contextlib.suppress(Exception):
                await self.applier.nak_unsettled()
            await self._wait(RETRY_SECONDS)

    async def _overtakes(self, msgs: list[Msg]) -> bool:
        """Whether a message of the partition is out with nobody, so this batch must wait."""
        if self.nc.stats["reconnects"] != self._reconnects:
            self._reconnects, self._checked = self.nc.stats["reconnects"], False
        if any(msg.metadata.num_delivered > 1 for msg in msgs):
            self._checked = False  # something was not finished the first time
        if self._checked:
            return False
        consumer = self.consumer
        info = await self.nc.jetstream().consumer_info(
            self.topology.stream(consumer.upstream), consumer.durable)
        waiting = info.num_ack_pending or 0
        if waiting > len(msgs):
            log.info("%s: %d message(s) delivered before are not acknowledged yet; waiting for "
                     "them to come again", consumer.durable, waiting - len(msgs))
            return True
        self._checked = True
        return False

    async def _fetch(self) -> list[Msg]:
        if self._sub is None:
            self._sub = await self._bind()
        first = await self._first()
        # The server says with each message how many more wait for this durable: with none,
        # asking for the rest of a batch only waits out TOP_UP_SECONDS for nothing, a request
        # and an empty answer per message at any pace short of a burst (issue 16). Messages
        # delivered again are not counted there, so after a redelivery it always asks: the
        # batch must hold every message out before it may be applied (`_overtakes`).
        if self.consumer.batch == 1 or not first or self._alone(first[-1]):
            return first
        try:
            more = await self._sub.fetch(self.consumer.batch - 1, timeout=TOP_UP_SECONDS)
        except TimeoutError:
            more = []  # any that arrive later wait in the subscription for the next fetch
        return first + more

    @staticmethod
    def _alone(msg: Msg) -> bool:
        """Whether nothing else waits for the durable after this message."""
        return msg.metadata.num_pending == 0 and msg.metadata.num_delivered == 1

    async def _first(self) -> list[Msg]:
        """Waits up to WAIT_SECONDS for the first message, or until the runtime stops: a stop
        must not sit out every partition's wait (it made each test's system take seconds to
        stop). A message the server sends to a wait given up at a stop is not acknowledged and
        comes again after `ack_wait`, as one in flight at a crash does."""
        assert self._sub is not None
        fetching = asyncio.ensure_future(self._sub.fetch(1, timeout=WAIT_SECONDS))
        stopped = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({fetching, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not fetching.done():
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetching
            raise TimeoutError("stopping")
        return fetching.result()

    async def _bind(self) -> JetStreamContext.PullSubscription:
        js, consumer = self.nc.jetstream(), self.consumer
        await ensure_consumer(js, consumer, self.topology, self.settings.ack_wait_seconds,
                              self.filter_lists)
        # Its inbox is the connection's: the service's own when it connects with credentials.
        return await js.pull_subscribe_bind(durable=consumer.durable,
                                            stream=self.topology.stream(consumer.upstream))

    async def _unbind(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    async def _keep_lease(self) -> None:
        while not self.stopping.is_set():
            try:
                await self.lease.renew()  # takes it when free
            except Exception:  # noqa: BLE001 - NATS away: try again at the next turn
                log.warning("%s: could not renew its lease", self.consumer.durable,
                            exc_info=True)
            await self._wait(self.lease.renew_every)

    async def _close(self) -> None:
        with contextlib.suppress(Exception):
            await self.applier.nak_unsettled()
        await self._unbind()
        with contextlib.suppress(Exception):
            await self.lease.release()

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)
