"""The dispatcher: sends what is due, as soon as it is recorded, and records how it went.

Runs while the service runs (in every instance). It wakes on every commit of the store, turns
new notifications into deliveries and sends their first attempts at once (an urgent message
waits for nothing but the commits that make it safe), and otherwise wakes when a retry or an
expired lease falls due. Store calls run in worker threads; sends run in the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.notify.application.deliveries import Outcome
from services.notify.domain.delivery import Outgoing
from shared.observability import tracing

if TYPE_CHECKING:
    from services.notify.adapters.channels import Channels
    from services.notify.application.notifications import Notifications

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0  # look again this often anyway: other instances' commits do not wake us
STOP_GRACE_SECONDS = 5.0


def now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Sends deliveries through the channels, at most `concurrency` at a time."""

    def __init__(self, app: Notifications, channels: Channels, concurrency: int = 8) -> None:
        self.app = app
        self.channels = channels
        self.busy: set[UUID] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        # Urgent messages have slots of their own: they never queue behind routine ones.
        self._slots = {True: asyncio.Semaphore(concurrency), False: asyncio.Semaphore(concurrency)}
        self._wake = asyncio.Event()
        self._outcomes: list[Outcome] = []
        self._recorder: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()
        app.on_recorded(self._on_commit)

    def _on_commit(self) -> None:
        # Called after every commit of the store, from any thread.
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to wake
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self._wake.clear()
            try:
                await self.cycle()
            except Exception:  # noqa: BLE001 - store unavailable: look again shortly
                log.exception("notify dispatcher cycle failed")
            await self._sleep(stopping)
        await self._finish()

    async def cycle(self) -> int:
        """Starts every attempt due now; returns how many it started."""
        started = 0
        while outgoing := await asyncio.to_thread(self.app.derive_deliveries, now()):
            started += self._start_all(outgoing)
        due = await asyncio.to_thread(self.app.claim_due, now(), set(self.busy))
        return started + self._start_all(due)

    def _start_all(self, outgoing: list[Outgoing]) -> int:
        for item in sorted(outgoing, key=lambda o: not o.urgent):
            self.busy.add(item.delivery_id)
            task = asyncio.create_task(self._send(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(outgoing)

    async def _send(self, outgoing: Outgoing) -> None:
        async with self._slots[outgoing.urgent]:
            self._failpoint("before-send", outgoing)
            try:
                with tracing.delivering(outgoing.traceparent, outgoing.channel):
                    await self.channels.send(outgoing)
            except Exception as error:  # noqa: BLE001 - every failure is a failed attempt
                self._record(Outcome(outgoing, now(), _describe(error)))
                return
            self._failpoint("after-send", outgoing)
            self._record(Outcome(outgoing, now()))

    def _record(self, outcome: Outcome) -> None:
        # Outcomes are recorded in batches, one transaction each: under load that is one commit
        # for many messages instead of one per message.
        self._outcomes.append(outcome)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_all())

    async def _record_all(self) -> None:
        while self._outcomes:
            batch, self._outcomes = self._outcomes, []
            try:
                await asyncio.to_thread(self.app.record_outcomes, batch)
            except Exception:  # noqa: BLE001 - the lease brings them back; a resend is recognisable
                log.exception("notify: could not record the outcome of %d attempt(s)", len(batch))
            finally:
                self.busy.difference_update(o.outgoing.delivery_id for o in batch)
                self._wake.set()

    def _failpoint(self, stage: str, outgoing: Outgoing) -> None:
        # A test's failpoint may raise a BaseException to play a crash: nothing is recorded,
        # and this instance never touches the delivery again, as if its process had died.
        if self.app.failpoint:
            self.app.failpoint(stage, outgoing)

    async def _sleep(self, stopping: asyncio.Event) -> None:
        timeout = IDLE_SECONDS
        next_due = await asyncio.to_thread(self.app.board.next_due, set(self.busy))
        if next_due is not None:
            timeout = min(timeout, max((next_due - now()).total_seconds(), 0.0))
        waits = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stopping.wait())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()

    async def _finish(self) -> None:
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()  # not recorded as sent: the lease brings it back after a restart
        if self._recorder is not None:
            await asyncio.wait([self._recorder], timeout=STOP_GRACE_SECONDS)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:1000]
