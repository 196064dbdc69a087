"""The sharing routes over HTTP with sign-in on (issue 20): who may do what, and bad input
answered with a 4xx naming the field, nothing changed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assure.security import development_issuer
from shared.security.identity import Role
from tests.support import as_, running

pytestmark = pytest.mark.e2e

PROPOSAL = {"partner": "perth", "sends": ["suspension"], "receives": [],
            "service_ids": ["CS2003001234"], "starts_on": "2026-04-01"}


@pytest.fixture
async def fife(settings, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    path = tmp_path / "sharing.json"
    path.write_text(json.dumps({"council": "fife", "name": "Fife Council", "partners": [
        {"council": "perth", "name": "Perth and Kinross Council"}]}))
    signed = settings.model_copy(update={"auth_required": True, "sharing_file": path})
    async with running(signed) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure") as http:
            yield http, development_issuer(signed)


async def test_officers_propose_seniors_approve_and_providers_see_nothing(fife):
    http, issuer = fife
    officer = as_(issuer, "Jo Officer", Role.COMMISSIONING_OFFICER)
    coordinator = as_(issuer, "Cal Coordinator", Role.CONTRACT_COORDINATOR)
    provider = as_(issuer, "Registered manager", Role.PROVIDER_USER, "oakwood")
    senior = as_(issuer, "Morag Campbell", Role.CSWO)

    assert (await http.post("/intake/sharing/agreements", json=PROPOSAL,
                            headers=coordinator)).status_code == 403
    proposed = await http.post("/intake/sharing/agreements", json=PROPOSAL, headers=officer)
    assert proposed.status_code == 201, proposed.text
    at = f"/intake/sharing/agreements/{proposed.json()['reference']}"
    assert proposed.json()["proposed_by"] == "Jo Officer"  # the token, never the body
    assert (await http.post(f"{at}/approve", json={}, headers=officer)).status_code == 403
    approved = await http.post(f"{at}/approve", json={}, headers=senior)
    assert approved.status_code == 200 and approved.json()["status"] == "offered"
    assert (await http.get("/intake/sharing/agreements", headers=provider)).status_code == 403
    auditor = as_(issuer, "Ada Auditor", Role.AUDITOR)
    assert (await http.get("/intake/sharing/shared", headers=auditor)).status_code == 200
    assert (await http.post(f"{at}/end", json={"reason": "x"}, headers=auditor)
            ).status_code == 403


@pytest.mark.parametrize(("change", "field"), [
    ({"partner": "angus"}, ["body", "partner"]),
    ({"partner": "Perth Council"}, ["body", "partner"]),
    ({"sends": ["gossip"]}, ["body", "sends", 0]),
    ({"service_ids": ["CS 1"]}, ["body", "service_ids", 0]),
    ({"service_ids": []}, ["body", "service_ids"]),
    ({"sends": [], "receives": []}, ["body", "sends"]),
    ({"ends_on": "2026-03-01"}, ["body", "ends_on"]),
    ({"free_text": ["suspension"]}, ["body", "free_text"]),
    ({"proposed_by": "Someone Else"}, ["body", "proposed_by"]),
])
async def test_a_bad_proposal_is_refused_naming_the_field_and_nothing_is_recorded(
        fife, change, field):
    http, issuer = fife
    officer = as_(issuer, "Jo Officer", Role.COMMISSIONING_OFFICER)
    answer = await http.post("/intake/sharing/agreements", json={**PROPOSAL, **change},
                             headers=officer)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == field
    listed = await http.get("/intake/sharing/agreements", headers=officer)
    assert listed.json() == []


async def test_steps_on_an_agreement_that_is_not_there_or_not_waiting_are_refused(fife):
    http, issuer = fife
    senior = as_(issuer, "Morag Campbell", Role.CSWO)
    missing = await http.post("/intake/sharing/agreements/fife-perth-00000000/approve",
                              json={}, headers=senior)
    assert missing.status_code == 404
    officer = as_(issuer, "Jo Officer", Role.COMMISSIONING_OFFICER)
    at = "/intake/sharing/agreements/" + (await http.post(
        "/intake/sharing/agreements", json=PROPOSAL, headers=officer)).json()["reference"]
    suspend = await http.post(f"{at}/suspend", json={"reason": "a review"}, headers=officer)
    assert suspend.status_code == 409 and "not in force" in suspend.json()["detail"]
    no_reason = await http.post(f"{at}/end", json={}, headers=senior)
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"][0]["loc"] == ["body", "reason"]
    bad = await http.get("/intake/sharing/arrivals", params={"status": "lost"}, headers=senior)
    assert bad.status_code == 422
