"""Liveness and readiness, for Kubernetes and load balancers.

Live: the process answers. Ready: it can do its work now: NATS is connected, each relay is
running and has published all but `ASSURE_READY_MAX_LAG` stored events, and no durable
consumer has more than that many messages waiting. A process that is live but not ready is
taken out of rotation, not restarted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.eventstore import ServiceApplication
from shared.messaging.relay import OUTBOX
from shared.observability.metrics import consumer_infos


async def readiness(apps: Mapping[str, ServiceApplication], runtimes: Iterable[Any],
                    max_lag: int) -> tuple[bool, dict[str, Any]]:
    """Whether every service here is ready, and what each one's checks found."""
    found: dict[str, Any] = {}
    for runtime in runtimes:
        service = runtime.app.service
        problems = []
        connection = getattr(runtime, "_nc", None)
        if connection is None or not connection.is_connected:
            problems.append("not connected to NATS")
        if not runtime.relaying():
            problems.append("its outbox relay is stopped")
        app = apps[service]
        lag = max(0, (app.recorder.max_notification_id() or 0) - app.position(OUTBOX))
        if lag > max_lag:
            problems.append(f"{lag} stored events not yet published (limit {max_lag})")
        for durable, info in await consumer_infos(runtime):
            if (info.num_pending or 0) > max_lag:
                problems.append(f"consumer {durable} has {info.num_pending} messages waiting "
                                f"(limit {max_lag})")
        found[service] = {"ready": not problems, "problems": problems, "relay_lag": lag}
    return all(v["ready"] for v in found.values()), found
