"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
import uvicorn

from assure.system import System, composed
from services.intake.application import Award
from shared.contracts.forms import example
from shared.messaging.relay import OUTBOX
from shared.nats_server import free_port
from shared.security.identity import Identity
from shared.settings import AssureSettings

T = TypeVar("T")

SECTIONS_GREEN: dict[str, str] = {}
SECTIONS_UNSAFE = {"safety_and_quality": "red", "finance": "red"}


def cmr_answers(ratings: dict[str, str] | None = None) -> dict[str, Any]:
    """A valid LEVEL 1 return (April to July 2026), with some sections re-rated."""
    answers = example("cmr-level-1")
    for section, rating in (ratings or {}).items():
        answers[section]["rating"] = rating
    return answers


def return_form(sections: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """The body of POST /intake/contracts/{reference}/returns for a LEVEL 1 return."""
    return {
        "form": "cmr-level-1",
        "answers": cmr_answers(sections),
        "submitted_by": "Registered manager",
        **overrides,
    }


def contract_award(reference: str, **overrides: Any) -> dict[str, Any]:
    """A LEVEL 1 care-home contract (over £100,000 and regulated)."""
    return {
        "reference": reference,
        "service_type": "care-home",
        "annual_value": "250000",
        "regulator": "care-inspectorate",
        "regulator_service_id": f"CS{zlib.crc32(reference.encode()):010d}",
        "start_date": "2025-04-01",
        "contract_manager": "Ann Contract-Manager",
        **overrides,
    }


def as_(issuer: Any, user: str, role: Any, provider: str | None = None) -> dict[str, str]:
    """The header of a request made by this person, signed by the development issuer."""
    return {"Authorization": f"Bearer {issuer.issue(Identity(user, role, provider))}"}


def acting(user: str, role: Any = None, provider: str | None = None) -> dict[str, str]:
    """The headers naming who acts on a system with sign-in off (one with it on ignores them)."""
    headers = {"X-Assure-User": user}
    if role is not None:
        headers["X-Assure-Role"] = str(getattr(role, "value", role))
    if provider is not None:
        headers["X-Assure-Provider"] = provider
    return headers


async def register_with_contract(http: Any, provider_id: str) -> str:
    """Registers a provider with one LEVEL 1 contract over HTTP; returns its reference."""
    await http.post("/intake/providers", json={
        "provider_id": provider_id, "name": provider_id.title()})
    reference = f"{provider_id}-c1"
    answer = await http.post(f"/intake/providers/{provider_id}/contracts",
                             json=contract_award(reference))
    assert answer.status_code in (200, 201), answer.text
    return reference


def register_in_process(system: System, *provider_ids: str) -> None:
    """Registers providers with one care-home contract each, through intake's application."""
    intake = system.apps["intake"]
    for provider_id in provider_ids:
        intake.register_provider(provider_id.title(), provider_id, "test", "c")
        intake.award_contract(Award(
            provider_id=provider_id, reference=f"{provider_id}-c1", service_type="care-home",
            annual_value=Decimal(250000), regulator="care-inspectorate",
            regulator_service_id=None, start_date=date(2025, 4, 1), end_date=None,
            contract_manager="Ann"), "test", "c")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], timeout: float = 20.0, what: str = "condition"
) -> T:
    """Polls until probe returns something truthy; the system is asynchronous by design."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


async def settled(system: System) -> bool:
    """Every outbox published and every durable consumer drained, in either layout (a process
    per service, or all in one): what the system was given has had all its consequences."""
    for app in system.apps.values():
        if app.position(OUTBOX) < (app.recorder.max_notification_id() or 0):
            return False
    runtimes = getattr(system, "workers", None) or system.runtimes
    nc = await nats.connect(system.nats_url)
    try:
        js = nc.jetstream()
        for runtime in runtimes:
            for consumer in runtime.consumers:
                info = await js.consumer_info(runtime.topology.stream(consumer.upstream),
                                              consumer.durable)
                if info.num_pending or info.num_ack_pending:
                    return False
    finally:
        await nc.close()
    await asyncio.sleep(0.3)  # and nothing new came of the last message handled
    return all(app.position(OUTBOX) == (app.recorder.max_notification_id() or 0)
               for app in system.apps.values())


@contextlib.asynccontextmanager
async def running(settings: AssureSettings, **kwargs: Any) -> AsyncIterator[System]:
    """The system composed exactly as `assure up` composes it (assure.system.composed)."""
    async with composed(settings, **kwargs) as system:
        yield system


@contextlib.asynccontextmanager
async def serving(system: System) -> AsyncIterator[str]:
    """Serves the system's HTTP entry point on a free loopback port."""
    config = uvicorn.Config(system.http_app(), host="127.0.0.1", port=free_port(),
                            log_level="warning")
    async with served_by_uvicorn(config) as url:
        yield url


