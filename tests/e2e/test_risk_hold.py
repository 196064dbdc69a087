"""Holding a return's analysis over the real stack (002: "received, not yet analysed").

An officer holds a return whose analysis the council will do by hand: until released, its
automatic score leaves the provider's latest score and band; the concern it raised stands.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from shared.contracts.forms import example
from tests.support import acting, eventually, register_with_contract, running, serving

pytestmark = pytest.mark.e2e

PERIODS = [(date(2025, 12, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 7, 31))]
HOLD = {"reason": "The contracts team will analyse it at the monitoring meeting"}


def cmr(period: tuple[date, date], **ratings: str) -> dict[str, Any]:
    answers = example("cmr-level-1", *period)
    for section, rating in ratings.items():
        answers[section]["rating"] = rating
    return {"form": "cmr-level-1", "answers": answers, "submitted_by": "Registered manager"}


async def test_a_held_return_leaves_the_providers_score_until_released(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=10.0, headers=acting("Jo Officer")) as http,
    ):
        reference = await register_with_contract(http, "willow")
        ids = []
        for body in (cmr(PERIODS[0]), cmr(PERIODS[1], safety_and_quality="red")):
            answer = await http.post(f"/intake/contracts/{reference}/returns", json=body)
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["return_id"])

        async def risk() -> dict[str, Any] | None:
            answer = await http.get("/risk/providers/willow/risk")
            found = answer.json() if answer.status_code == 200 else None
            return found if found and found["returns_scored"] == 2 and found[
                "open_concerns"] else None

        before = await eventually(risk, what="both returns scored and the concern raised")
        first, second = (await http.get("/risk/providers/willow/scores")).json()
        assert before["latest_score"] == second["scores"][-1]["score"] != "100.00"
        assert (first["held"], second["held"]) == (False, False)

        held = await http.post(f"/risk/providers/willow/returns/{ids[1]}/hold", json=HOLD)

        assert held.status_code == 200, held.text
        assert held.json()["held"] is True
        assert [{k: h[k] for k in ("reason", "held_by", "released_by")}
                for h in held.json()["holds"]] == [
            {"reason": HOLD["reason"], "held_by": "Jo Officer", "released_by": None}]
        during = (await http.get("/risk/providers/willow/risk")).json()
        assert (during["latest_score"], during["latest_band"]) == ("100.00", "100%")
        assert during["open_concerns"] == before["open_concerns"]  # the concern stands
        scores = (await http.get("/risk/providers/willow/scores")).json()
        assert [s["held"] for s in scores] == [False, True]

        again = await http.post(f"/risk/providers/willow/returns/{ids[1]}/hold", json=HOLD)
        assert again.status_code == 409, again.text

        released = await http.post(f"/risk/providers/willow/returns/{ids[1]}/release",
                                   json={})
        assert released.status_code == 200, released.text
        assert released.json()["held"] is False
        assert released.json()["holds"][0]["released_by"] == "Jo Officer"
        after = (await http.get("/risk/providers/willow/risk")).json()
        assert (after["latest_score"], after["latest_band"]) == (
            before["latest_score"], before["latest_band"])

        twice = await http.post(f"/risk/providers/willow/returns/{ids[1]}/release",
                                json={})
        assert twice.status_code == 409, twice.text

        history = (await http.get("/risk/providers/willow/history")).json()
        assert [(e["event"], e["who"]) for e in history
                if e["event"] in ("AnalysisHeld", "AnalysisReleased")] == [
            ("AnalysisHeld", "Jo Officer"), ("AnalysisReleased", "Jo Officer")]


async def test_holding_what_risk_has_not_scored_or_without_a_reason_is_refused(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, timeout=10.0) as http,
    ):
        reference = await register_with_contract(http, "rowan")
        sent = await http.post(f"/intake/contracts/{reference}/returns", json=cmr(PERIODS[0]))
        return_id = sent.json()["return_id"]

        async def scored():
            answer = await http.get("/risk/providers/rowan/scores")
            return answer.status_code == 200 and answer.json()

        await eventually(scored, what="the return scored")

        unknown = await http.post("/risk/providers/rowan/returns/no-such-return/hold", json=HOLD)
        stranger = await http.post(f"/risk/providers/nobody/returns/{return_id}/hold", json=HOLD)
        blank = await http.post(f"/risk/providers/rowan/returns/{return_id}/hold",
                                json={**HOLD, "reason": " "})
        # Who holds it is the signed-in person: a body naming someone is refused, naming `by`.
        nameless = await http.post(f"/risk/providers/rowan/returns/{return_id}/hold",
                                   json={**HOLD, "by": "Someone else"})
        not_held = await http.post(f"/risk/providers/rowan/returns/{return_id}/release",
                                   json={})

        assert (unknown.status_code, stranger.status_code) == (404, 404)
        assert "no-such-return" in unknown.json()["detail"]
        assert (blank.status_code, nameless.status_code) == (422, 422)
        assert blank.json()["detail"][0]["loc"] == ["body", "reason"]
        assert nameless.json()["detail"][0]["loc"] == ["body", "by"]
        assert not_held.status_code == 409, not_held.text
        [record] = (await http.get("/risk/providers/rowan/scores")).json()
        assert (record["held"], record["holds"]) == (False, [])
