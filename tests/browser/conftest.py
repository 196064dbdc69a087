"""The console in a real browser: Debian's Chromium, driven by Playwright (no browser
downloads), against the whole system served on loopback with sign-in on, as `assure up` runs.

Every page a test visits can be checked with axe-core (WCAG 2.2 A and AA rules) and
photographed; the screenshots are the run's artefacts, in build/screenshots (or
ASSURE_SCREENSHOTS).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from assure.console import HERE as CONSOLE
from assure.signin import DevSignIn
from shared.settings import AssureSettings
from tests.support import running, serving

pytestmark = pytest.mark.browser

AXE = CONSOLE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("ASSURE_SCREENSHOTS", Path(__file__).parents[2] / "build"
                                  / "screenshots"))
# The rules UK public-sector services are held to: WCAG 2.2 at A and AA.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Without these, Chromium phones home at every start and this machine's closed network
# refuses it, many times over.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def _chromium() -> str:
    found = os.environ.get("ASSURE_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    require("the browser tests", {
        "Chromium (apt-get install chromium)": found,
        "axe-core and GOV.UK Frontend (npm ci --prefix assure/console)": AXE.is_file()})
    return str(found)


def require(tests: str, needs: dict[str, object]) -> None:
    """Skips when something a test needs is missing, saying what; under CI, fails instead."""
    missing = [what for what, there in needs.items() if not there]
    if missing:
        reason = f"{tests} need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + ": .ci/run installs them", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def store() -> dict[str, object]:
    """The console is storage-blind: one store (SQLite) is enough for its pages."""
    return {}


@pytest.fixture
def console_settings(settings: AssureSettings) -> AssureSettings:
    return settings.model_copy(update={"auth_required": True})


@dataclass
class Console:
    """The served system and a browser: pages signed in as anyone, the API for setting up."""

    url: str
    browser: Any
    api: httpx.AsyncClient
    pages: list[Any] = field(default_factory=list)

    async def sign_in(self, user: str, role: str, provider_id: str | None = None) -> Any:
        """A new browser session, signed in through the sign-in page."""
        context = await self.browser.new_context(base_url=self.url, locale="en-GB",
                                                 timezone_id="Europe/London")
        page = await context.new_page()
        page.set_default_timeout(15_000)
        await page.goto("/console/sign-in")
        await page.get_by_label("Your name").fill(user)
        await page.locator(f"input[name=role][value={role}]").check()
        if provider_id:
            await page.get_by_label("Your organisation’s provider id").fill(provider_id)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_load_state()
        self.pages.append(page)
        return page


async def accessible(page: Any) -> None:
    """axe-core finds no WCAG 2.2 A or AA violation on the page as it stands."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol: the console's CSP rightly refuses an inline script.
        session = await page.context.new_cdp_session(page)
        await session.send("Runtime.evaluate", {"expression": AXE.read_text()})
        await session.detach()
    result = await page.evaluate("(tags) => axe.run(document, {runOnly: tags})", WCAG)
    problems = [f"{v['id']} ({v['impact']}): {v['help']} — "
                + "; ".join(node["target"][0] for node in v["nodes"][:3])
                for v in result["violations"]]
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


async def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
async def console(console_settings: AssureSettings) -> AsyncIterator[Console]:
    executable = _chromium()
    from playwright.async_api import async_playwright

    async with (
        running(console_settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, auth=DevSignIn(), timeout=30) as api,
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(executable_path=executable,
                                                   args=CHROMIUM_ARGS, headless=True)
        try:
            yield Console(url, browser, api)
        finally:
            await browser.close()
