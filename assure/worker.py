"""One service in a process of its own, as `assure up` starts it (assure/supervisor.py).

`python -m assure.worker <service>` runs the service's `ServiceRuntime`: its relay, its tracked
consumers, its background jobs and its views' follower, with no HTTP. Settings come from the
ASSURE_* environment the supervisor hands down (the NATS it started, the data directory).

Its standard input is the supervisor's line to it. The first byte says the service's store is
made (the supervisor makes every store before a worker opens one; the worker imports its service
meanwhile); each later one means the HTTP side committed to this service's store (wake the relay
now rather than at its next poll, 0.5 s). The end of input means the supervisor is gone, even
killed outright, so the worker stops itself instead of living on as an orphan (or, before the
first byte, does not start). It writes `started` on standard output once it works; its log lines
go to standard error, the supervisor's, tagged with its name.

SIGTERM stops it. It ignores SIGINT: it shares the supervisor's process group, so a kill of the
group (a crash, as the crash tests make one) takes it too, but Ctrl-C in a terminal, which also
reaches the whole group, is the supervisor's to answer: it stops HTTP first, then the workers.
"""

from __future__ import annotations

import signal

# From its first moment, before the slow imports below (see the module's docstring).
signal.signal(signal.SIGINT, signal.SIG_IGN)

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

from shared import event_loop  # noqa: E402
from shared.observability import logs  # noqa: E402
from shared.runtime import SERVICES, ServiceRuntime  # noqa: E402
from shared.service import ServiceDefinition  # noqa: E402
from shared.settings import AssureSettings  # noqa: E402

log = logging.getLogger("assure.worker")
STARTED = "started"


async def run(definition: ServiceDefinition) -> None:
    """Runs the service until SIGTERM, or until the supervisor goes."""
    service = definition.name
    settings = AssureSettings()
    assert settings.nats_url, "the supervisor names the NATS server it started"
    app = definition.build(settings)
    runtime = definition.runtime(app, settings, settings.nats_url)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    threading.Thread(target=_listen, args=(runtime, loop, stopping), daemon=True,
                     name=f"{service}-supervisor-line").start()
    await runtime.start()  # with what the service runs beside itself (intake's council link)
    print(STARTED, flush=True)
    log.info("%s started (process %d)", service, os.getpid())
    try:
        await stopping.wait()
    finally:
        await runtime.stop()
    log.info("%s stopped", service)


def definition_of(service: str) -> ServiceDefinition:
    """The service's definition, importing its own package alone: a worker that imported all
    four (assure.services), with their HTTP routes, spent most of its start on it (issue 15)."""
    definition: ServiceDefinition = importlib.import_module(f"services.{service}.bootstrap").SERVICE
    return definition


def _listen(runtime: ServiceRuntime, loop: asyncio.AbstractEventLoop,
            stopping: asyncio.Event) -> None:
    """Reads the supervisor's wake-ups until its end of the pipe closes. They wake the relay
    only: the HTTP side brings the views it reads up to date itself as it reads them, and
    following its commits here as well would compute each page twice."""
    try:
        while os.read(sys.stdin.fileno(), 4096):
            if runtime.relay is not None:
                runtime.relay.wake()
    except OSError:
        pass
    with contextlib.suppress(RuntimeError):  # the worker stopped first and its loop is closed
        loop.call_soon_threadsafe(stopping.set)


def main() -> None:
    service = sys.argv[1] if len(sys.argv) == 2 else ""
    if service not in SERVICES:
        sys.exit(f"usage: python -m assure.worker {{{','.join(SERVICES)}}}")
    logs.configure(logging.INFO, process=service)
    definition = definition_of(service)
    if not os.read(sys.stdin.fileno(), 1):  # the supervisor went before the store was made
        return
    event_loop.run(run(definition))


if __name__ == "__main__":
    main()
