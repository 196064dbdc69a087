"""The console's page of agreements with other councils (issue 20) in a real browser: a senior
approves an officer's proposal, is told what a suspension needs, and the page passes axe-core
for officers, seniors and auditors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assure.signin import as_person
from shared.security.identity import Role
from shared.settings import AssureSettings
from tests.browser.conftest import Console, accessible, screenshot

pytestmark = pytest.mark.browser

PAGE = "/console/workspace/sharing"


@pytest.fixture
def console_settings(settings: AssureSettings, tmp_path: Path) -> AssureSettings:
    """Fife, with Perth as a partner (whose own system need not run for these pages)."""
    path = tmp_path / "sharing.json"
    path.write_text(json.dumps({"council": "fife", "name": "Fife Council", "partners": [
        {"council": "perth", "name": "Perth and Kinross Council"}]}))
    return settings.model_copy(update={"auth_required": True, "sharing_file": path})


async def test_a_senior_approves_an_officers_proposal_and_everyone_can_read_the_page(
        console: Console):
    proposed = await console.api.post("/intake/sharing/agreements", json={
        "partner": "perth", "sends": ["suspension"], "receives": ["suspension"],
        "service_ids": ["CS2003001234"], "starts_on": "2026-04-01"},
        extensions=as_person("Jo Officer", Role.COMMISSIONING_OFFICER))
    assert proposed.status_code == 201, proposed.text
    card = f"#agreement-{proposed.json()['reference']}"

    senior = await console.sign_in("Morag Campbell", "head_of_strategic_planning")
    await senior.goto(PAGE)
    assert "Perth and Kinross Council" in await senior.locator(card).inner_text()
    await accessible(senior)
    # Ending it needs a reason: the page says so, in the error summary, and changes nothing.
    await senior.get_by_role("button", name="End the agreement with Perth").click()
    await senior.wait_for_load_state()
    assert "Enter the reason to end" in await senior.locator(".govuk-error-summary").inner_text()
    await accessible(senior)
    await senior.get_by_role("button", name="Approve the agreement with Perth").click()
    await senior.wait_for_load_state()
    assert "was approved" in await senior.locator(".govuk-notification-banner").inner_text()
    assert "Offered" in await senior.locator(card).inner_text()
    await screenshot(senior, "other-councils")

    for user, role in (("Jo Officer", "commissioning_officer"), ("Ada Auditor", "auditor")):
        page: Any = await console.sign_in(user, role)
        await page.goto(PAGE)
        assert await page.get_by_role("button", name="Approve the agreement with Perth").count(
        ) == 0
        await accessible(page)
