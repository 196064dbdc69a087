"""Every page of the console, as each kind of person who uses it: axe-core finds no WCAG 2.2
A or AA violation, each page is either shown or refused with a GOV.UK message page (never an
error), and each is shown to someone. The page list is read from the console's own routers,
so a page added later is walked too (issue 9: "an automated accessibility check passes on
every page"). Each answer carries the security headers, every form it posts sends the CSRF
token, and Chromium reports no Content-Security-Policy violation on any of them (issue 14).
Nothing a page asks for (styles, scripts, fonts, images) fails, and at a phone's 320 px no
page is wider than the screen, its tables scrolling within their own box, with axe still
clean (issue 18)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from assure.console import (
    approvals,
    audit,
    governance,
    home,
    inbox,
    provider,
    reports,
    sharing,
    workspace,
)
from tests.browser.conftest import Console, accessible
from tests.support import SECTIONS_UNSAFE, eventually, register_with_contract, return_form

pytestmark = pytest.mark.browser

AREAS = (home, reports, provider, approvals, sharing, workspace, inbox, audit, governance)
# Not pages: the live regions' fragments and streams of changes, downloads, sign-out (which only
# redirects) and the identity provider's return (which needs a sign-in under way).
NOT_PAGES = re.compile(r"/fragment$|/changes$|/export\.|/download(/|$)|/evidence/|/sign-out$"
                       r"|/signed-in$|^/console/$")
PEOPLE = (("Jo Officer", "commissioning_officer", None),
          ("Morag Campbell", "head_of_strategic_planning", None),
          ("Registered manager", "provider_user", "hazel"),
          ("Ada Auditor", "auditor", None))


# Each page's answer: no inline script, no framing, no sniffing, no address sent elsewhere.
SECURITY_HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff",
                    "referrer-policy": "same-origin"}
POST_FORMS_WITHOUT_TOKEN = """() => [...document.querySelectorAll('form[method=post]')]
    .filter(form => !form.querySelector('input[type=hidden][name=csrf_token]')?.value)
    .map(form => form.getAttribute('action'))"""
# GOV.UK Frontend ran, though no script is inline: js-enabled is set and components started.
FRONTEND_NOT_STARTED = """() => document.body.classList.contains('js-enabled')
    ? [...document.querySelectorAll('[data-module^="govuk-"]')]
        .filter(e => ![...e.attributes].some(a => a.name.endsWith('-init')))
        .map(e => e.dataset.module)
    : ['js-enabled not set']"""


DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 320, "height": 640}  # the narrowest the Design System designs for
WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth - window.innerWidth"
# What sticks out: the innermost elements reaching past the screen's right edge, or whose
# words (a long unbroken one) run past their own.
STICKING_OUT = """() => [...document.body.querySelectorAll('*')]
    .filter(e => (e.getBoundingClientRect().right > window.innerWidth + 1
                  || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX
                     === 'visible')
                 && ![...e.children].some(c => c.getBoundingClientRect().right
                                              > window.innerWidth + 1))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.')
                          + ' "' + (e.textContent || '').trim().slice(0, 40) + '"')"""


async def fits_a_phone(page: Any, where: str, check_axe: bool, found: list[str]) -> None:
    """At 320 px the page scrolls only down, not across; what is too wide says so."""
    await page.set_viewport_size(PHONE)
    try:
        over = await page.evaluate(WIDER_THAN_THE_SCREEN)
        if over > 0:
            found.append(f"{where}: {over} px wider than the screen: "
                         + "; ".join(await page.evaluate(STICKING_OUT)))
        if check_axe:
            await accessible(page)
    finally:
        await page.set_viewport_size(DESKTOP)


def watch_csp(page: Any, found: list[str]) -> None:
    """Keeps what Chromium reports the page's Content-Security-Policy refused."""
    page.on("console", lambda message: found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)


def watch_requests(page: Any, found: list[str]) -> None:
    """Keeps what the page asked for beyond itself that failed or was refused, e.g. a font."""
    # Aborted is the browser leaving the page before, say, its favicon came: not a failure.
    page.on("requestfailed", lambda request: found.append(
        f"{page.url}: {request.url} {request.failure}")
        if request.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda response: found.append(
        f"{page.url}: {response.url} {response.status}")
        if response.status >= 400 and response.request.resource_type != "document" else None)


