"""Notify latency: from a safety ConcernRaised being recorded to its e-mail handed to SMTP.

    python -m bench.notify_latency --concerns 300 --rate 10

Starts a real SMTP server (aiosmtpd) on a free loopback port and its own `assure up` (a fresh
data directory, ASSURE_SMTP_HOST pointing at that server), registers providers with a care-home
contract, then reports concerns that put people's safety at risk over HTTP at a steady rate
(`POST /intake/providers/{id}/concerns`, open loop). Each becomes a serious safety ConcernRaised
in risk, which notify e-mails to operations at once; escalation's interventions add their own
notifications to the load, as in production. The latency of a concern is the time the SMTP server
accepted the operations e-mail (its X-Assure-Event-Id header names the ConcernRaised) minus the
*recorded* time of RiskProfile.ConcernRaised in risk's history. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from assure.progress import bar, counted, waiting
from bench.spine import (
    OFFICER,
    SignIn,
    bounded,
    cpu_seconds,
    free_port,
    own_system,
    percentiles,
    phase,
    register,
)
from shared.contracts.envelope import event_id_for
from shared.security.identity import Identity, Role

OPERATIONS = "operations@bench.test"
# A safety concern raised, or come up again about the same matter (a provider's second report
# updates its open concern): operations are told of each at once.
CONCERNS = ("ConcernRaised", "ConcernRecurred")
# Concerns are reported by the locality team, as in practice; the officer reads the histories.
REPORTER = Identity("bench.notify_latency", Role.OPERATIONAL_STAFF)


class Sink:
    """An SMTP server's DATA handler: when each message was accepted, by the event it tells of."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}  # concern's event id -> time.time()
        self.messages = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.time()
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages += 1
            if OPERATIONS in envelope.rcpt_tos and message["X-Assure-Event-Type"] in CONCERNS:
                self.accepted.setdefault(str(message["X-Assure-Event-Id"]), at)
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@contextlib.contextmanager
def notify_environment(smtp_port: int) -> Iterator[None]:
    """Points the `assure up` about to start at the SMTP server, operations at one address."""
    folder = Path(tempfile.mkdtemp(prefix="assure-notify-bench-"))
    config = folder / "notify.json"
    config.write_text(json.dumps({"contacts": {"operations": {"email": [OPERATIONS]}}}))
    settings = {"ASSURE_SMTP_HOST": "127.0.0.1", "ASSURE_SMTP_PORT": str(smtp_port),
                "ASSURE_SMTP_TLS": "none", "ASSURE_NOTIFY_CONFIG_FILE": str(config)}
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        config.unlink(missing_ok=True)
        folder.rmdir()


@dataclass
class Report:
    reported: int
    seconds: float
    latencies: list[float]  # ConcernRaised recorded -> e-mail accepted by SMTP
    consumed: list[float]  # ConcernRaised recorded -> notify's notification recorded
    dispatched: list[float]  # notification recorded -> e-mail accepted by SMTP
    missing: int
    messages: int
    server_cpu: float | None


async def report_concerns(http: httpx.AsyncClient, sign_in: SignIn, providers: list[str],
                          args: Any) -> None:
    start = time.perf_counter()

    async def one(index: int) -> None:
        delay = start + index / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        answer = await http.post(
            f"/intake/providers/{providers[index % len(providers)]}/concerns",
            headers={"Idempotency-Key": f"bench-{index}",
                     **await sign_in.headers(http, REPORTER)},
            json={"source": "operational-staff", "safety_at_risk": True,
                  "description": f"Bench concern {index}: a resident was left unattended",
                  "reported_by": "bench.notify_latency"})
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"reporting: {answer.status_code} {answer.text[:200]}")

    with bar(args.concerns, "reporting concerns") as (progress, task):
        await bounded(list(range(args.concerns)), args.concurrency, counted(progress, task, one))


async def read_history(http: httpx.AsyncClient, sign_in: SignIn, path: str,
                       attempts: int = 10) -> httpx.Response:
    """A history as the officer reads it, waiting as told when the limit of history reads a
    minute is reached (a long wait for e-mails polls often)."""
    for _ in range(attempts):
        answer = await http.get(path, headers=await sign_in.headers(http, OFFICER))
        if answer.status_code != 429:
            return answer.raise_for_status()
        await asyncio.sleep(float(answer.headers.get("retry-after", "5")))
    return answer.raise_for_status()


async def recorded_concerns(http: httpx.AsyncClient, sign_in: SignIn,
                            providers: list[str]) -> dict[str, float]:
    """Each safety concern's event id and the time risk recorded it: a concern raised, or one
    that came up again about the same matter (a provider's second report updates its open
    concern, which operations are told of just the same)."""
    found: dict[str, float] = {}

    async def one(provider_id: str) -> None:
        answer = await read_history(http, sign_in, f"/risk/providers/{provider_id}/history")
        for entry in answer.json():
            if entry["event"] in CONCERNS and entry["data"]["safety_at_risk"]:
                event_id = event_id_for(uuid.UUID(entry["aggregate_id"]), entry["version"])
                found[event_id] = datetime.fromisoformat(entry["time"]).timestamp()

    await bounded(providers, 4, one)
    return found


