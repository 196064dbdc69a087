"""Monitoring reports over HTTP with sign-in on (§9): an officer drafts and issues, the provider
reads only what was issued to it and replies within its window, another provider is refused,
and the officer finalises with the reply alongside."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from services.escalation.entrypoints.views import uk_today
from shared.security.identity import Role
from shared.uk import long_date
from shared.working_days import Nation, WorkingDays
from tests.support import as_, eventually

pytestmark = pytest.mark.e2e


def ok(answer: httpx.Response, code: int = 200) -> dict:
    assert answer.status_code == code, answer.text
    return answer.json()


def draft(activity_on: date, **overrides) -> dict:
    return {"kind": "meeting notes", "activity_on": activity_on.isoformat(),
            "findings": "Supervision is behind: 62% against the 80% required.",
            "actions": [{"action": "Bring supervision up to 80%",
                         "date_required": (activity_on + timedelta(days=42)).isoformat()}],
            **overrides}


async def test_an_issued_report_is_replied_to_by_its_provider_alone_then_finalised(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    manager = as_(issuer, "Registered manager", Role.PROVIDER_USER, "oakwood")
    other = as_(issuer, "Elm Court manager", Role.PROVIDER_USER, "elm-court")
    today = uk_today()

    report = ok(await http.post("/escalation/providers/oakwood/monitoring-reports",
                                json=draft(today - timedelta(days=3)), headers=officer), 201)
    at = f"/escalation/monitoring-reports/{report['report_id']}"
    assert (report["status"], report["reply_by"], report["late"]) == ("draft", None, False)

    # An unissued draft is the officer's working note: the provider does not see it.
    assert ok(await http.get("/escalation/providers/oakwood/monitoring-reports",
                             headers=manager)) == []
    assert (await http.get(at, headers=manager)).status_code == 404
    early = await http.post(f"{at}/reply", json={"text": "Hi"},
                            headers=manager)
    assert early.status_code == 409 and "not been issued" in early.json()["detail"]

    issued = ok(await http.post(f"{at}/issue", json={}, headers=officer))
    reply_by = WorkingDays(Nation.SCOTLAND).add(today, 10)
    assert (issued["status"], issued["issued_on"]) == ("issued", today.isoformat())
    assert issued["reply_by"] == reply_by.isoformat() and issued["window_open"]
    [seen] = ok(await http.get("/escalation/providers/oakwood/monitoring-reports",
                               headers=manager))
    assert seen["findings"].startswith("Supervision is behind")

    # Another provider's users may neither read nor reply; no one replies in another's name.
    for answer in (
        await http.get("/escalation/providers/oakwood/monitoring-reports", headers=other),
        await http.get(at, headers=other),
        await http.post(f"{at}/reply", json={"text": "Not ours"},
                        headers=other),
        await http.post(f"{at}/reply", json={"text": "As the provider"},
                        headers=officer),
        await http.post(f"{at}/finalise", json={}, headers=manager),
    ):
        assert answer.status_code == 403, answer.text
    # Who replies is the signed-in person: a body naming someone else is refused, naming it.
    forged = await http.post(f"{at}/reply", json={"text": "Forged", "by": "Someone else"},
                             headers=manager)
    assert forged.status_code == 422 and forged.json()["detail"][0]["loc"] == ["body", "by"]

    empty = await http.post(f"{at}/reply", json={"text": " "},
                            headers=manager)
    assert empty.status_code == 422
    assert empty.json()["detail"] == [{"loc": ["body", "text"],
                                       "msg": "enter your reply to the report"}]

    replied = ok(await http.post(f"{at}/reply", json={
        "text": "Two supervisors start in January."},
        headers=manager))
    assert (replied["reply"], replied["replied_by"]) == (
        "Two supervisors start in January.", "Registered manager")
    again = await http.post(f"{at}/reply", json={"text": "More"},
                            headers=manager)
    assert again.status_code == 409

    final = ok(await http.post(f"{at}/finalise", json={}, headers=officer))
    assert (final["status"], final["finalised_by"], final["reply"]) == (
        "finalised", "Ann Duncan", "Two supervisors start in January.")
    refused = await http.post(f"{at}/finalise", json={}, headers=officer)
    assert refused.status_code == 409 and "cannot be changed" in refused.json()["detail"]

    history = ok(await http.get("/escalation/providers/oakwood/history", headers=officer))
    steps = [(e["event"], e["who"]) for e in history if e["aggregate"] == "MonitoringReport"]
    assert steps == [("Drafted", "Ann Duncan"), ("Issued", "Ann Duncan"),
                     ("Replied", "Registered manager"), ("Finalised", "Ann Duncan")]

    # The provider was told its report was issued and by when to reply; the contract manager
    # that the reply came (notify, over NATS).
    async def told(inbox: str, headers: dict[str, str], subject: str) -> bool:
        found = await http.get(f"/notify/inbox/{inbox}", headers=headers)
        return any(subject in n["subject"] for n in found.json())

    await eventually(lambda: told("provider-oakwood", manager,
                                  f"reply by {long_date(reply_by)}"), what="the provider told")
    await eventually(lambda: told("contract-manager", officer, "replied to its monitoring"),
                     what="the contract manager told of the reply")


async def test_a_late_record_is_flagged_and_a_reply_after_the_window_is_refused(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    manager = as_(issuer, "Registered manager", Role.PROVIDER_USER, "oakwood")
    today = uk_today()
    sent_on = today - timedelta(days=50)

    report = ok(await http.post("/escalation/providers/oakwood/monitoring-reports",
                                json=draft(today - timedelta(days=90), kind="letter"),
                                headers=officer), 201)
    at = f"/escalation/monitoring-reports/{report['report_id']}"
    future = await http.post(f"{at}/issue", json={
        "issued_on": (today + timedelta(days=1)).isoformat()},
        headers=officer)
    assert future.status_code == 422
    issued = ok(await http.post(f"{at}/issue", json={
        "issued_on": sent_on.isoformat()}, headers=officer))
    assert issued["late"] is True and issued["window_open"] is False

    closed_on = WorkingDays(Nation.SCOTLAND).add(sent_on, 10)
    late = await http.post(f"{at}/reply", json={"text": "Sorry, we were away."}, headers=manager)
    assert late.status_code == 409
    assert late.json() == {"detail": "the window for replying closed at the end of "
                                     f"{long_date(closed_on)}", "field": "text"}
    ok(await http.post(f"{at}/finalise", json={}, headers=officer))


async def test_a_draft_names_each_bad_field(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    bad = await http.post("/escalation/providers/oakwood/monitoring-reports", json=draft(
        uk_today(), kind="postcard", findings="",
        actions=[{"action": "", "date_required": None}]), headers=officer)

    assert bad.status_code == 422
    assert [item["loc"] for item in bad.json()["detail"]] == [
        ["body", "kind"], ["body", "findings"], ["body", "actions", "0", "action"],
        ["body", "actions", "0", "date_required"]]
    coordinator = as_(issuer, "Coordinator", Role.CONTRACT_COORDINATOR)
    assert (await http.post("/escalation/providers/oakwood/monitoring-reports",
                            json=draft(uk_today(), by="Coordinator"),
                            headers=coordinator)).status_code == 403
