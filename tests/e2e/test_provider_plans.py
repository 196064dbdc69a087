"""What a provider sees of the council's action on it, with sign-in on: its own improvement
plans and breach notices (what to do, by when), never the interventions themselves — their
reasons, steps, or a suspension waiting for a senior's decision — and never another
provider's."""

from __future__ import annotations

import pytest

from assure.signin import DevSignIn
from shared.security.identity import Role
from tests.e2e.test_provider_drafts import api, as_, secured  # noqa: F401 - fixture
from tests.support import SECTIONS_UNSAFE, eventually, register_with_contract, return_form

pytestmark = pytest.mark.e2e


async def test_a_provider_reads_its_plans_and_notices_but_not_the_casework(secured):  # noqa: F811
    hazel = as_(secured, "Hazel manager", Role.PROVIDER_USER, "hazel")
    rowan = as_(secured, "Rowan manager", Role.PROVIDER_USER, "rowan")
    async with api(secured) as http:
        http.auth = DevSignIn()  # the council's side, each request as someone allowed
        for provider_id in ("hazel", "rowan"):
            await register_with_contract(http, provider_id)
        await http.post("/intake/contracts/hazel-c1/returns", json=return_form(SECTIONS_UNSAFE))

        async def opened():
            found = (await http.get("/escalation/providers/hazel/interventions")).json()
            return found[0] if found else None

        at = f"/escalation/interventions/{(await eventually(opened))['intervention_id']}"
        plan = await http.post(f"{at}/improvement-plans", json={
            "requested_on": "2026-12-18"})
        assert plan.status_code == 201, plan.text
        await http.post(f"{at}/breach-notices", json={
            "deficiency": "night staffing below the contract",
            "action_required": "two waking night staff every night", "comply_by": "2027-03-17",
            "issued_on": "2027-02-17"})

        own = await http.get("/escalation/providers/hazel/plans", headers=hazel, auth=None)
        assert own.status_code == 200, own.text
        plans = own.json()
        assert [p["plan_due"] for p in plans["improvement_plans"]] == ["2027-01-07"]
        assert [n["action_required"] for n in plans["breach_notices"]] == [
            "two waking night staff every night"]
        assert "reason" not in own.text and "waiting_for_decision" not in own.text

        for casework in ("/escalation/providers/hazel/interventions", at):
            refused = await http.get(casework, headers=hazel, auth=None)
            assert refused.status_code == 403, casework
        other = await http.get("/escalation/providers/hazel/plans", headers=rowan, auth=None)
        assert other.status_code == 403
        assert "own organisation" in other.json()["detail"]
