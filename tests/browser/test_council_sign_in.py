"""Signing in to the console at the council's own identity provider, in a real browser: a real
OpenID provider (node-oidc-provider, OpenID Certified, tests/oidc/server.mjs) on loopback, the
authorisation code flow with PKCE, roles read from tokens shaped like Microsoft Entra ID's
(`roles`) or Keycloak's (`realm_access.roles`), the API taking the provider's access token,
sessions held on the server so that signing out ends them, and refresh at the provider."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.settings import AssureSettings
from tests.browser.conftest import (
    CHROMIUM_ARGS,
    _chromium,
    accessible,
    require,
    screenshot,
)
from tests.support import contract_award, free_port, running, serving

pytestmark = pytest.mark.browser

OIDC = Path(__file__).parents[1] / "oidc"
# How this council's directory names its people's access (Entra ID app roles' values, or the
# Keycloak realm's roles): the settings a council sets, ASSURE_AUTH_ROLE_MAP.
ROLE_MAP = {"Assure.Officer": "commissioning_officer", "Assure.GeneralManager": "general_manager",
            "Assure.ProviderUser": "provider_user"}
ROLES_CLAIM = {"entra": "roles", "keycloak": "realm_access.roles"}


def _node() -> str:
    node = shutil.which("node")
    require("signing in at a real OpenID provider", {
        "node (apt-get install nodejs)": node,
        "oidc-provider (npm ci --prefix tests/oidc)":
            (OIDC / "node_modules" / "oidc-provider").is_dir()})
    return str(node)


@pytest.fixture
def store() -> dict[str, object]:
    return {}


@pytest.fixture
def shape() -> str:
    return "entra"


@pytest.fixture
def idp_port() -> int:
    return free_port()


@pytest.fixture
def console_settings(settings: AssureSettings, shape: str, idp_port: int) -> AssureSettings:
    issuer = f"http://localhost:{idp_port}"
    return settings.model_copy(update={
        "auth_required": True, "auth_issuer": issuer, "auth_jwks_url": f"{issuer}/jwks",
        "auth_audience": "assure", "auth_roles_claim": ROLES_CLAIM[shape],
        "auth_role_map": ROLE_MAP, "auth_provider_claim": "organisation",
        "oidc_client_id": "assure-console",
        "oidc_scopes": "openid profile offline_access assure"})


@dataclass
class Council:
    """The served console, the council's identity provider, and a browser."""

    url: str
    browser: Any
    sessions: Path

    async def sign_in(self, login: str, refused: bool = False) -> Any:
        """A new browser: the console's sign-in, then the provider's pages, as a person would."""
        context = await self.browser.new_context(base_url=self.url, locale="en-GB")
        page = await context.new_page()
        page.set_default_timeout(15_000)
        await page.goto("/console/sign-in")
        await accessible(page)
        await page.get_by_role("button", name="Sign in with your council account").click()
        await page.locator("input[name=login]").fill(login)
        await page.locator("input[name=password]").fill("any password")
        await page.get_by_role("button", name="Sign-in").click()
        await page.get_by_role("button", name="Continue").click()
        # Past the console's "you are signed in" page, which moves on by itself.
        await page.wait_for_url(lambda url: url.startswith(f"{self.url}/console/")
                                and refused == ("/console/signed-in" in url))
        await page.wait_for_load_state()
        return page

    def session_tokens(self) -> list[tuple[str, float]]:
        """Each session's access token and when it runs out, as the server keeps them."""
        with sqlite3.connect(self.sessions) as db:
            return db.execute("select access_token, access_expires from console_session"
                              ).fetchall()


async def _provider(port: int, console_url: str, shape: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        _node(), str(OIDC / "server.mjs"), str(port), console_url, shape,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line.strip() == b"listening", line
    return process


@pytest.fixture
async def council(console_settings: AssureSettings, shape: str,
                  idp_port: int) -> AsyncIterator[Council]:
    executable = _chromium()
    _node()
    from playwright.async_api import async_playwright

    async with running(console_settings) as system, serving(system) as url:
        provider = await _provider(idp_port, url, shape)
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=executable,
                                                           args=CHROMIUM_ARGS, headless=True)
                try:
                    yield Council(url, browser,
                                  console_settings.data_dir / "console-sessions.sqlite")
                finally:
                    await browser.close()
        finally:
            provider.terminate()
            await provider.wait()


