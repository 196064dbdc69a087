"""`assure up` by default: each service in a process of its own, supervised, so the embedded
default works every core (issue 16) where one Python process never used more than one.

The shape, and why:

- This process starts nats-server (as the one-process mode does), starts one worker process
  per service (`python -m assure.worker <service>`: its relay, tracked consumers, background
  jobs and views' follower, no HTTP), opens the four stores (each worker opens its own once it
  is made here: its first byte down the pipe below), then serves HTTP itself: the gateway, the
  console, the audit and the governance report, over the same stores opened here WITHOUT
  relays or consumers. A worker imports its own service alone, and this side makes its HTTP
  app while the workers start (issue 15: each worker imported all four services with their
  routes, and each was started only once this side had imported everything, made every store
  and connected to NATS for the ones before it). A command over HTTP is committed to the
  service's store here; the service's own process relays it. Every other route reads the
  stores (and the views, which a read brings up to date first), as before.
- Why the HTTP side writes to the stores itself rather than forwarding commands to the
  workers: the routes, their validation and their answers stay exactly those of the
  one-process mode (no second protocol to keep in step), and the stores are already safe
  with several writers: SQLite in WAL mode gives one writer at a time across processes
  (inserts wait out the lock: SQLITE_LOCK_TIMEOUT, 10 s), notification ids are rowids given under
  that lock, so they commit in order and a relay never skips one; PostgreSQL was already run
  with several instances of a service. Views kept by two processes stay correct: a page is
  applied only if it moves the view's position forward, its rows are upserts, and the
  position is read under the write lock (PostgreSQL's advisory lock; SQLite's BEGIN IMMEDIATE,
  shared/views/tables.py).
- Why a pipe and not NATS tells a worker of a commit here: a relay wakes at once after a commit
  in its own process (`on_recorded`) and otherwise polls every 0.5 s. The HTTP side writes one
  byte down the worker's standard input after a commit (coalesced), which wakes the worker's
  relay. (Not its views: the HTTP side brings up to date the views it reads, and a second
  follower of the same commits would compute each page twice; the worker's follower keeps up
  with the worker's own commits.) Core NATS would do it too, but the deployed NATS lets each
  service publish only its own subjects (deploy/nats/auth.conf). The same pipe is the worker's
  lifeline: at its end of input (this process gone, even by SIGKILL) the worker stops itself,
  so none is left orphaned.
- Background jobs (the daily schedule, reminders, the dispatcher) run only in the workers; the
  sharing link with other councils runs in intake's worker, as it applies to intake's store;
  the governance report's feed runs here, beside the report routes that read it.
- Supervision: a worker that ends while the system runs is started again after 1 s, doubling
  to 30 s while it keeps failing within 30 s of starting, each time logged; one that ends as
  `assure up` starts is tried 3 times, then `assure up` stops, naming it. Ctrl-C or SIGTERM
  stops the HTTP server, then the workers (SIGTERM; SIGKILL after 20 s), then nats-server.
  Workers share this process's group, so killing the group kills them too (a crash is a crash),
  and ignore SIGINT, so a terminal's Ctrl-C, which reaches the whole group, is answered here in
  that order. Their log lines come to this process's standard error, each tagged with the
  service (`[risk] ...`, or a `process` field in JSON).
- Readiness and /metrics here read each service's store (relay lag, views, dead letters) and ask
  NATS about its durable consumers through this process's own connection for the service; "its
  relay is running" means its worker process is running and said it had started.

`assure up --one-process` (ASSURE_PROCESSES=one) runs everything in one process, as the tests
do (assure/system.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats
from nats.aio.client import Client

import assure
from assure.system import System
from assure.worker import STARTED
from shared.eventstore import ServiceApplication
from shared.messaging.clock_bucket import bucket_name as clock_bucket
from shared.messaging.consumer import TrackedConsumer
from shared.messaging.credentials import connect_options
from shared.messaging.topology import Topology
from shared.runtime import tracked_consumers
from shared.service import ServiceDefinition
from shared.settings import AssureSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("assure")

FIRST_DELAY, LONGEST_DELAY = 1.0, 30.0  # seconds before starting a failed worker again
STEADY = 30.0  # a worker that ran this long before ending starts again after FIRST_DELAY
GRACE = 20.0  # seconds a worker has to stop after SIGTERM before it is killed
START_TIMEOUT = 120.0
START_ATTEMPTS = 3  # a worker that ends this many times as it starts fails `assure up`
POSTGRES_POOL_SIZE = 1  # connections each store keeps open (see SupervisedSystem.start)
WORKER_MAX_OVERFLOW = 4  # connections a worker's store may open beyond them, under load


class ServiceProcess:
    """One service's worker process, seen from the supervisor; also what readiness and
    /metrics ask of a runtime (its app, NATS connection, consumers, topology, relaying())."""

    def __init__(self, service: str, settings: AssureSettings, nats_url: str) -> None:
        self.service = service
        self.settings = settings
        self.nats_url = nats_url
        self.topology = Topology.from_settings(settings)
        self.app: ServiceApplication | None = None  # its store here, once it is made
        self.consumers: list[TrackedConsumer] = []
        self.started = asyncio.Event()
        self.process: asyncio.subprocess.Process | None = None
        self._nc: Client | None = None
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._watching: asyncio.Task[None] | None = None
        self._reading: asyncio.Task[None] | None = None
        self._wake_pending = False

    async def start(self) -> None:
        """Starts the worker, which imports its service meanwhile and opens its store once
        `store_made` says it exists; `until_started` waits for it."""
        await self._spawn()

    def store_made(self, definition: ServiceDefinition, app: ServiceApplication) -> None:
        """The service's store is made (here): the worker may open it. The worker takes the
        first byte down its pipe for that (assure/worker.py)."""
        self.app = app
        self.consumers = tracked_consumers(app, self.settings, tuple(definition.consumes))
        app.on_recorded(self._wake)
        self._send_wake()

    async def connect(self) -> None:
        """This side's own NATS connection for the service: the training clock, and the
        consumers' figures that readiness and /metrics give."""
        assert self.app is not None, "store_made() first"
        self._nc = await nats.connect(self.nats_url, max_reconnect_attempts=-1,
                                      name=f"{self.service}-http",
                                      **connect_options(self.settings, self.service))
        await self.app.connect_clock(self._nc.jetstream(), clock_bucket(self.settings.namespace),
                                     self.settings.stream_replicas)

    async def until_started(self, timeout: float = START_TIMEOUT) -> None:
        """Waits for the worker's `started`. A worker that ends first is started again (a
        database or NATS busy for a moment); one that ends START_ATTEMPTS times fails
        `assure up` (a setting that is wrong stays wrong)."""
        deadline = self._loop.time() + timeout
        attempt = 1
        while not self.started.is_set():
            assert self.process is not None
            if self.process.returncode is not None:
                if attempt == START_ATTEMPTS:
                    raise RuntimeError(f"{self.service} stopped as it started (exit code "
                                       f"{self.process.returncode}), {attempt} times; its "
                                       "log above says why")
                log.error("%s stopped as it started (exit code %s); starting it again in "
                          "%.0f s", self.service, self.process.returncode, attempt)
                await asyncio.sleep(attempt)
                attempt += 1
                await self._spawn()
            if self._loop.time() > deadline:
                raise TimeoutError(f"{self.service} did not start within {timeout:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.started.wait(), 0.2)
        self._watching = asyncio.create_task(self._supervise(), name=f"{self.service}-watch")

    def stopping(self) -> None:
        """The system is stopping: a worker that ends from now on is not started again."""
        self._stopping = True

    def relaying(self) -> bool:
        return self.started.is_set() and self.process is not None \
            and self.process.returncode is None

    async def _spawn(self) -> None:
        self.started.clear()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "assure.worker", self.service,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env=worker_environment(self.settings, self.nats_url),
        )
        self._reading = asyncio.create_task(self._read(self.process),
                                            name=f"{self.service}-stdout")
        log.info("%s runs in process %d", self.service, self.process.pid)
        if self.app is not None:  # started again: its store is there
            self._send_wake()

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        """The worker's standard output: `started`, or anything else it printed (passed on)."""
        assert process.stdout is not None
        async for line in process.stdout:
            if line.strip() == STARTED.encode():
                self.started.set()
            else:
                sys.stdout.write(f"[{self.service}] {line.decode(errors='replace')}")
                sys.stdout.flush()

    async def _supervise(self) -> None:
        delay = FIRST_DELAY
        while True:
            assert self.process is not None
            began = self._loop.time()
            code = await self.process.wait()
            if self._stopping:
                return
            if self._loop.time() - began >= STEADY:
                delay = FIRST_DELAY
            log.error("%s process %d ended unexpectedly (exit code %s); starting it again "
                      "in %.0f s", self.service, self.process.pid, code, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, LONGEST_DELAY)
            await self._spawn()

    def _wake(self) -> None:
        """After a commit here (any thread): one byte down the worker's pipe, coalesced."""
        if self._wake_pending:
            return
        self._wake_pending = True
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to wake
            self._loop.call_soon_threadsafe(self._send_wake)

    def _send_wake(self) -> None:
        self._wake_pending = False
        stdin = self.process.stdin if self.process else None
        if stdin is not None and not stdin.is_closing():
            with contextlib.suppress(ConnectionError):
                stdin.write(b"w")

    async def stop(self) -> None:
        """SIGTERM to the worker, SIGKILL after the grace period; then this side's parts."""
        self._stopping = True
        if self._watching is not None:
            self._watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watching
        process = self.process
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), GRACE)
            except TimeoutError:
                log.warning("%s did not stop within %.0f s; killing it", self.service, GRACE)
                process.kill()
                await process.wait()
        if process is not None and process.stdin is not None:
            process.stdin.close()
        if self._reading is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reading
        if self._nc is not None:
            await self._nc.close()
        if self.app is not None:
            self.app.close()


