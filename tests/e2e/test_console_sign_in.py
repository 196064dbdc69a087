"""The console's sign-in, over HTTP with sign-in on: attempts limited per address (defect 7),
and a session that ends on the server when its person signs out."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_console_security import OWN, token_on

pytestmark = pytest.mark.e2e


async def form(http: httpx.AsyncClient, **fields: str) -> httpx.Response:
    """Sends the sign-in form as a browser would: from the page, with its CSRF token."""
    page = await http.get("/console/sign-in")
    return await http.post("/console/sign-in", headers={"Origin": OWN},
                           data=fields | {"csrf_token": token_on(page)})


async def test_the_console_sign_in_form_is_rate_limited(secured):
    http, _ = secured
    answers = [(await form(http, user="")).status_code for _ in range(31)]
    assert answers[0] == 422 and answers[-1] == 429
    refused = await form(http, user="Jo Officer", role="commissioning_officer")
    assert refused.status_code == 429 and "Too many attempts to sign in" in refused.text
    assert "assure_session" not in refused.cookies


async def test_the_return_from_the_identity_provider_is_rate_limited(secured):
    http, _ = secured
    answers = [(await http.get("/console/signed-in", params={"state": "x", "code": "y"})
                ).status_code for _ in range(31)]
    assert answers[0] == 400 and answers[-1] == 429


async def test_a_session_cookie_after_sign_out_signs_no_one_in(secured):
    http, _ = secured
    signed_in = await form(http, user="Jo Officer", role="commissioning_officer")
    assert signed_in.status_code == 303
    kept = {"Cookie": f"assure_session={signed_in.cookies['assure_session']}"}
    http.cookies.clear()
    assert (await http.get("/console/workspace/", headers=kept)).status_code == 200
    await http.get("/console/sign-out", headers=kept)
    after = await http.get("/console/workspace/", headers=kept)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/console/sign-in")
