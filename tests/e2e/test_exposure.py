"""What anyone who can reach Assure can do, probed from outside as an attacker would: mint tokens,
dodge limits with forged headers, read histories of no one, break dates, flood answers, and pass
a script off as a PDF (issue 14)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from assure.gateway import create_app
from assure.serve import server_config
from assure.services import ALL
from shared.nats_server import free_port
from shared.security.identity import Role
from shared.settings import AssureSettings
from tests.support import (
    as_,
    register_with_contract,
    return_form,
    running,
    served_by_uvicorn,
)

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parents[2]
OFFICER = {"user": "Jo Officer", "role": "commissioning_officer"}
PDF = b"%PDF-1.4\n% notes of the monitoring visit, 12 August 2026\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20


def assure_up(data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assure.cli", "up", "--data-dir", str(data_dir), *args],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


# The development issuer only where it is safe -----------------------------------------------


def test_assure_up_on_every_address_without_an_identity_provider_refuses_before_listening(
        tmp_path):
    port = free_port()
    started = assure_up(tmp_path / "data", "--host", "0.0.0.0", "--port", str(port))
    try:
        output, _ = started.communicate(timeout=120)
    finally:
        stopped(started)

    assert started.returncode != 0
    assert "will not listen on 0.0.0.0" in output
    assert "ASSURE_AUTH_JWKS_URL" in output
    assert not (tmp_path / "data" / "nats").exists()  # nothing was started
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).raise_for_status()


def test_assure_up_on_loopback_says_which_sign_in_is_active(tmp_path, nats_url, namespace):
    port = free_port()
    started = assure_up(tmp_path / "data", "--port", str(port), ASSURE_NATS_URL=nats_url,
                        ASSURE_NAMESPACE=namespace, ASSURE_RUN_BACKGROUND_JOBS="false")
    try:
        assert _answers(f"http://127.0.0.1:{port}/health")
    finally:
        output = stopped(started)
    said = [line for line in output.splitlines() if "Sign-in:" in line]
    assert len(said) == 1, output
    assert "development issuer on 127.0.0.1" in said[0]


def stopped(process: subprocess.Popen[str]) -> str:
    """Stops `assure up` as Ctrl-C would, if it still runs (its NATS with it); its output."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=120)[0] or ""


def _answers(url: str) -> bool:
    """Whether the server answers, once it has started."""
    for _ in range(600):
        try:
            return httpx.get(url, timeout=10).status_code == 200
        except httpx.ConnectError:
            time.sleep(0.1)
    return False


async def test_development_sign_in_answers_callers_on_this_machine_only(settings):
    signed = settings.model_copy(update={"auth_required": True})
    async with running(signed) as system:
        app = system.http_app()
        elsewhere = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        here = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=elsewhere, base_url="http://assure") as http:
            refused = await http.post("/auth/dev-token", json=OFFICER)
        async with httpx.AsyncClient(transport=here, base_url="http://assure") as http:
            relayed = await http.post("/auth/dev-token", json=OFFICER,
                                      headers={"X-Forwarded-For": "203.0.113.9"})
            local = await http.post("/auth/dev-token", json=OFFICER)

    assert refused.status_code == 403, refused.text
    assert "only for this machine" in refused.json()["detail"]
    assert relayed.status_code == 403  # through a proxy no one configured: not local
    assert local.status_code == 200 and local.json()["access_token"]


# Limits keyed on the real client ------------------------------------------------------------


@contextlib.asynccontextmanager
async def served(tmp_path: Path, **settings: object) -> AsyncIterator[str]:
    """The HTTP entry point served by uvicorn as `assure up` configures it (no NATS needed:
    HTTP only records events)."""
    config = AssureSettings(data_dir=tmp_path / "data", run_background_jobs=False,
                            http_port=free_port(), **settings)
    app = create_app({service.name: service.build(config) for service in ALL}, config)
    async with served_by_uvicorn(server_config(app, config)) as url:
        yield url


async def sign_ins(http: httpx.AsyncClient, count: int, forwarded) -> list[int]:
    return [(await http.post("/auth/dev-token", json=OFFICER,
                             headers={"X-Forwarded-For": forwarded(i)})).status_code
            for i in range(count)]


async def test_a_forged_forwarded_address_does_not_dodge_the_sign_in_limit(tmp_path):
    async with served(tmp_path) as url, httpx.AsyncClient(base_url=url) as http:
        answers = await sign_ins(http, 31, lambda i: f"198.51.100.{i + 1}")

    assert 429 in answers
    assert answers[30] == 429


async def test_through_a_configured_proxy_the_forwarded_client_is_the_key(tmp_path):
    async with served(tmp_path, trusted_proxies="127.0.0.1") as url, \
            httpx.AsyncClient(base_url=url) as http:
        one_client = await sign_ins(http, 31, lambda _: "198.51.100.7")
        another = await sign_ins(http, 1, lambda _: "198.51.100.8")

    assert one_client[:30] == [403] * 30  # a client elsewhere: no development sign-in
    assert one_client[30] == 429
    assert another == [403]  # its own count, not the first client's


# History: 404 for no one, and limited per reader --------------------------------------------


HISTORY_ROUTES = ("/history/{}", "/history/{}/as-at?date=2026-08-01",
                  "/intake/providers/{}/history", "/risk/providers/{}/history",
                  "/escalation/providers/{}/history", "/notify/providers/{}/history")