async def test_an_officer_signs_in_at_the_council_provider_and_signing_out_ends_it(
        council: Council):
    page = await council.sign_in("jo")
    await page.wait_for_url("**/console/workspace/")
    assert "Jo Officer" in await page.locator(".assure-signed-in").inner_text()
    assert "Commissioning officer" in await page.locator(".assure-signed-in").inner_text()
    await accessible(page)
    await screenshot(page, "council-sign-in-officer")

    # The API takes the provider's access token, roles mapped the same way.
    [(token, _)] = council.session_tokens()
    async with httpx.AsyncClient(base_url=council.url,
                                 headers={"Authorization": f"Bearer {token}"}) as api:
        assert (await api.get("/intake/providers")).status_code == 200

    kept = next(c for c in await page.context.cookies() if c["name"] == "assure_session")
    await page.get_by_role("link", name="Sign out").click()
    await page.get_by_role("button", name="Yes, sign me out").click()  # at the provider
    await page.wait_for_url("**/console/sign-in")
    assert council.session_tokens() == []

    await page.context.add_cookies([kept])  # as if someone had copied the cookie before
    await page.goto("/console/workspace/")
    assert "/console/sign-in?next=/console/workspace/" in page.url
    await screenshot(page, "council-sign-in")


async def test_an_access_token_at_its_end_is_refreshed_at_the_provider(council: Council):
    page = await council.sign_in("sam")
    [(before, _)] = council.session_tokens()
    with sqlite3.connect(council.sessions) as db:  # the access token's time has run out
        db.execute("update console_session set access_expires = ?", (time.time() - 1,))

    await page.reload()
    assert "Sam Senior" in await page.locator(".assure-signed-in").inner_text()
    [(after, expires)] = council.session_tokens()
    assert after != before
    assert expires > time.time()


@pytest.mark.parametrize("shape", ["keycloak"])
async def test_a_provider_user_sees_only_their_own_portal(council: Council):
    officer = await council.sign_in("jo")
    [(token, expires)] = council.session_tokens()
    async with httpx.AsyncClient(base_url=council.url,
                                 headers={"Authorization": f"Bearer {token}"}) as api:
        for provider_id in ("elm-court", "oak-lodge"):  # as the officer the token names
            assert (await api.post("/intake/providers", json={
                "provider_id": provider_id, "name": provider_id.title()})).status_code == 201
            assert (await api.post(f"/intake/providers/{provider_id}/contracts", json=(
                contract_award(f"{provider_id}-c1")))).is_success
    await officer.context.close()

    page = await council.sign_in("pat")
    await page.wait_for_url("**/console/provider/")
    # The header names the provider's organisation as registered, never its id.
    signed_in_as = await page.locator(".assure-signed-in").inner_text()
    assert "Elm-Court" in signed_in_as and "elm-court" not in signed_in_as
    portal = await page.locator("main").inner_text()
    assert "Elm-Court" in portal and "Oak-Lodge" not in portal
    await screenshot(page, "council-sign-in-provider")

    await page.goto("/console/workspace/")
    assert await page.get_by_role("heading", name="You cannot see this page").count() == 1
    [(pats, _)] = set(council.session_tokens()) - {(token, expires)}
    async with httpx.AsyncClient(base_url=council.url,
                                 headers={"Authorization": f"Bearer {pats}"}) as api:
        assert (await api.get("/intake/providers/elm-court")).status_code == 200
        assert (await api.get("/intake/providers/oak-lodge")).status_code == 403


@pytest.mark.parametrize("shape", ["keycloak"])
async def test_someone_with_no_assure_role_is_told_and_not_signed_in(council: Council):
    page = await council.sign_in("nobody", refused=True)
    assert await page.get_by_role("heading", name="You could not be signed in").count() == 1
    assert "no role in Assure" in await page.locator("main").inner_text()
    await accessible(page)
    assert council.session_tokens() == []
