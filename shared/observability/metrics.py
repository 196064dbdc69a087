"""`/metrics` in Prometheus's text format (prometheus-client).

Request latency is observed as each request ends; everything else is read when Prometheus
scrapes, from what the system already keeps, so nothing is counted twice or drifts: events
recorded per service, relay lag (stored minus published), each read model's lag, dead letters,
store size, and each durable consumer's pending, unacknowledged and redelivered messages as
NATS reports them. The services add their own domain figures through `ServiceApplication.metrics`
(returns overdue, deliveries sent and failed by channel).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.eventstore import ServiceApplication
from shared.messaging.relay import OUTBOX

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StoreCollector(Collector):
    """Figures read from each service's store and views at scrape time."""

    def __init__(self, apps: Mapping[str, ServiceApplication]) -> None:
        self.apps = apps

    def collect(self) -> Iterator[GaugeMetricFamily]:
        recorded = GaugeMetricFamily("assure_events_recorded", "Events stored by the service "
                                     "(its last notification id)", labels=["service"])
        lag = GaugeMetricFamily("assure_relay_lag_events", "Events stored but not yet published "
                                "on JetStream", labels=["service"])
        views = GaugeMetricFamily("assure_view_lag_events", "Stored events a read model has yet "
                                  "to read", labels=["service", "view"])
        letters = GaugeMetricFamily("assure_dead_letters", "Messages parked after failing and "
                                    "not yet replayed",
                                    labels=["service"])
        size = GaugeMetricFamily("assure_store_bytes", "Size of the service's store on disk",
                                 labels=["service"])
        domain: list[Any] = []
        for name, app in self.apps.items():
            last = app.recorder.max_notification_id() or 0
            recorded.add_metric([name], last)
            lag.add_metric([name], max(0, last - app.position(OUTBOX)))
            for status in app.views.status():
                views.add_metric([name, status["view"]], status["total"] - status["read"])
            letters.add_metric([name], app.dead_letters_waiting())
            size.add_metric([name], store_bytes(app))
            domain += app.metrics()
        yield from (recorded, lag, views, letters, size, *domain)


def store_bytes(app: ServiceApplication) -> int:
    """The SQLite files (with their write-ahead logs), or the PostgreSQL schema's tables."""
    datastore = app.recorder.datastore
    # eventsourcing keeps a SQLite file's name on the datastore's connection pool.
    db_name = getattr(getattr(datastore, "pool", None), "db_name", None)
    if db_name:
        path = Path(str(db_name))
        files = (path, path.with_name(path.name + "-wal"))
        return sum(f.stat().st_size for f in files if f.exists())
    schema = getattr(datastore, "schema", None)
    if not schema:
        return 0
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS size "
                       "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = %s AND c.relkind = 'r'", (schema,))
        return int(cursor.fetchone()["size"])


class ConsumerCollector(Collector):
    """Each durable consumer's figures from NATS, fetched just before a scrape."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, Any]] = []

    async def refresh(self, runtimes: Iterable[Any]) -> None:
        found = []
        for runtime in runtimes:
            for durable, info in await consumer_infos(runtime):
                found.append((runtime.app.service, durable, info))
        self.found = found

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {
            "num_pending": GaugeMetricFamily("assure_consumer_pending_messages",
                                             "Messages in the stream the durable has yet to "
                                             "deliver", labels=["service", "durable"]),
            "num_ack_pending": GaugeMetricFamily("assure_consumer_unacknowledged_messages",
                                                 "Messages delivered and not yet acknowledged",
                                                 labels=["service", "durable"]),
            "num_redelivered": GaugeMetricFamily("assure_consumer_redelivered_messages",
                                                 "Messages delivered more than once and not yet "
                                                 "acknowledged", labels=["service", "durable"]),
        }
        for service, durable, info in self.found:
            for field, family in families.items():
                family.add_metric([service, durable], getattr(info, field, 0) or 0)
        yield from families.values()


async def consumer_infos(runtime: Any, timeout: float = 2.0) -> list[tuple[str, Any]]:
    """(durable, ConsumerInfo) for each of a runtime's consumers that NATS answers for."""
    connection = getattr(runtime, "_nc", None)
    if connection is None or not connection.is_connected:
        return []
    js = connection.jetstream(timeout=timeout)
    found = []
    for consumer in runtime.consumers:
        with contextlib.suppress(Exception):  # a node restarting: the next scrape will tell
            info = await js.consumer_info(runtime.topology.stream(consumer.upstream),
                                          consumer.durable)
            found.append((consumer.durable, info))
    return found


class Metrics:
    """The registry `/metrics` serves, and the middleware timing every request."""

    def __init__(self, apps: Mapping[str, ServiceApplication]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "assure_http_request_seconds", "Time to answer an HTTP request, by route",
            ["method", "route", "status"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10))
        self.registry.register(StoreCollector(apps))
        self.consumers = ConsumerCollector()
        self.registry.register(self.consumers)

    async def render(self, runtimes: Iterable[Any]) -> bytes:
        await self.consumers.refresh(runtimes)
        return await asyncio.to_thread(generate_latest, self.registry)



class TimedRequests:
    """Observes each HTTP request's time under its route's template (never the raw path, so
    ids do not make a series each)."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            template = route_template(scope)
            self.histogram.labels(scope["method"], template, str(status["code"])).observe(
                time.perf_counter() - began)


def route_template(scope: Scope) -> str:
    """The matched route's template with the prefix its router was included under
    (`/intake` + `/providers/{provider_id}`); FastAPI keeps included routers nested, so the
    route alone knows only its own part."""
    route = scope.get("route")
    pattern = getattr(route, "path_regex", None)
    if route is None or pattern is None:
        return "unmatched"
    path: str = scope.get("path", "")
    for cut in (i for i, c in enumerate(path) if c == "/"):
        if pattern.fullmatch(path[cut:]):
            return path[:cut] + route.path
    return route.path
