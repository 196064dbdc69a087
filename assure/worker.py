"""One service in a process of its own, as `assure up` starts it (assure/supervisor.py).

`python -m assure.worker <service>` runs the service's `ServiceRuntime`: its relay, its tracked
consumers, its background jobs and its views' follower, with no HTTP. Settings come from the
ASSURE_* environment the supervisor hands down (the NATS it started, the data directory).

Its standard input is the supervisor's line to it: a byte means the HTTP side committed to this
service's store (wake the relay and views now rather than at their next poll), and the end of
input means the supervisor is gone, even killed outright, so the worker stops itself instead of
living on as an orphan. It writes `started` on standard output once it works; its log lines
go to standard error, the supervisor's, tagged with its name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading

from assure.services import ALL
from assure.system import start_sharing
from shared.eventstore import ServiceApplication
from shared.observability import logs
from shared.settings import AssureSettings

log = logging.getLogger("assure.worker")
STARTED = "started"


async def run(service: str) -> None:
    """Runs the service until SIGTERM or SIGINT, or until the supervisor goes."""
    settings = AssureSettings()
    assert settings.nats_url, "the supervisor names the NATS server it started"
    definition = next(d for d in ALL if d.name == service)
    app = definition.build(settings)
    runtime = definition.runtime(app, settings, settings.nats_url)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    threading.Thread(target=_listen, args=(app, loop, stopping), daemon=True,
                     name=f"{service}-supervisor-line").start()
    await runtime.start()
    # Sharing with other councils applies what arrives to intake's store: with intake, here.
    link = (await start_sharing(app, settings)
            if service == "intake" and settings.sharing_file else None)
    print(STARTED, flush=True)
    log.info("%s started (process %d)", service, os.getpid())
    try:
        await stopping.wait()
    finally:
        if link is not None:
            await link.stop()
        await runtime.stop()
    log.info("%s stopped", service)


def _listen(app: ServiceApplication, loop: asyncio.AbstractEventLoop,
            stopping: asyncio.Event) -> None:
    """Reads the supervisor's wake-ups until its end of the pipe closes."""
    try:
        while os.read(sys.stdin.fileno(), 4096):
            app.committed_elsewhere()
    except OSError:
        pass
    with contextlib.suppress(RuntimeError):  # the worker stopped first and its loop is closed
        loop.call_soon_threadsafe(stopping.set)


def main() -> None:
    service = sys.argv[1] if len(sys.argv) == 2 else ""
    if service not in {d.name for d in ALL}:
        sys.exit(f"usage: python -m assure.worker {{{','.join(d.name for d in ALL)}}}")
    logs.configure(logging.INFO, process=service)
    asyncio.run(run(service))


if __name__ == "__main__":
    main()
