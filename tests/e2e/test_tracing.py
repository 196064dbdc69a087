"""Traces (issue 19): the HTTP request that submits an unsafe return, each relay's publish, each
service's handling of the messages it caused, and notify's hand-offs to the mail server and the
chat webhook are spans of ONE trace, carried over NATS in the W3C `traceparent` header."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.e2e.test_notify_channels import contract_known, mail_to
from tests.e2e.test_notify_sinks import (
    CARE_HOMES,
    SECRET,
    notify_settings,
    smtp_sink,
    webhook_receiver,
)
from tests.support import (
    SECTIONS_UNSAFE,
    eventually,
    register_with_contract,
    return_form,
    running,
    serving,
)

pytestmark = pytest.mark.e2e


def submission_trace(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The spans of the trace begun by the request that submitted the return."""
    finished = exporter.get_finished_spans()
    [request] = [s for s in finished if s.kind == SpanKind.SERVER
                 and s.attributes.get("http.route") == "/intake/contracts/{reference}/returns"
                 and s.attributes.get("http.request.method", s.attributes.get(
                     "http.method")) == "POST"]
    return [s for s in finished if s.context.trace_id == request.context.trace_id]


async def test_an_unsafe_return_is_one_trace_from_the_request_to_the_mail_and_the_chat(
    settings, tmp_path, spans
):
    with smtp_sink() as (sink, port):
        async with webhook_receiver(SECRET) as (receiver, hook_url):
            configured = notify_settings(settings, tmp_path, port, hook_url)
            async with (
                running(configured) as system,
                serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http,
            ):
                reference = await register_with_contract(http, "thornbury")
                await contract_known(system.apps["notify"], "thornbury")

                submitted = await http.post(f"/intake/contracts/{reference}/returns",
                                            json=return_form(SECTIONS_UNSAFE))
                assert submitted.status_code == 201, submitted.text
                await eventually(mail_to(sink, CARE_HOMES, "URGENT"), timeout=60,
                                 what="the care-home team's urgent mail")

                async def hooked():
                    return [h for h in receiver.hooks if h.body["about"] == "ConcernRaised"]

                [hook] = await eventually(hooked, timeout=60, what="the chat message")

                async def traced():
                    found = submission_trace(spans)
                    names = {s.name for s in found}
                    wanted = {"notify deliver email", "notify deliver webhook"}
                    return found if wanted <= names else None

                trace = await eventually(traced, timeout=60, what="the deliveries' spans")

    names = {s.name for s in trace}
    assert {"intake publish ReturnSubmitted", "risk handle ReturnSubmitted",
            "risk publish ConcernRaised", "notify handle ConcernRaised",
            "escalation handle ConcernRaised", "notify deliver email",
            "notify deliver webhook"} <= names, sorted(names)
    assert {s.attributes.get("assure.service") for s in trace} >= {
        "intake", "risk", "escalation", "notify"}
    # One unbroken chain: the request's span is the only root, every other span's parent is
    # in the trace (nothing was started afresh along the way).
    ids = {s.context.span_id for s in trace}
    roots = [s for s in trace if s.parent is None]
    assert [r.kind for r in roots] == [SpanKind.SERVER]
    assert all(s.parent.span_id in ids for s in trace if s.parent is not None)
    # Over NATS each consumer's span is the child of the producer span that published it.
    by_id = {s.context.span_id: s for s in trace}
    handled = next(s for s in trace if s.name == "risk handle ReturnSubmitted")
    assert by_id[handled.parent.span_id].name == "intake publish ReturnSubmitted"
    # The chat tool is handed the trace too, to continue it on its side if it traces.
    webhook_span = next(s for s in trace if s.name == "notify deliver webhook")
    assert hook.traceparent is not None
    assert hook.traceparent.split("-")[1] == f"{webhook_span.context.trace_id:032x}"
