"""A form posted to the console from another site, in a real browser, is refused and records
nothing; the API docs work under the console's Content-Security-Policy (issue 14, defect 7).
The other site is another port of the same host: the same *site*, so the browser sends the
SameSite=Strict session cookie with it, and only the origin check and the token stand in the
way."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Console, accessible
from tests.support import register_with_contract

pytestmark = pytest.mark.browser


def attack_page(target: str) -> str:
    """Another site's page with the monitoring report form, filled in and sent at once."""
    activity = date.today() - timedelta(days=2)
    fields = {"kind": "letter", "activity_on-day": activity.day,
              "activity_on-month": activity.month, "activity_on-year": activity.year,
              "findings": "Planted by another site."}
    inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">'
                     for name, value in fields.items())
    return (f'<!DOCTYPE html><html lang="en"><title>Win a prize</title><body>'
            f'<form method="post" action="{target}">{inputs}'
            '<button>Claim</button></form></body></html>')


async def test_a_form_sent_from_another_site_with_the_cookie_is_refused(console: Console):
    await register_with_contract(console.api, "hazel")
    page = await console.sign_in("Jo Officer", "commissioning_officer")
    target = f"{console.url}/console/workspace/providers/hazel/reports/new"
    own = urlsplit(console.url)
    elsewhere = f"http://{own.hostname}:{own.port + 1}/prize"

    async def other_site(route) -> None:
        await route.fulfill(content_type="text/html", body=attack_page(target))

    await page.route(elsewhere, other_site)
    await page.goto(elsewhere)
    async with page.expect_navigation() as sent:
        await page.get_by_role("button", name="Claim").click()
    answer = await sent.value
    assert answer.status == 403
    assert await page.locator("h1").inner_text() == "Your form was not sent"
    assert "assure_session" in (await answer.request.all_headers()).get("cookie", ""), \
        "the browser sent the session cookie: only the console's own checks refused it"
    await accessible(page)

    reports = await console.api.get("/escalation/providers/hazel/monitoring-reports")
    assert reports.json() == []


async def test_the_api_docs_show_every_operation_with_no_policy_violation(console: Console):
    page = await (await console.browser.new_context(base_url=console.url)).new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    answer = await page.goto("/docs")
    assert "script-src 'self';" in answer.headers["content-security-policy"]
    operations = page.locator(".opblock")
    await operations.first.wait_for()
    spec = (await console.api.get("/openapi.json")).json()
    assert await operations.count() == sum(len(ops) for ops in spec["paths"].values())
    await operations.first.locator("button").first.click()
    await page.get_by_role("button", name="Try it out").first.wait_for()
    assert refused == []
