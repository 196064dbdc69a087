"""The issues and risk log: concerns and intelligence, follow-up, actions, resolution (004 §13)."""

from __future__ import annotations

import httpx
import pytest

from tests.support import (
    SECTIONS_UNSAFE,
    eventually,
    register_with_contract,
    return_form,
    running,
    serving,
)

pytestmark = pytest.mark.e2e


async def test_an_officer_follows_a_concern_up_acts_on_it_and_closes_it_with_a_reason(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        reference = await register_with_contract(http, "birchwood")
        await http.post(f"/intake/contracts/{reference}/returns",
                        json=return_form(SECTIONS_UNSAFE))

        async def concern():
            answer = await http.get("/risk/providers/birchwood/log")
            entries = answer.json() if answer.status_code == 200 else []
            return [e for e in entries if e["kind"] == "concern"]

        [entry] = await eventually(concern, what="the concern in the log")
        assert entry["status"] == "open" and entry["safety_at_risk"] is True
        base = f"/risk/providers/birchwood/log/{entry['entry_id']}"

        followed = await http.post(f"{base}/follow-up", json={
            "text": "Unannounced visit within 5 working days"})
        assert followed.json()["follow_up"][0]["text"].startswith("Unannounced visit")
        await http.post(f"{base}/actions", json={"text": "Visited 4 Dec; rota fixed"})
        empty = await http.post(f"{base}/resolve", json={"text": " "})
        assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "reason"
        resolved = await http.post(f"{base}/resolve", json={
            "text": "Staffing restored and checked on visit"})
        assert resolved.json()["status"] == "closed"
        again = await http.post(f"{base}/actions", json={"text": "late note"})
        assert again.status_code == 409
        missing = await http.post("/risk/providers/birchwood/log/nope/actions",
                                  json={"text": "x"})
        assert missing.status_code == 404

        risk = (await http.get("/risk/providers/birchwood/risk")).json()
        assert risk["open_concerns"] == []

        intel = await http.post("/risk/providers/birchwood/log", headers={"Idempotency-Key": "k"},
                                json={"category": "staffing", "source": "locality team",
                                      "summary": "Agency staff on most night shifts"})
        same = await http.post("/risk/providers/birchwood/log", headers={"Idempotency-Key": "k"},
                               json={"category": "staffing", "source": "locality team",
                                     "summary": "Agency staff on most night shifts"})
        assert intel.json()["entry_id"] == same.json()["entry_id"]
        everyone = (await http.get("/risk/log")).json()
        assert [e["kind"] for e in everyone if e["provider_id"] == "birchwood"] == [
            "intelligence"]

        history = (await http.get("/history/birchwood")).json()
        assert "RiskProfile.ConcernResolved" in [f"{e['aggregate']}.{e['event']}"
                                                  for e in history]
