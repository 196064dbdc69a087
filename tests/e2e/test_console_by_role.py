"""What each role's console shows follows the access matrix (issue 18, defect 4): operational
staff, whom the matrix refuses the return log, saw "Overdue returns 0" for every provider (the
refusal read as an empty log) and kept "Return log" in their menu."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from assure.signin import DevSignIn
from tests.support import eventually, register_with_contract, running

pytestmark = pytest.mark.e2e

OWN = "http://assure"
TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


@contextlib.asynccontextmanager
async def signed_in_site(settings) -> AsyncIterator[tuple[Any, httpx.ASGITransport,
                                                          httpx.AsyncClient]]:
    """The system with sign-in on, its entry point in process, and the API as anyone."""
    signed = settings.model_copy(update={"auth_required": True})
    async with running(signed) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url=OWN, auth=DevSignIn()) as api:
            yield system, transport, api


@pytest.fixture
async def site(settings) -> AsyncIterator[tuple[httpx.ASGITransport, httpx.AsyncClient]]:
    async with signed_in_site(settings) as (system, transport, api):
        intake = system.apps["intake"]
        intake.tick(date(2026, 7, 20), "c")
        await register_with_contract(api, "hazel")
        intake.tick(date(2026, 8, 3), "c")  # the 1 August round: a CMR due 17 August
        intake.tick(date(2026, 8, 18), "c")  # ... and overdue

        async def risk_knows_hazel() -> bool:  # the dashboard lists risk's providers
            return (await api.get("/risk/providers/hazel/risk")).status_code == 200

        await eventually(risk_knows_hazel, what="risk to hear of Hazel's contract")
        yield transport, api


async def console_as(transport: httpx.ASGITransport, user: str, role: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=transport, base_url=OWN)
    page = await browser.get("/console/sign-in")
    token = TOKEN.search(page.text).group(1)
    answer = await browser.post("/console/sign-in", headers={"Origin": OWN}, data={
        "user": user, "role": role, "csrf_token": token})
    assert answer.status_code == 303, answer.text
    return browser


async def test_a_figure_the_role_may_not_read_is_left_out_not_shown_as_nothing(site):
    transport, api = site
    overdue = (await api.get("/intake/return-log", params={"status": "overdue"})).json()
    assert [row["provider_id"] for row in overdue] == ["hazel"]

    officer = await console_as(transport, "Jo Officer", "commissioning_officer")
    page = (await officer.get("/console/workspace/")).text
    await officer.aclose()
    assert "Overdue returns" in page and "Return log" in page
    row = page[page.index('data-provider="hazel"'):]
    headings = re.findall(r'<th scope="col" class="govuk-table__header[^"]*">([^<]+)</th>', page)
    cells = re.findall(r"<td [^>]*>(.*?)</td>", row[:row.index("</tr>")], re.S)
    assert dict(zip(headings[1:], cells, strict=True))["Overdue returns"].strip() == "1"

    staff = await console_as(transport, "Sam Locality", "operational_staff")
    answer = await staff.get("/console/workspace/")
    await staff.aclose()
    assert answer.status_code == 200
    assert "Overdue returns" not in answer.text and "overdue returns" not in answer.text
    assert "Return log" not in answer.text  # the menu follows the matrix
    assert "Hazel" in answer.text  # what the role may read is still there