@contextlib.asynccontextmanager
async def served_by_uvicorn(config: uvicorn.Config) -> AsyncIterator[str]:
    """Serves an app as configured until the block ends; its base URL."""
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        server.should_exit = True
        await task


# The `assure` command as a person runs it: the installed script, else the same module.
_SCRIPT = Path(sys.executable).with_name("assure")
ASSURE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "assure.cli"]


def _person_environment(**settings: str) -> dict[str, str]:
    """This shell's environment without the tests' own ASSURE_ settings, plus `settings`."""
    kept = {k: v for k, v in os.environ.items()
            if not k.startswith("ASSURE_") or k.startswith("ASSURE_TEST_")}
    return {**kept, **settings}


@contextlib.contextmanager
def assure_up(data_dir: Path, *options: str) -> Iterator[str]:
    """`ASSURE_DATA_DIR=<data_dir> assure up <options>` in its own process, as the README says,
    on a free port (ASSURE_HTTP_PORT); Ctrl-C (SIGINT) stops it. Yields its URL."""
    with assure_up_process(data_dir, *options) as (_, url):
        yield url


@contextlib.contextmanager
def assure_up_process(data_dir: Path, *options: str,
                      **settings: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`assure up` as `assure_up` starts it (with ASSURE_* `settings` besides), in a session of
    its own as a terminal would run it; yields the process and its URL. Ctrl-C (SIGINT) stops
    it at the end, if it still runs. Its log is `<data_dir>-assure-up.log`."""
    port = free_port()
    log = data_dir.with_name(f"{data_dir.name}-assure-up.log")
    env = _person_environment(ASSURE_DATA_DIR=str(data_dir), ASSURE_HTTP_PORT=str(port),
                              **settings)
    with log.open("wb") as output:
        process = subprocess.Popen([*ASSURE, "up", *options], env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url, log)
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"assure up stopped: {log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"assure up did not answer in 120 s: {log.read_text()}")


@dataclass(frozen=True)
class Ran:
    """What a person saw of a command: its exit code, its output then its errors."""

    exit_code: int
    output: str


def assure(*args: str, url: str) -> Ran:
    """`assure <args>` in its own process against the system at `url` (ASSURE_URL)."""
    done = subprocess.run([*ASSURE, *args], env=_person_environment(ASSURE_URL=url),
                          capture_output=True, text=True, timeout=600, check=False)
    return Ran(done.returncode, done.stdout + done.stderr)


def assure_on_a_terminal(*args: str, url: str) -> Ran:
    """`assure <args>` as a person runs it in a terminal (a pseudo-terminal): what it drew."""
    import pty  # POSIX only, as the rest of these helpers

    leader, follower = pty.openpty()
    process = subprocess.Popen([*ASSURE, *args], stdout=follower, stderr=follower,
                               env=_person_environment(ASSURE_URL=url, TERM="xterm"))
    os.close(follower)
    shown = bytearray()
    with contextlib.suppress(OSError):  # EIO once the command has closed the terminal
        while chunk := os.read(leader, 65536):  # read as it goes: a full terminal blocks it
            shown += chunk
    os.close(leader)
    return Ran(process.wait(600), shown.decode(errors="replace"))