async def test_the_history_of_a_provider_that_never_existed_is_404_and_no_read_is_recorded(
        secured):
    http, issuer = secured
    auditor = as_(issuer, "Internal audit", Role.AUDITOR)
    for route in HISTORY_ROUTES:
        answer = await http.get(route.format("nobody-ever"), headers=auditor)
        assert answer.status_code == 404, (route, answer.text)
        assert "no provider is known" in answer.json()["detail"]
    assert (await http.get("/history/nobody-ever/reads", headers=auditor)).status_code == 404
    services = http._transport.app.state.services  # type: ignore[attr-defined]
    assert [app.reads("nobody-ever") for app in services.values()] == [[], [], [], []]


async def test_history_reads_are_limited_per_reader(secured):
    http, issuer = secured
    officer = as_(issuer, "Jo Officer", Role.COMMISSIONING_OFFICER)
    registered = await http.post("/intake/providers", headers=officer, json={
        "provider_id": "oakwood", "name": "Oakwood Care"})
    assert registered.status_code == 201, registered.text
    auditor = as_(issuer, "Internal audit", Role.AUDITOR)

    answers = [(await http.get("/history/oakwood", headers=auditor)).status_code
               for _ in range(61)]
    other = await http.get("/intake/providers/oakwood/history",
                           headers=as_(issuer, "Second auditor", Role.AUDITOR))
    limited = await http.get("/intake/providers/oakwood/history", headers=auditor)

    assert answers[:60] == [200] * 60
    assert answers[60] == 429
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert other.status_code == 200  # each reader has their own count


# Dates within sane years -------------------------------------------------------------------


async def test_the_state_as_at_the_end_of_time_is_refused_not_a_server_error(secured):
    http, issuer = secured
    auditor = as_(issuer, "Internal audit", Role.AUDITOR)
    for asked in ({"date": "9999-12-31"}, {"date": "0001-01-01"},
                  {"at": "9999-12-31T23:59:59Z"}):
        answer = await http.get("/history/nobody-ever/as-at", params=asked, headers=auditor)
        assert answer.status_code == 422, (asked, answer.text)
        assert "1 January 2000 to 31 December 2099" in answer.text


async def test_a_decision_dated_outside_the_sane_years_is_refused(settings):
    async with running(settings) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure") as http:
            answers = [await http.post(f"/escalation/escalations/{uuid.uuid4()}/approve", json={
                "on": on})
                for on in ("0001-01-01", "9999-12-31")]
            award = await http.post("/intake/providers/oakwood/contracts", json={
                "reference": "OAK-1", "service_type": "care-home", "annual_value": "250000",
                "start_date": "9999-12-31", "contract_manager": "Ann"})

    for answer in [*answers, award]:
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"][-1] in ("on", "start_date")


# Answers that do not echo floods -------------------------------------------------------------


async def test_a_10_mb_name_gets_a_short_422_and_an_oversized_body_a_json_413(settings):
    async with running(settings) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure") as http:
            flooded = await http.post("/intake/providers", json={
                "provider_id": "oakwood", "name": "x" * (10 * 1024 * 1024)})
            oversized = await http.post("/escalation/escalations/x/approve",
                                        content=b"[" + b"1," * (1024 * 1024) + b"1]",
                                        headers={"Content-Type": "application/json"})

    assert flooded.status_code == 422
    assert len(flooded.content) < 2000
    [problem] = flooded.json()["detail"]
    assert problem["loc"] == ["body", "name"]
    assert problem["input"] == "x" * 100 + "…"
    assert oversized.status_code == 413
    assert oversized.headers["content-type"] == "application/json"
    assert "too large" in oversized.json()["detail"]


# Evidence: its type from its content --------------------------------------------------------


async def test_a_script_sent_as_a_pdf_is_refused_and_a_file_is_kept_as_what_it_is(settings):
    async with running(settings) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure") as http:
            reference = await _owing(http)
            sent = await http.post(f"/intake/contracts/{reference}/returns", json=return_form())
            assert sent.status_code == 201, sent.text
            evidence = f"/intake/returns/{sent.json()['return_id']}/evidence"
            script = b"<script>fetch('/intake/providers')</script>"
            refused = await http.post(evidence, files={
                "file": ("notes.pdf", script, "application/pdf")})
            kept = await http.post(evidence, files={
                "file": ("photo", PNG, "application/octet-stream")})
            downloaded = await http.get(f"{evidence}/{hashlib.sha256(PNG).hexdigest()}")
            missing = await http.get(f"{evidence}/{hashlib.sha256(script).hexdigest()}")

    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "file"]
    assert "not accepted" in refused.json()["detail"][0]["msg"]
    assert missing.status_code == 404
    assert kept.status_code == 201 and kept.json()["media_type"] == "image/png"
    assert downloaded.headers["content-type"] == "image/png"
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert downloaded.headers["content-disposition"].startswith("attachment;")


async def _owing(http: httpx.AsyncClient) -> str:
    """Oakwood with a LEVEL 1 contract and the clock where its first return is owed."""
    assert (await http.post("/intake/clock/tick", json={"to": "2026-07-01"})).status_code == 200
    return await register_with_contract(http, "oakwood")
