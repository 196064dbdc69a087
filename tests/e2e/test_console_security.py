"""The console's forms only from its own pages, and every answer's security headers (issue 14,
defect 7: a cross-site POST carrying the cookie was recorded; no CSP, frame, nosniff or
referrer headers were set)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from assure.headers import POLICY
from assure.signin import DevSignIn
from tests.support import register_with_contract, running

pytestmark = pytest.mark.e2e

OWN = "http://assure"
FOREIGN = "https://elsewhere.example"
TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


@pytest.fixture
async def site(settings) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """The system with sign-in on: a browser-like client for the console, and the API."""
    signed = settings.model_copy(update={"auth_required": True})
    async with running(signed) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with (
            httpx.AsyncClient(transport=transport, base_url=OWN) as browser,
            httpx.AsyncClient(transport=transport, base_url=OWN, auth=DevSignIn()) as api,
        ):
            yield browser, api


def token_on(page: httpx.Response) -> str:
    found = TOKEN.search(page.text)
    assert found, f"no CSRF field on {page.url}"
    return found.group(1)


async def signed_in(browser: httpx.AsyncClient, user: str = "Jo Officer") -> None:
    """Signs in through the sign-in page, as a browser would."""
    page = await browser.get("/console/sign-in")
    answer = await browser.post("/console/sign-in", headers={"Origin": OWN}, data={
        "user": user, "role": "commissioning_officer", "csrf_token": token_on(page)})
    assert answer.status_code == 303, answer.text


def draft(token: str | None = None) -> dict[str, str]:
    """The monitoring report form, filled in."""
    activity = date.today() - timedelta(days=2)
    fields = {"kind": "letter", "activity_on-day": str(activity.day),
              "activity_on-month": str(activity.month), "activity_on-year": str(activity.year),
              "findings": "Supervision is behind."}
    return fields | ({"csrf_token": token} if token is not None else {})


async def reports_of(api: httpx.AsyncClient) -> list[object]:
    answer = await api.get("/escalation/providers/hazel/monitoring-reports")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_console_post_without_its_pages_token_or_from_another_site_is_refused(site):
    browser, api = site
    await register_with_contract(api, "hazel")
    await signed_in(browser)
    new = "/console/workspace/providers/hazel/reports/new"
    token = token_on(await browser.get(new))

    forged = [
        ("no token, own origin", {"Origin": OWN}, draft()),
        ("no token, another site", {"Origin": FOREIGN}, draft()),
        ("a made-up token", {"Origin": OWN}, draft("0" * 64)),
        ("valid token, another site", {"Origin": FOREIGN}, draft(token)),
        ("valid token, another site's page", {"Referer": f"{FOREIGN}/attack"}, draft(token)),
        ("valid token, an opaque origin", {"Origin": "null"}, draft(token)),
        ("valid token, no origin or referer", {}, draft(token)),
    ]
    for what, headers, form in forged:
        answer = await browser.post(new, headers=headers, data=form)
        assert answer.status_code == 403, f"{what}: {answer.status_code}"
        assert "Your form was not sent" in answer.text and "govuk-template" in answer.text, what
    assert await reports_of(api) == [], "a refused form records nothing"

    # The token belongs to the session it was rendered in: in a new session, the old one fails.
    await signed_in(browser, "Ann Duncan")
    stale = await browser.post(new, headers={"Origin": OWN}, data=draft(token))
    assert stale.status_code == 403
    assert await reports_of(api) == []

    fresh = token_on(await browser.get(new))
    sent = await browser.post(new, headers={"Referer": f"{OWN}{new}"}, data=draft(fresh))
    assert sent.status_code == 303, sent.text
    assert len(await reports_of(api)) == 1


async def test_signing_in_needs_the_sign_in_pages_token(site):
    browser, _ = site
    person = {"user": "Mallory", "role": "commissioning_officer"}
    forged = await browser.post("/console/sign-in", headers={"Origin": FOREIGN},
                                data=person | {"csrf_token": "0" * 64})
    assert forged.status_code == 403 and "assure_session" not in forged.headers.get(
        "set-cookie", "")
    token = token_on(await browser.get("/console/sign-in"))
    elsewhere = await browser.post("/console/sign-in", headers={"Origin": FOREIGN},
                                   data=person | {"csrf_token": token})
    assert elsewhere.status_code == 403
    assert "assure_session" not in browser.cookies


HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
           "referrer-policy": "same-origin"}


async def test_every_answer_carries_the_security_headers(site):
    browser, _ = site
    await signed_in(browser)
    answers = [await browser.get(path) for path in (
        "/console/workspace/", "/console/sign-in", "/console/no-such-page", "/health",
        "/openapi.json", "/", "/console/static/live.js", "/risk/log")]
    answers.append(await browser.post("/console/sign-in", data={}))
    for answer in answers:
        where = f"{answer.request.method} {answer.url.path} ({answer.status_code})"
        for name, value in HEADERS.items():
            assert answer.headers.get(name) == value, f"{where}: {name}"
        policy = answer.headers.get("content-security-policy", "")
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, where
        assert "unsafe-inline" not in policy, where
        assert "strict-transport-security" not in answer.headers, f"{where}: HSTS over HTTP"


async def test_hsts_is_sent_over_https_only(site):
    browser, _ = site
    over_tls = await browser.get("https://assure/health")
    assert over_tls.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" not in (await browser.get("/health")).headers
    # Only a proxy uvicorn trusts may say the browser used TLS; anyone else's claim is ignored.
    claimed = await browser.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in claimed.headers


async def test_the_api_docs_are_served_here_under_the_same_policy(site):
    browser, _ = site
    for path in ("/docs", "/docs/oauth2-redirect"):
        answer = await browser.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-security-policy"] == POLICY, path
        assert "<script>" not in answer.text and "https://" not in answer.text, path
    bundle = await browser.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200, "Swagger UI is missing: npm ci --prefix assure/console"
    assert bundle.headers["content-type"].startswith(
        "text/javascript")
    assert (await browser.get("/docs/assets/api-docs.js")).status_code == 200
    assert (await browser.get("/docs/assets/index.html")).status_code == 404

    redoc = await browser.get("/redoc")
    policy = redoc.headers["content-security-policy"]
    script = next(part for part in policy.split(";") if "script-src" in part)
    assert "unsafe-inline" not in script and "frame-ancestors 'none'" in policy
    assert redoc.headers["x-frame-options"] == "DENY"
