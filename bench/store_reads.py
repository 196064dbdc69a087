"""Store calls per return: how often each service's event store is asked for what, per return.

    python -m bench.store_reads --returns 100 [--nats-url nats://127.0.0.1:4222]

Runs the system in this process as `assure up` composes it (SQLite stores, the given NATS or an
embedded one, a namespace of its own, deleted afterwards), registers providers, then counts the
calls each service's recorder answers while returns are submitted through intake's application
(the POST route's own call) and travel through risk, escalation and notify, until every return
is scored and the services have been quiet for two seconds. Calls are counted by wrapping the
recorder's public methods, so every caller is seen: commands, consumers, the relay, the views.
`select_events` is the aggregate reads (exists, get, the hash chain's previous link);
`select_notifications`, `max_notification_id` and `max_tracking_id` are mostly the relays, the
views and notify's schedule following the log, some on a timer, so they grow with wall time as
well as with returns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import nats

from assure.system import composed
from services.intake.application import Award, Submission
from shared.contracts.forms import example
from shared.settings import AssureSettings

METHODS = ("select_events", "has_tracking_id", "max_tracking_id", "select_notifications",
           "max_notification_id", "insert_events", "insert_tracking")
WORK = ("select_events", "has_tracking_id", "insert_events", "insert_tracking")


def count_calls(service: str, recorder: Any, counts: Counter[tuple[str, str]],
                of: str = "") -> None:
    for name in METHODS:
        method = getattr(recorder, name, None)
        if method is None:
            continue

        @functools.wraps(method)
        def counted(*args: Any, _name: str = name + of, _method: Any = method,
                    **kwargs: Any) -> Any:
            counts[service, _name] += 1
            return _method(*args, **kwargs)

        setattr(recorder, name, counted)


def answers(n: int) -> dict[str, Any]:
    """A level-1 return; one in five has a red safety section (a concern, an intervention)."""
    found = example("cmr-level-1", date(2025, 4, 1), date(2025, 7, 31))
    if n % 5 == 4:
        found["safety_and_quality"]["rating"] = "red"
    return found


async def scored(nats_url: str, namespace: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        stream = f"{namespace.upper()}_RISK"
        subject = f"{namespace}.evt.risk.*.*.RiskScored"
        info = await nc.jetstream().stream_info(stream, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def until_quiet(counts: Counter[tuple[str, str]], seconds: float = 2.0) -> None:
    def busy() -> int:  # the work a message does, not the polls on a timer
        return sum(v for (_, name), v in counts.items() if name in WORK)

    last, since = busy(), time.monotonic()
    while time.monotonic() - since < seconds:
        await asyncio.sleep(0.2)
        if busy() != last:
            last, since = busy(), time.monotonic()


@contextlib.asynccontextmanager
async def streams_removed(nats_url: str, namespace: str) -> AsyncIterator[None]:
    try:
        yield
    finally:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            for stream in await js.streams_info():
                if stream.config.name.startswith(
                        (f"{namespace.upper()}_", f"KV_{namespace.upper()}_")):
                    await js.delete_stream(stream.config.name)
        finally:
            await nc.close()


async def measure(returns: int, nats_url: str, data_dir: Path) -> Counter[tuple[str, str]]:
    namespace = f"reads{uuid.uuid4().hex[:8]}"
    settings = AssureSettings(data_dir=data_dir, nats_url=nats_url, namespace=namespace,
                              partitions=2, run_background_jobs=False, clock="training",
                              auth_required=False)
    counts: Counter[tuple[str, str]] = Counter()
    providers = [f"reads{n}" for n in range(max(1, returns // 4))]
    async with streams_removed(nats_url, namespace), composed(settings) as system:
        intake = system.apps["intake"]
        for provider_id in providers:
            intake.register_provider(provider_id.title(), provider_id, "bench", "c")
            intake.award_contract(Award(
                provider_id=provider_id, reference=f"{provider_id}-c1",
                service_type="care-home", annual_value=Decimal(250000),
                regulator="care-inspectorate", regulator_service_id=None,
                start_date=date(2025, 4, 1), end_date=None, contract_manager="Ann"), "bench", "c")
        await until_quiet(counts)
        for service, app in system.apps.items():
            count_calls(service, app.recorder, counts)
            if app.snapshots is not None:  # loading a snapshotted aggregate reads these first
                count_calls(service, app.snapshots.recorder, counts, of=" (snapshots)")
        for n in range(returns):
            provider_id = providers[n % len(providers)]
            submission = Submission("cmr-level-1", None, answers(n), "manager")
            await asyncio.to_thread(intake.submit_return, f"{provider_id}-c1", submission,
                                    f"r{n}", "c")
        deadline = time.monotonic() + 120
        while await scored(system.nats_url, namespace) < returns:
            if time.monotonic() > deadline:
                raise SystemExit("not every return was scored within 120 s")
            await asyncio.sleep(0.2)
        await until_quiet(counts)
    return counts


def report(counts: Counter[tuple[str, str]], returns: int) -> str:
    services = sorted({service for service, _ in counts})
    width = max(len(m) for m in METHODS) + len(" (snapshots)")
    lines = [f"Store calls per return ({returns} returns)",
             f"  {'':<{width}} " + " ".join(f"{s:>10}" for s in services) + f" {'all':>10}"]
    names = [*METHODS, *(f"{m} (snapshots)" for m in METHODS)]
    for name in (n for n in names if any(counts[s, n] for s in services)):
        row = [counts[s, name] / returns for s in services]
        lines.append(f"  {name:<{width}} " + " ".join(f"{v:>10.2f}" for v in row)
                     + f" {sum(row):>10.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--returns", type=int, default=100)
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="store-reads-") as where:
        counts = asyncio.run(measure(args.returns, args.nats_url, Path(where)))
    print(report(counts, args.returns))


if __name__ == "__main__":
    main()
