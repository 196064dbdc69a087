"""Tracing is off unless configured, and off it leaves no mark: nothing stamped on a stored
event, no header on a message. The whole trace is tested end to end in tests/e2e/test_tracing."""

from __future__ import annotations

import pytest

from shared.observability import tracing
from shared.settings import AssureSettings

pytestmark = pytest.mark.unit

OTEL = ("OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def no_otel_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in OTEL:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(("assure", "environment", "wanted"), [
    ("", {}, None),
    ("", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318"}, "otlp"),
    ("", {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://jaeger:4318/v1/traces"}, "otlp"),
    ("", {"OTEL_TRACES_EXPORTER": "console"}, "console"),
    ("", {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://j:4318"}, None),
    ("", {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, None),
    ("otlp", {}, "otlp"),
    ("off", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318"}, None),
])
def test_tracing_is_off_unless_the_settings_or_opentelemetrys_variables_ask(
    no_otel_environment, assure, environment, wanted
):
    for name, value in environment.items():
        no_otel_environment.setenv(name, value)
    assert tracing.exporter_wanted(AssureSettings(tracing=assure)) == wanted


def test_an_unknown_tracing_setting_is_refused():
    with pytest.raises(ValueError, match="tracing"):
        AssureSettings(tracing="jaeger")


def test_off_nothing_is_stamped_and_no_header_is_sent(no_otel_environment):
    assert not tracing.configure(AssureSettings())
    state: dict[str, object] = {}
    tracing.stamp(state)
    with tracing.consuming("risk", "ReturnSubmitted", {"traceparent": PARENT}):
        tracing.stamp(state)
    assert state == {}
    assert tracing.publishing("intake", object(), "ReturnSubmitted", "evt") == {}
    assert tracing.headers() == {}


def test_a_consumer_continues_the_messages_trace_and_stamps_it_on_what_it_records(spans):
    state: dict[str, object] = {}
    with tracing.consuming("risk", "ReturnSubmitted", {"traceparent": PARENT}, "evt.intake"):
        tracing.stamp(state)
    [span] = spans.get_finished_spans()
    assert span.name == "risk handle ReturnSubmitted"
    assert f"{span.context.trace_id:032x}" == PARENT.split("-")[1]
    assert f"{span.parent.span_id:016x}" == PARENT.split("-")[2]
    assert state["traceparent"] == f"00-{PARENT.split('-')[1]}-{span.context.span_id:016x}-01"


def test_the_relay_publishes_in_the_stored_events_trace(spans):
    class Stored:
        traceparent = PARENT

    headers = tracing.publishing("intake", Stored(), "ReturnSubmitted", "evt.intake.p0")
    [span] = spans.get_finished_spans()
    assert span.name == "intake publish ReturnSubmitted"
    assert headers == {"traceparent": f"00-{PARENT.split('-')[1]}-{span.context.span_id:016x}-01"}
