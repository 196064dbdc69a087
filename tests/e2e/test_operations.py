"""Operations (issue 19): liveness and readiness, Prometheus metrics from a running system, and
log lines that carry the correlation id the events carry."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.observability import context, logs
from tests.integration.test_monitoring_config import family, metric_names
from tests.support import contract_award, eventually, running, serving

pytestmark = pytest.mark.e2e


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, by name and labels (parsed by the client's own
    parser, so the page is valid exposition format)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_health_and_correlation(settings):
    async with (running(settings) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http):
        created = await http.post("/intake/providers", json={"provider_id": "ops-ash",
                                                             "name": "Ash House"},
                                  headers={"X-Correlation-Id": "ops-check-1"})
        assert created.status_code == 201, created.text
        assert created.headers["x-correlation-id"] == "ops-check-1"
        awarded = await http.post("/intake/providers/ops-ash/contracts",
                                  json=contract_award("ops-ash-c1"))
        assert len(awarded.headers["x-correlation-id"]) == 32  # one of its own
        history = (await http.get("/history/ops-ash")).json()
        registered = next(e for e in history if e["event"] == "Registered")
        assert registered["data"]["correlation_id"] == "ops-check-1"

        assert (await http.get("/health/live")).json() == {"status": "live"}
        ready = await http.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["services"]) == {"intake", "risk", "escalation", "notify"}

        async def scraped():
            page = await http.get("/metrics")
            assert page.status_code == 200 and page.headers["content-type"].startswith(
                "text/plain")
            found = samples(page.text)
            published = found[("assure_relay_lag_events", (("service", "intake"),))] == 0
            return found if published else None

        found = await eventually(scraped, what="intake's events to be published")
        page = (await http.get("/metrics")).text
        exposed = {family(line.split()[2]) for line in page.splitlines()
                   if line.startswith("# TYPE ")}
        assert metric_names() <= exposed, metric_names() - exposed  # deploy/monitoring reads
        for service in ("intake", "risk", "escalation", "notify"):
            assert ("assure_events_recorded", (("service", service),)) in found
            # The store's size on disk: every store has written something (a SQLite file, or
            # the PostgreSQL schema's tables).
            assert found[("assure_store_bytes", (("service", service),))] > 0
            assert found[("assure_dead_letters", (("service", service),))] == 0
        assert found[("assure_events_recorded", (("service", "intake"),))] >= 2
        assert found[("assure_view_lag_events", (("service", "intake"), ("view", "keys")))] >= 0
        timed = [key for key in found if key[0] == "assure_http_request_seconds_count"
                 and ("route", "/intake/providers/{provider_id}/contracts") in key[1]]
        assert timed and found[timed[0]] >= 1  # by route template, never the raw path
        durables = {dict(k[1])["durable"] for k in found
                    if k[0] == "assure_consumer_pending_messages"}
        assert len(durables) == len([c for r in system.runtimes for c in r.consumers])

        # A relay that stops makes the process not ready (it is still live).
        risk = next(r for r in system.runtimes if r.app.service == "risk")
        risk._relay_task.cancel()
        await asyncio.gather(risk._relay_task, return_exceptions=True)
        stopped = await http.get("/health/ready")
        assert stopped.status_code == 503
        assert stopped.json()["services"]["risk"]["problems"] == ["its outbox relay is stopped"]
        assert (await http.get("/health/live")).status_code == 200


async def test_metrics_refuse_a_caller_elsewhere_without_the_token(settings):
    settings = settings.model_copy(update={"metrics_token": "s3cret-scrape",
                                           "trusted_proxies": "127.0.0.1/32"})
    async with (running(settings) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http):
        elsewhere = {"X-Forwarded-For": "203.0.113.9"}  # relayed by a trusted local proxy
        refused = await http.get("/metrics", headers=elsewhere)
        assert refused.status_code == 403 and "ASSURE_METRICS_TOKEN" in refused.text
        wrong = await http.get("/metrics", headers={**elsewhere,
                                                    "Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        allowed = await http.get("/metrics", headers={
            **elsewhere, "Authorization": "Bearer s3cret-scrape"})
        assert allowed.status_code == 200 and "assure_events_recorded" in allowed.text


def test_json_log_lines_carry_the_correlation_id(capsys, monkeypatch):
    monkeypatch.delenv("ASSURE_LOG_HTTP_CALLS", raising=False)
    root = logging.getLogger()
    kept = (list(root.handlers), root.level, logging.getLogger("httpx").level)
    try:
        logs.configure(logging.INFO, "json")
        token = context.begin("corr-42")
        logging.getLogger("assure.test").info("a return was recorded")
        logging.getLogger("httpx").info("HTTP Request: GET http://assure.internal/x")
        context.end(token)
        logging.getLogger("assure.test").warning("outside any request")
    finally:
        root.handlers[:] = kept[0]
        root.setLevel(kept[1])
        logging.getLogger("httpx").setLevel(kept[2])
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["correlation_id"], line["message"]) for line in lines] == [
        ("corr-42", "a return was recorded"), ("-", "outside any request")]
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "assure.test"
