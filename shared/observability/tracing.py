"""Traces (OpenTelemetry): one trace from an HTTP request through the outbox relay, NATS and each
consumer's handling, to the e-mail or webhook that went out at the end. Off unless configured.

A trace crosses four gaps, each with the W3C `traceparent` (written and read by OpenTelemetry's
own propagator, never by hand):
- request to store: FastAPI's instrumentation makes the request's span current (a contextvar,
  which the thread pool and `asyncio.to_thread` copy into worker threads), and the store's mapper
  stamps its traceparent into each event it stores (`stamp`), as it stamps who was signed in;
- store to NATS: the relay publishes later, from another task (perhaps another instance), so it
  continues the trace from the stored event: a producer span whose traceparent goes out in the
  message's headers (`publishing`; the span marks the hand-off, and its length is not the
  publish's, so it fits a relay that publishes one at a time or many in flight);
- NATS to store: a consumer's span is the child of the message's traceparent and is current while
  the policy runs (`consuming`), so the events it records carry the trace on to the next relay;
- store to the outside: notify's deliveries keep the traceparent of the notification that caused
  them, and each hand-off to SMTP or a webhook is a span of that trace (`delivering`).

Off (the default), nothing is stamped, no span is made and each call site costs one check.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Tracer, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from fastapi import FastAPI

    from shared.settings import AssureSettings

TRACEPARENT = "traceparent"  # the key in a stored event's state, and the NATS header
EXPORTERS = ("otlp", "console")
# W3C Trace Context only: the one format every collector and other service understands.
_propagator = TraceContextTextMapPropagator()
_tracer: Tracer | None = None
_provider: TracerProvider | None = None
_OFF = nullcontext()  # what stands in a span's place when tracing is off


def exporter_wanted(settings: AssureSettings) -> str | None:
    """Where spans go: `otlp`, `console`, or None (off). ASSURE_TRACING decides when set;
    otherwise OpenTelemetry's standard variables do, which its exporter reads anyway."""
    if settings.tracing:
        return None if settings.tracing == "off" else settings.tracing
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    named = [e.strip() for e in os.environ.get("OTEL_TRACES_EXPORTER", "").split(",")]
    chosen = next((e for e in named if e in EXPORTERS), None)
    if chosen or "none" in named:
        return chosen
    endpoint = (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    return "otlp" if endpoint else None


def configure(settings: AssureSettings) -> bool:
    """Turns tracing on for this process if the settings ask for it (once); whether it is on."""
    if _tracer is not None:
        return True
    wanted = exporter_wanted(settings)
    if wanted is None:
        return False
    # The SDK is imported only here: a process that does not trace never loads it.
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    exporter: SpanExporter
    if wanted == "otlp":
        # Endpoint, headers and timeout from OTEL_EXPORTER_OTLP_* (default localhost:4318).
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        exporter = ConsoleSpanExporter()
    # Named "assure" unless OTEL_SERVICE_NAME says otherwise; each span names its service too.
    name = os.environ.get("OTEL_SERVICE_NAME") or "assure"
    provider = SdkTracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    install(provider)
    return True


def install(provider: TracerProvider | None) -> None:
    """Sends this process's spans to `provider` (None: off again). Tests give theirs."""
    global _tracer, _provider
    _provider = provider
    _tracer = provider.get_tracer("assure") if provider is not None else None


def on() -> bool:
    return _tracer is not None


def shutdown() -> None:
    """Sends the spans still waiting in the batch and turns tracing off (at exit the SDK does
    this by itself)."""
    provider = _provider
    install(None)
    if provider is not None and hasattr(provider, "shutdown"):
        provider.shutdown()


def instrument(app: FastAPI) -> None:
    """Traces each HTTP request (a server span, current while the route runs)."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # The ASGI "receive" and "send" spans would be two more spans a request, saying nothing.
    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider,
                                       exclude_spans=["receive", "send"])


def stamp(state: dict[str, Any]) -> None:
    """Writes the current span's traceparent into an event's state as it is stored."""
    if _tracer is None or TRACEPARENT in state:
        return
    found = headers().get(TRACEPARENT)  # none when no span is current (a scheduled job, say)
    if found:
        state[TRACEPARENT] = found


def publishing(service: str, domain_event: Any, event_type: str,
               subject: str) -> dict[str, str]:
    """The headers that carry the trace on with a message the relay publishes: a producer
    span, the child of the stored event's traceparent, marks the hand-off to NATS."""
    if _tracer is None:
        return {}
    parent = _context(getattr(domain_event, TRACEPARENT, None))
    carrier: dict[str, str] = {}
    with _tracer.start_as_current_span(
        f"{service} publish {event_type}", context=parent, kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "nats", "messaging.operation.type": "send",
                    "messaging.destination.name": subject, "assure.service": service},
    ):
        _propagator.inject(carrier)
    return carrier


def consuming(service: str, event_type: str, headers: Mapping[str, str] | None,
              subject: str = "") -> AbstractContextManager[Any]:
    """A consumer's span, the child of the message's traceparent, current while it handles it."""
    if _tracer is None:
        return _OFF
    return _tracer.start_as_current_span(
        f"{service} handle {event_type}", context=_context((headers or {}).get(TRACEPARENT)),
        kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "nats", "messaging.operation.type": "process",
                    "messaging.destination.name": subject, "assure.service": service})


def delivering(traceparent: str | None, channel: str) -> AbstractContextManager[Any]:
    """notify's hand-off of one delivery to SMTP or a webhook, in the trace that caused it."""
    if _tracer is None:
        return _OFF
    return _tracer.start_as_current_span(
        f"notify deliver {channel.split(':', 1)[0]}", context=_context(traceparent),
        kind=SpanKind.CLIENT, attributes={"assure.service": "notify", "assure.channel": channel})


def headers() -> dict[str, str]:
    """The current span's traceparent as a header, for an outgoing request (a webhook's)."""
    carrier: dict[str, str] = {}
    if _tracer is not None:
        _propagator.inject(carrier)
    return carrier


def _context(traceparent: str | None) -> Context:
    """The context to start a span in: the remote parent named, or a new trace (never whatever
    span happens to be current in a long-running task)."""
    if not traceparent:
        return Context()
    return _propagator.extract({TRACEPARENT: traceparent}, context=Context())
