"""The console's live pages (issue 18, must-do 6): each page's stream of server-sent events
says when the records behind it changed, behind the same sign-in and roles as the page, and
ends when the server is stopped with Ctrl-C while a browser still has it open."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections.abc import AsyncIterator

import httpx
import pytest
from sse_starlette.sse import AppStatus

from assure.serve import _Server, server_config
from assure.signin import DevSignIn
from shared.nats_server import free_port
from tests.support import register_with_contract, running, serving

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
HOSP = ("Morag Campbell", "head_of_strategic_planning")


@contextlib.asynccontextmanager
async def console_as(url: str, user: str, role: str,
                     provider_id: str = "") -> AsyncIterator[httpx.AsyncClient]:
    """A browser's session, signed in through the sign-in page."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as browser:
        yield await _signed_in(browser, url, {"user": user, "role": role,
                                              "provider_id": provider_id})


async def _signed_in(browser: httpx.AsyncClient, url: str,
                     form: dict[str, str]) -> httpx.AsyncClient:
    token = TOKEN.search((await browser.get("/console/sign-in")).text).group(1)
    answer = await browser.post("/console/sign-in", headers={"Origin": url},
                                data={**form, "csrf_token": token})
    assert answer.status_code == 303, answer.text
    return browser


async def next_event(lines: AsyncIterator[str]) -> dict[str, str]:
    """The next event on the stream, its fields by name (keep-alive comments skipped)."""
    event: dict[str, str] = {}
    async for line in lines:
        if not line:
            if event:
                return event
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        event[name] = value.removeprefix(" ")
    raise AssertionError(f"the stream ended; it had said {event}")


@pytest.fixture
async def site(settings) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    signed = settings.model_copy(update={"auth_required": True})
    async with (running(signed) as system, serving(system) as url,
                httpx.AsyncClient(base_url=url, auth=DevSignIn(), timeout=30) as api):
        yield url, api


async def test_the_approvals_stream_says_when_a_proposal_arrives(site):
    url, api = site
    reference = await register_with_contract(api, "hazel")
    async with console_as(url, *HOSP) as senior, \
            senior.stream("GET", "/console/workspace/approvals/changes") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        first = await next_event(lines)  # at once: what changed before the stream opened
        assert first["event"] == "changed"

        intervention = (await api.post("/escalation/providers/hazel/interventions", json={
            "summary": "serious adverse incident", "contract_reference": reference})).json()
        answer = await api.post(
            f"/escalation/interventions/{intervention['intervention_id']}/chief-officer",
            json={"reason": "serious adverse incident"})
        assert answer.status_code == 201, answer.text
        changed = await next_event(lines)
        assert changed["event"] == "changed" and changed["id"] != first["id"]


async def test_a_stream_needs_the_sign_in_and_the_role_its_page_needs(site):
    url, api = site
    await register_with_contract(api, "hazel")
    async with httpx.AsyncClient(base_url=url) as nobody:
        for path in ("/console/inbox/changes", "/console/workspace/changes",
                     "/console/workspace/approvals/changes"):
            answer = await nobody.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/console/sign-in")
    async with console_as(url, "Jo Officer", "commissioning_officer") as officer:
        assert (await officer.get("/console/workspace/approvals/changes")).status_code == 403
    # A provider's users read no dashboard of every provider, nor when it changes.
    async with console_as(url, "Registered manager", "provider_user",
                          provider_id="hazel") as provider:
        assert (await provider.get("/console/workspace/changes")).status_code == 403


async def test_ctrl_c_stops_the_server_while_a_page_keeps_its_stream_open(settings):
    """As `assure up` serves: SIGINT with a stream open ends the stream and the server."""
    signed = settings.model_copy(update={"auth_required": True, "http_host": "127.0.0.1",
                                         "http_port": free_port()})
    async with running(signed) as system:
        server = _Server(server_config(system.http_app(), signed))
        served = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        url = f"http://127.0.0.1:{signed.http_port}"
        try:
            async with console_as(url, "Jo Officer", "commissioning_officer") as person, \
                    person.stream("GET", "/console/inbox/changes") as stream:
                lines = stream.aiter_lines()
                assert (await next_event(lines))["event"] == "changed"
                signal.raise_signal(signal.SIGINT)
                # A hang is what this guards against: the bound is far beyond a clean stop.
                await asyncio.wait_for(served, timeout=120)
                with pytest.raises(AssertionError, match="the stream ended"):
                    await next_event(lines)
        finally:
            AppStatus.should_exit = False  # process-wide: later streams in this run go on
            server.should_exit = True
            await served
