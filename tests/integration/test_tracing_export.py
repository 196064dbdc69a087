"""With `ASSURE_TRACING=otlp` spans leave the process over OTLP/HTTP for the collector named by
OpenTelemetry's own `OTEL_EXPORTER_OTLP_ENDPOINT`: here a real HTTP server on loopback that
keeps what it is sent, as a collector (or Jaeger) would receive it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from shared.observability import tracing
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration


class Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_spans_go_to_the_collector_named_by_opentelemetrys_variables(collector, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    assert tracing.configure(AssureSettings(tracing="otlp"))
    try:
        with tracing.consuming("risk", "ReturnSubmitted", {}, "evt.intake.p0.oak.ReturnSubmitted"):
            pass
    finally:
        tracing.shutdown()  # sends the batch
    assert not tracing.on()

    [(path, body)] = Collector.received
    assert path == "/v1/traces"
    sent = ExportTraceServiceRequest.FromString(body)
    [resource] = sent.resource_spans
    service = {a.key: a.value.string_value for a in resource.resource.attributes}["service.name"]
    [span] = [s for scope in resource.scope_spans for s in scope.spans]
    assert (service, span.name) == ("assure", "risk handle ReturnSubmitted")