async def together(*steps: Awaitable[Any]) -> list[Any]:
    """Runs the steps at once; the first to fail stops the others, and its error is raised."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def worker_environment(settings: AssureSettings, nats_url: str) -> dict[str, str]:
    """This process's environment, with what `assure up`'s options and start-up decided: the
    worker reads its settings from the same ASSURE_* variables."""
    root = str(Path(assure.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "ASSURE_NATS_URL": nats_url,
        "ASSURE_DATA_DIR": str(settings.data_dir.resolve()),
        "ASSURE_INSTANCE_ID": settings.instance,  # the relay lease's holder, kept on restart
        "ASSURE_CLOCK": settings.clock.value,
        "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p),
    }
    if settings.clock_start:
        env["ASSURE_CLOCK_START"] = settings.clock_start.isoformat()
    if settings.uses_postgres:
        # A worker's database work runs in asyncio's default threads (6 on 2 cores): a few
        # more connections than eventsourcing's 10 over the pool would only wait for a thread.
        env.setdefault("POSTGRES_MAX_OVERFLOW", str(WORKER_MAX_OVERFLOW))
        if settings.postgres_pool_size is not None:
            env["ASSURE_POSTGRES_POOL_SIZE"] = str(settings.postgres_pool_size)
    return env


class SupervisedSystem(System):
    """nats-server, the stores for HTTP, the governance feed here; each service in a worker."""

    workers: list[ServiceProcess]
    _made: FastAPI | None = None

    async def start(self) -> SupervisedSystem:
        self.workers = []
        if self.settings.uses_postgres and self.settings.postgres_pool_size is None:
            # Twice as many applications open a PostgreSQL pool (the HTTP side's and each
            # worker's): each keeps 1 connection rather than eventsourcing's 5, growing under
            # load as before (POSTGRES_MAX_OVERFLOW), unless POSTGRES_POOL_SIZE says otherwise;
            # measured, an instance then holds 16 connections idle where one process held 24.
            # In the settings rather than this process's environment, which would keep it for
            # whatever else the process runs next (tests run many systems in one process).
            self.settings = self.settings.model_copy(
                update={"postgres_pool_size": POSTGRES_POOL_SIZE})
        self._start_nats()
        # The workers first, then this side's own start while they import theirs (issue 15):
        # the stores, made here before any worker opens its own (PostgreSQL's CREATE TABLE is
        # not safe to run twice at once), each worker told as its store is made; this side's
        # NATS connections; and the HTTP app, made in a thread (importing FastAPI, the console
        # and the routes is most of this side's start) while the loop hears from the workers.
        self.workers = [ServiceProcess(name, self.settings, self.nats_url)
                        for name in self.services]
        for worker in self.workers:
            await worker.start()
        for definition, worker in zip(self.definitions, self.workers, strict=True):
            self.apps[definition.name] = definition.build(self.settings)
            worker.store_made(definition, self.apps[definition.name])
        self._made, *_ = await together(
            asyncio.to_thread(super()._gateway), *(worker.connect() for worker in self.workers),
            *(worker.until_started() for worker in self.workers))
        await self._start_views()  # it reads the streams, which the workers make
        return self

    def stopping(self) -> None:
        """Asked to stop (a signal): no worker is started again from now on."""
        for worker in self.workers:
            worker.stopping()

    async def _stop_services(self) -> None:
        await asyncio.gather(*(worker.stop() for worker in self.workers))
        self.workers.clear()

    def http_app(self) -> FastAPI:
        app = super().http_app()
        app.state.runtimes = self.workers  # readiness and consumers' metrics
        return app

    def _gateway(self) -> FastAPI:
        """The HTTP app made as the system started; a new one if asked for again."""
        made, self._made = self._made, None
        return made or super()._gateway()


@contextlib.asynccontextmanager
async def supervised(settings: AssureSettings) -> AsyncIterator[SupervisedSystem]:
    """The system with each service in its own process, started and stopped (also when it
    fails to start: nothing is left running)."""
    system = SupervisedSystem(settings)
    try:
        yield await system.start()
    finally:
        await system.stop()
