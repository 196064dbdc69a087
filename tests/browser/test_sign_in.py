"""Signing in to the console: the GOV.UK error summary for a bad sign-in, each role's start
page, and no page shown to someone not signed in."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Console, accessible, screenshot

pytestmark = pytest.mark.browser


async def test_a_bad_sign_in_names_each_field_and_a_good_one_lands_on_the_start_page(
        console: Console):
    page = await console.sign_in("", "provider_user")
    summary = page.locator(".govuk-error-summary")
    await summary.wait_for()
    assert await page.title() == "Error: Sign in – Assure"
    assert await summary.get_by_role("link", name="Enter your name").count() == 1
    assert await summary.get_by_role("link",
                                     name="Enter your organisation’s provider id").count() == 1
    await accessible(page)
    await screenshot(page, "sign-in-errors")

    await page.get_by_label("Your name").fill("Jo Officer")
    await page.locator("input[name=role][value=commissioning_officer]").check()
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/console/workspace/")
    assert "Jo Officer" in await page.locator(".assure-signed-in").inner_text()


async def test_pages_ask_those_not_signed_in_to_sign_in_first(console: Console):
    context = await console.browser.new_context(base_url=console.url)
    page = await context.new_page()
    await page.goto("/console/workspace/approvals")
    assert "/console/sign-in?next=/console/workspace/approvals" in page.url
    await accessible(page)
    await screenshot(page, "sign-in")


async def test_signing_out_ends_the_session_on_the_server(console: Console):
    page = await console.sign_in("Jo Officer", "commissioning_officer")
    await page.wait_for_url("**/console/workspace/")
    cookies = await page.context.cookies()
    kept = next(c for c in cookies if c["name"] == "assure_session")
    assert "." not in kept["value"], "the cookie holds a session id, not the token itself"

    await page.get_by_role("link", name="Sign out").click()
    await page.wait_for_url("**/console/sign-in")
    await page.context.add_cookies([kept])  # as if someone had copied the cookie before
    await page.goto("/console/workspace/")
    assert "/console/sign-in?next=/console/workspace/" in page.url
