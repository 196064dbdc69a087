"""Every page of the console, as each kind of person who uses it: axe-core finds no WCAG 2.2
A or AA violation, each page is either shown or refused with a GOV.UK message page (never an
error), and each is shown to someone. The page list is read from the console's own routers,
so a page added later is walked too (issue 9: "an automated accessibility check passes on
every page")."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from assure.console import approvals, audit, governance, home, inbox, provider, reports, workspace
from tests.browser.conftest import Console, accessible
from tests.support import SECTIONS_UNSAFE, eventually, register_with_contract, return_form

pytestmark = pytest.mark.browser

AREAS = (home, reports, provider, approvals, workspace, inbox, audit, governance)
# Not pages: the live regions' fragments, downloads, and sign-out (which only redirects).
NOT_PAGES = re.compile(r"/fragment$|/export\.|/download(/|$)|/evidence/|/sign-out$|^/console/$")
PEOPLE = (("Jo Officer", "commissioning_officer", None),
          ("Morag Campbell", "head_of_strategic_planning", None),
          ("Registered manager", "provider_user", "hazel"),
          ("Ada Auditor", "auditor", None))


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
    for path in ("/console/sign-in", "/console/accessibility"):
        assert (await anonymous.goto(path)).status == 200
        await accessible(anonymous)

    shown: dict[str, list[str]] = {page: [] for page in pages}
    checked: set[tuple[str, int]] = set()
    for user, role, provider_id in PEOPLE:
        page = await console.sign_in(user, role, provider_id)
        for path in pages:
            answer = await page.goto(path)
            assert answer.status in (200, 403, 404), f"{role} at {path}: {answer.status}"
            assert await page.locator("h1").count() == 1, f"{role} at {path}: one h1"
            # Each page as shown, and each refusal, once: a page differs little by viewer.
            if (path, answer.status) not in checked:
                await accessible(page)
                checked.add((path, answer.status))
            if answer.status == 200:
                shown[path].append(role)
    assert not [path for path, roles in shown.items() if not roles], shown
