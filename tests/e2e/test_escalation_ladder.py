"""An unsafe return walks the whole ladder over HTTP and real NATS: plan, deadlines across
Christmas and New Year, breach notice, suspension (intake stops awards), refused and then
accepted decommission, the timeline and a briefing."""

from __future__ import annotations

import httpx
import pytest

from tests.support import (
    SECTIONS_UNSAFE,
    acting,
    contract_award,
    eventually,
    register_with_contract,
    return_form,
    running,
    serving,
)

pytestmark = pytest.mark.e2e

# Sign-in is off here: these headers name who acts, as a token would.
OFFICER = acting("Jo Officer", "head_of_strategic_planning")
HOSP = acting("Morag Campbell", "head_of_strategic_planning")
GM = acting("Ewan Grant", "general_manager")
ACTION = {"action": "Recruit two night staff", "owner": "Registered manager",
          "measure": "rota shows two waking night staff", "due": "2027-02-01"}


async def ok(answer: httpx.Response, code: int = 200) -> dict:
    assert answer.status_code == code, answer.text
    return answer.json()


async def test_the_ladder_from_an_unsafe_return_to_an_accepted_decommission(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=20,
                          headers=acting("Jo Officer", "commissioning_officer")) as http,
    ):
        await register_with_contract(http, "oakwood")
        await http.post("/intake/contracts/oakwood-c1/returns", json=return_form(SECTIONS_UNSAFE))

        async def intervention_opened():
            items = (await http.get("/escalation/providers/oakwood/interventions")).json()
            return items[0] if items else None

        intervention = await eventually(intervention_opened, what="InterventionOpened")
        assert (intervention["level"], intervention["next_step"]) == ("enforce", "breach notice")
        at = f"/escalation/interventions/{intervention['intervention_id']}"

        # The policy's proposal is confirmed by a second, authorised person.
        [proposal] = (await http.get("/escalation/providers/oakwood/escalations")).json()
        await ok(await http.post(f"/escalation/escalations/{proposal['escalation_id']}/approve",
                                 json={}, headers=HOSP))

        # An improvement plan asked for on 18 December 2026 is due on 7 January in Scotland.
        plan = await ok(await http.post(f"{at}/improvement-plans", json={
            "requested_on": "2026-12-18"}), 201)
        assert (plan["plan_due"], plan["review_due"], plan["targets_due"]) == (
            "2027-01-07", "2027-01-18", "2027-02-16")
        checked = await ok(await http.post("/escalation/deadlines/check",
                                           params={"today": "2027-01-08"}))
        assert checked["missed"] == 1
        plan_at = f"{at}/improvement-plans/{plan['plan_id']}"
        unsmart = await http.post(f"{plan_at}/received", json={
            "received_on": "2027-01-08",
            "actions": [{**ACTION, "owner": ""}]})
        assert unsmart.status_code == 422
        assert unsmart.json()["detail"][0]["loc"] == ["body", "actions", "0", "owner"]
        await ok(await http.post(f"{plan_at}/received", json={
            "received_on": "2027-01-08", "actions": [ACTION]}))

        # Review, visit and targets all pass unmet: the plan was not achieved.
        checked = await ok(await http.post("/escalation/deadlines/check",
                                           params={"today": "2027-02-17"}))
        assert checked["missed"] == 3
        assert (await ok(await http.get(plan_at.rsplit("/improvement-plans", 1)[0]))
                )["improvement_plans"][0]["status"] == "not achieved"

        notice = await ok(await http.post(f"{at}/breach-notices", json={
            "deficiency": "night staffing below the contract", "action_required":
            "two waking night staff every night", "comply_by": "2027-03-17",
            "issued_on": "2027-02-17"}), 201)

        refused = await http.post(f"{at}/decommission", json={
            "reason": "no improvement",
            "continuity_plan": "move everyone to Riverside"})
        assert refused.status_code == 409
        assert refused.json()["field"] == "evidence"
        assert "meeting at which the issues were raised" in refused.json()["detail"]
        assert "suspension" in refused.json()["detail"]

        checked = await ok(await http.post("/escalation/deadlines/check",
                                           params={"today": "2027-03-18"}))
        assert checked["breach_notices_failed"] == 1
        await ok(await http.post(
            f"{at}/breach-notices/{notice['notice_id']}/regulator-notified",
            json={"regulator": "Care Inspectorate", "on": "2027-03-18"}))

        # Suspension: nobody approves their own; a second person does, and intake stops awards.
        suspension = await ok(await http.post(f"{at}/suspension", json={
            "reason": "breach notice not met",
            "contingency_plan": "social work reviews for all 14 people"}), 201)
        own = await http.post(
            f"/escalation/escalations/{suspension['escalation_id']}/approve", json={},
            headers=OFFICER)
        assert own.status_code == 409 and own.json()["field"] == "approver"
        await ok(await http.post(
            f"/escalation/escalations/{suspension['escalation_id']}/approve",
            json={"on": "2027-03-19"}, headers=HOSP))

        tries = iter(range(2, 10_000))

        async def awards_stopped():
            # A fresh reference each time: awarding an existing contract again just returns it.
            award = await http.post("/intake/providers/oakwood/contracts",
                                    json=contract_award(f"oakwood-c{next(tries)}"))
            return award if award.status_code == 409 else None

        stopped = await eventually(awards_stopped, what="intake refusing new awards")
        assert "suspended" in stopped.json()["detail"]

        # The meeting that raised the issues completes the evidence; decommission is accepted.
        await ok(await http.post(f"{at}/steps", json={
            "step": "contract review meeting", "on": "2027-03-22",
            "issues_raised": ["night staffing", "missed visits"]}))
        decommission = await ok(await http.post(f"{at}/decommission", json={
            "reason": "the suspension did not fix the issues",
            "continuity_plan": "move everyone to Riverside by April"}), 201)
        await ok(await http.post(
            f"/escalation/escalations/{decommission['escalation_id']}/approve",
            json={"on": "2027-03-29"}, headers=GM))

        closed = await ok(await http.get(at))
        assert closed["status"] == "closed"
        after = await http.post(f"{at}/steps", json={"step": "feedback"})
        assert after.status_code == 409 and "closed" in after.json()["detail"]

        timeline = await ok(await http.get("/escalation/providers/oakwood/timeline"))
        assert timeline["started"]
        assert timeline["entries"][0]["event"] == "Intervention.Opened"
        briefing = await ok(await http.get("/escalation/providers/oakwood/briefing",
                                           params={"as_of": "2027-03-29"}))
        assert "as at 29 March 2027" in briefing["text"]
        assert "Provider suspended on 19 March 2027" in briefing["text"]
        assert "Decommission approved by Ewan Grant on 29 March 2027" in briefing["text"]