async def secured(page: Any, answer: Any, who: str) -> None:
    """The answer's security headers, and the page's forms and scripts under them."""
    where = f"{who} at {page.url}"
    headers = answer.headers
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{where}: {name}"
    policy = headers.get("content-security-policy", "")
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, where
    assert await page.evaluate(POST_FORMS_WITHOUT_TOKEN) == [], f"{where}: forms without token"
    assert await page.evaluate(FRONTEND_NOT_STARTED) == [], f"{where}: GOV.UK Frontend"


def console_pages() -> list[str]:
    found = {"/console" + route.path for area in AREAS for route in area.router.routes
             if "GET" in getattr(route, "methods", ())}
    return sorted(path for path in found if not NOT_PAGES.search(path))


async def case_of(console: Console) -> dict[str, str]:
    """Hazel with a contract, an unsafe return, the intervention it opened with a plan
    requested, and a monitoring report issued: a value for every page's parameters."""
    api = console.api
    reference = await register_with_contract(api, "hazel")
    sent = await api.post(f"/intake/contracts/{reference}/returns",
                          json=return_form(SECTIONS_UNSAFE))
    assert sent.status_code == 201, sent.text

    async def opened() -> Any:
        found = (await api.get("/escalation/providers/hazel/interventions")).json()
        return found[0] if found else None

    intervention = await eventually(opened, what="the intervention opened")
    await api.post(f"/escalation/interventions/{intervention['intervention_id']}/"
                   "improvement-plans", json={})
    activity = date.today() - timedelta(days=2)
    report = (await api.post("/escalation/providers/hazel/monitoring-reports", json={
        "kind": "meeting notes", "activity_on": activity.isoformat(),
        "findings": "Supervision is behind.", "actions": [{"action": "Bring supervision up to 80%",
                     "date_required": (activity + timedelta(days=42)).isoformat()}],
    })).json()
    await api.post(f"/escalation/monitoring-reports/{report['report_id']}/issue",
                   json={})
    owed = (await api.get("/intake/providers/hazel/returns-owed")).json()[0]
    return {"provider_id": "hazel", "reference": reference, "form": owed["form"],
            "period": owed["period"], "return_id": sent.json()["return_id"],
            "intervention_id": intervention["intervention_id"],
            "report_id": report["report_id"]}


async def test_every_page_is_accessible_to_everyone_who_uses_it(console: Console):
    values = await case_of(console)
    pages = [re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
             for path in console_pages()]
    assert len(pages) >= 20, pages

    anonymous = await (await console.browser.new_context(base_url=console.url)).new_page()
    violations: list[str] = []
    failed: list[str] = []
    watch_csp(anonymous, violations)
    watch_requests(anonymous, failed)
    too_wide: list[str] = []
    for path in ("/console/sign-in", "/console/accessibility"):
        answer = await anonymous.goto(path)
        assert answer.status == 200
        await secured(anonymous, answer, "anyone")
        await accessible(anonymous)
        await fits_a_phone(anonymous, f"anyone at {path}", True, too_wide)
    assert failed == [], failed

    shown: dict[str, list[str]] = {page: [] for page in pages}
    checked: set[tuple[str, int]] = set()
    for user, role, provider_id in PEOPLE:
        page = await console.sign_in(user, role, provider_id)
        await page.set_viewport_size(DESKTOP)
        watch_csp(page, violations)
        watch_requests(page, failed)
        for path in pages:
            answer = await page.goto(path)
            assert answer.status in (200, 403, 404), f"{role} at {path}: {answer.status}"
            await secured(page, answer, role)
            assert await page.locator("h1").count() == 1, f"{role} at {path}: one h1"
            # Each page as shown, and each refusal, once: a page differs little by viewer.
            first = (path, answer.status) not in checked
            if first:
                await accessible(page)
                checked.add((path, answer.status))
            await fits_a_phone(page, f"{role} at {path}", first, too_wide)
            if answer.status == 200:
                shown[path].append(role)
    assert not [path for path, roles in shown.items() if not roles], shown
    assert violations == []
    assert failed == []
    assert too_wide == [], "\n".join(too_wide)