async def recorded_notifications(http: httpx.AsyncClient, sign_in: SignIn,
                                 providers: list[str]) -> dict[str, float]:
    """When notify recorded the operations notification about each ConcernRaised."""
    found: dict[str, float] = {}

    async def one(provider_id: str) -> None:
        answer = await read_history(http, sign_in, f"/notify/providers/{provider_id}/history")
        for entry in answer.json():
            data = entry["data"]
            if (entry["aggregate"], entry["event"]) == ("Notification", "Delivered") and \
                    data["recipient"] == "operations" and \
                    data["about_event_type"] in CONCERNS:
                found[data["about_event_id"]] = datetime.fromisoformat(entry["time"]).timestamp()

    await bounded(providers, 4, one)
    return found


async def wait_for_mail(http: httpx.AsyncClient, sign_in: SignIn, sink: Sink,
                        providers: list[str], timeout: float,
                        reported: int) -> dict[str, float]:
    """Waits until risk has recorded every reported safety concern (raised, or come up again)
    and each one's operations e-mail was accepted: three of four recorded, all mailed, is not
    done yet."""
    deadline = time.monotonic() + timeout
    while True:
        concerns = await recorded_concerns(http, sign_in, providers)
        with sink._lock:
            done = len(concerns) >= reported and all(
                event_id in sink.accepted for event_id in concerns)
        if done or time.monotonic() > deadline:
            return concerns
        await asyncio.sleep(2.0)


async def bench(system: Any, sink: Sink, args: Any) -> Report:
    run = uuid.uuid4().hex[:6]
    providers = [f"nl-{run}-{n}" for n in range(args.providers)]
    server_pid, sign_in = system.pid, SignIn(system.issuer_key)
    async with httpx.AsyncClient(base_url=system.url, timeout=60.0) as http:
        async with phase("registering providers", args.timeout):
            await register(http, sign_in, providers, 8)
        cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
        async with phase("reporting concerns", args.timeout):
            await report_concerns(http, sign_in, providers, args)
        seconds = time.perf_counter() - t0
        cpu1 = cpu_seconds(server_pid)
        with waiting("waiting for every operations e-mail"):
            concerns = await wait_for_mail(http, sign_in, sink, providers, args.timeout,
                                           args.concerns)
        noted = await recorded_notifications(http, sign_in, providers)
    mailed = {e: at for e, at in sink.accepted.items() if e in concerns}
    return Report(
        args.concerns, seconds,
        latencies=[(mailed[e] - at) * 1000 for e, at in concerns.items() if e in mailed],
        consumed=[(noted[e] - at) * 1000 for e, at in concerns.items() if e in noted],
        dispatched=[(mailed[e] - noted[e]) * 1000 for e in mailed if e in noted],
        missing=max(args.concerns, len(concerns)) - len(mailed), messages=sink.messages,
        server_cpu=None if cpu0 is None or cpu1 is None else (cpu1 - cpu0) / seconds)


def print_report(report: Report, args: Any) -> None:
    print(f"notify latency: {report.reported} safety concerns over {args.providers} providers "
          f"at {args.rate:g}/s ({report.reported / report.seconds:.1f}/s achieved); "
          f"{report.missing} e-mail(s) missing")
    print(f"  {'ms':<58} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for label, values in (
        ("safety concern recorded -> operations e-mail accepted by SMTP", report.latencies),
        ("  of which: concern -> notification recorded", report.consumed),
        ("  of which: notification recorded -> accepted by SMTP", report.dispatched),
    ):
        p = percentiles(values)
        cells = " ".join(f"{p[k]:8.1f}" if p else f"{'-':>8}" for k in ("p50", "p95", "p99",
                                                                          "max"))
        print(f"  {label:<58} {len(values):>5} {cells}")
    print(f"  messages accepted by the SMTP server in all: {report.messages}")
    if report.server_cpu is not None:
        print(f"  assure up + nats-server CPU while reporting: {report.server_cpu:.2f} cores")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.notify_latency",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--concerns", type=int, default=300, help="safety concerns to report")
    parser.add_argument("--rate", type=float, default=10.0, help="concerns reported per second")
    parser.add_argument("--providers", type=int, default=50, help="providers they are about")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight at most")
    parser.add_argument("--timeout", type=float, default=300.0, help="limit for each phase, s")
    parser.add_argument("--keep-data", action="store_true", help="keep the data and the log")
    args = parser.parse_args(argv)
    if min(args.concerns, args.providers, args.concurrency) < 1 or args.rate <= 0:
        parser.error("--concerns, --providers, --concurrency and --rate must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    try:
        with smtp_server() as (sink, port), notify_environment(port), \
                own_system(args.keep_data) as system:
            report = asyncio.run(bench(system, sink, args))
    except (httpx.HTTPError, RuntimeError, TimeoutError) as exc:
        print(f"bench.notify_latency: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print_report(report, args)
    return 1 if report.missing or not report.latencies else 0


if __name__ == "__main__":
    sys.exit(main())
