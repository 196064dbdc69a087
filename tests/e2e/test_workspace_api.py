"""What the officers' dashboard reads, over real HTTP and NATS: a page of providers' risk
standings with the trend of their scores, worst first (risk), those providers' names and
contracts, their overdue returns (intake) and open interventions with their deadlines
(escalation) — one read each, not one per provider, nor of every provider."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from shared.contracts.forms import example
from tests.support import contract_award, eventually, register_with_contract, running, serving

pytestmark = pytest.mark.e2e

PERIODS = [(date(2025, 12, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 7, 31))]


def cmr(period: tuple[date, date], **ratings: str) -> dict[str, Any]:
    answers = example("cmr-level-1", *period)
    for section, rating in ratings.items():
        answers[section]["rating"] = rating
    return {"form": "cmr-level-1", "answers": answers, "submitted_by": "Registered manager"}


async def ok(answer: httpx.Response, code: int = 200) -> Any:
    assert answer.status_code == code, answer.text
    return answer.json()


async def test_the_dashboard_reads_every_provider_its_trend_and_its_deadlines(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=20) as http,
    ):
        elm = await register_with_contract(http, "elm-court")
        await ok(await http.post("/intake/providers", json={
            "provider_id": "birch", "name": "Birch House"}), 201)
        await ok(await http.post("/intake/providers/birch/contracts", json=contract_award(
            "birch-day", service_type="day-services", annual_value="50000", regulator=None,
            regulator_service_id=None)), 201)

        providers = await ok(await http.get("/intake/providers"))
        assert [p["name"] for p in providers] == ["Birch House", "Elm-Court"]
        birch = providers[0]
        assert [(c["reference"], c["service_type"], c["level"]) for c in birch["contracts"]] == [
            ("birch-day", "day-services", 2)]
        assert providers[1]["contracts"][0]["reference"] == elm
        # By name a page at a time, with the count of all.
        first = await http.get("/intake/providers", params={"limit": 1})
        assert first.headers["X-Total-Count"] == "2"
        assert await ok(first) == providers[:1]
        assert await ok(await http.get("/intake/providers", params={"limit": 1, "offset": 1})
                        ) == providers[1:]
        assert (await http.get("/intake/providers", params={"limit": 0})).status_code == 422
        # Only the providers a page shows, by name; one not registered here is left out.
        asked = await http.get("/intake/providers", params={
            "provider_id": ["elm-court", "nowhere", "birch", "elm-court"]})
        assert asked.headers["X-Total-Count"] == "2" and await ok(asked) == providers
        assert await ok(await http.get("/intake/providers", params={"provider_id": "birch"})
                        ) == providers[:1]
        too_many = await http.get("/intake/providers",
                                  params={"provider_id": [f"p{n}" for n in range(201)]})
        assert too_many.status_code == 422 and "provider_id" in too_many.text
        # Those never awarded a contract, by name: risk has not heard of them.
        await ok(await http.post("/intake/providers", json={
            "provider_id": "ash", "name": "Ash Lodge"}), 201)
        await ok(await http.post("/intake/providers", json={
            "provider_id": "aspen", "name": "Aspen View"}), 201)
        uncontracted = await http.get("/intake/providers", params={
            "without_contracts": "true", "limit": 1, "offset": 1})
        assert uncontracted.headers["X-Total-Count"] == "2"
        assert [p["name"] for p in await ok(uncontracted)] == ["Aspen View"]

        # Elm Court's second return scores lower than its first: the trend is down.
        await ok(await http.post(f"/intake/contracts/{elm}/returns", json=cmr(PERIODS[0])), 201)
        await ok(await http.post(f"/intake/contracts/{elm}/returns",
                                 json=cmr(PERIODS[1], safety_and_quality="red",
                                          finance="red")), 201)

        async def scored_twice():
            found = {s["provider_id"]: s for s in await ok(await http.get("/risk/providers"))}
            standing = found.get("elm-court")
            # Birch's contract reaches risk on its own partition of intake's stream, in no
            # set order with Elm Court's returns: wait for it too.
            known = "birch" in found
            return standing if known and standing and standing["returns_scored"] == 2 else None

        standing = await eventually(scored_twice, what="both returns scored, Birch known")
        assert standing["trend"] == "down"
        # Red on safety and quality limits the score to 74% (88.89% by the arithmetic).
        assert (standing["previous_score"], standing["latest_score"]) == ("100.00", "74.00")
        assert standing["latest_band"] == "50-74%" and standing["open_concerns"]
        in_band = await ok(await http.get("/risk/providers", params={"band": "50-74%"}))
        assert [s["provider_id"] for s in in_band] == ["elm-court"]
        day_services = await ok(await http.get("/risk/providers",
                                               params={"service_type": "day-services"}))
        assert [s["provider_id"] for s in day_services] == ["birch"]
        assert day_services[0]["trend"] is None and day_services[0]["latest_score"] is None
        # Worst first, a page at a time: a scored provider before one not scored yet.
        first = await http.get("/risk/providers", params={"limit": 1})
        assert first.headers["X-Total-Count"] == "2"
        assert [s["provider_id"] for s in await ok(first)] == ["elm-court"]
        second = await ok(await http.get("/risk/providers", params={"limit": 1, "offset": 1}))
        assert [s["provider_id"] for s in second] == ["birch"]
        assert (await http.get("/risk/providers", params={"limit": 0})).status_code == 422
        # Not scored yet on its own, and the scored on their own.
        not_scored = await http.get("/risk/providers", params={"scored": "false"})
        assert not_scored.headers["X-Total-Count"] == "1"
        assert [s["provider_id"] for s in await ok(not_scored)] == ["birch"]
        assert [s["provider_id"] for s in await ok(await http.get(
            "/risk/providers", params={"scored": "true"}))] == ["elm-court"]

        async def opened():
            return await ok(await http.get("/escalation/interventions")) or None

        [intervention] = await eventually(opened, what="the intervention opened")
        assert intervention["provider_id"] == "elm-court"
        at = f"/escalation/interventions/{intervention['intervention_id']}"
        plan = await ok(await http.post(f"{at}/improvement-plans", json={
            "requested_on": "2026-12-18"}), 201)
        [listed] = await ok(await http.get("/escalation/interventions"))
        assert listed["improvement_plans"][0]["plan_due"] == plan["plan_due"] == "2027-01-07"
        # A page's providers' interventions, and their overdue returns, at once.
        assert await ok(await http.get("/escalation/interventions", params={
            "provider_id": ["birch", "elm-court"]})) == [listed]
        assert await ok(await http.get("/escalation/interventions", params={
            "provider_id": ["birch", "ash"]})) == []
        too_many = await http.get("/escalation/interventions",
                                  params={"provider_id": [f"p{n}" for n in range(201)]})
        assert too_many.status_code == 422 and "provider_id" in too_many.text
        today = date.fromisoformat((await ok(await http.get("/intake/clock")))["today"])
        for reference in (elm, "birch-day"):
            await ok(await http.post(f"/intake/contracts/{reference}/requests", json={
                "form": "self-assessment", "period_start": str(today - timedelta(days=90)),
                "period_end": str(today), "due_on": str(today + timedelta(days=30))}), 201)
        whole_log = await ok(await http.get("/intake/return-log"))
        assert {row["provider_id"] for row in whole_log} == {"birch", "elm-court"}
        assert await ok(await http.get("/intake/return-log", params={
            "provider_id": ["elm-court", "ash", "birch"]})) == whole_log
        assert await ok(await http.get("/intake/return-log", params={
            "provider_id": "birch"})) == [r for r in whole_log if r["provider_id"] == "birch"]

        refused = await http.get("/risk/providers", params={"band": "90%"})
        assert refused.status_code == 422
