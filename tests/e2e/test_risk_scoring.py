"""Risk through the public API on the real stack: scores over consecutive returns, a worsening
trend raising a concern, re-scoring under a council's new model, and the log across providers."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from shared.contracts.forms import example
from tests.support import acting, eventually, register_with_contract, running, serving

pytestmark = pytest.mark.e2e

# Three consecutive LEVEL 1 periods (four months each), oldest first.
PERIODS = [(date(2025, 8, 1), date(2025, 11, 30)), (date(2025, 12, 1), date(2026, 3, 31)),
           (date(2026, 4, 1), date(2026, 7, 31))]


def cmr(period: tuple[date, date], **ratings: str) -> dict[str, Any]:
    answers = example("cmr-level-1", *period)
    for section, rating in ratings.items():
        answers[section]["rating"] = rating
    return {"form": "cmr-level-1", "answers": answers, "submitted_by": "Registered manager"}


async def submit(http: httpx.AsyncClient, reference: str, body: dict[str, Any]) -> str:
    answer = await http.post(f"/intake/contracts/{reference}/returns", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["return_id"]


async def scores_of(http: httpx.AsyncClient, provider_id: str, count: int) -> list | None:
    answer = await http.get(f"/risk/providers/{provider_id}/scores")
    found = answer.json() if answer.status_code == 200 else []
    return found if len(found) >= count else None


async def log_of(http: httpx.AsyncClient, provider_id: str) -> list[dict[str, Any]]:
    answer = await http.get(f"/risk/providers/{provider_id}/log")
    return answer.json() if answer.status_code == 200 else []


async def test_a_score_falling_over_three_returns_raises_a_worsening_trend_concern(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        reference = await register_with_contract(http, "larchfield")
        ids = [
            await submit(http, reference, cmr(PERIODS[0])),
            await submit(http, reference, cmr(PERIODS[1], finance="amber")),
        ]
        await eventually(lambda: scores_of(http, "larchfield", 2), what="two returns scored")
        assert await log_of(http, "larchfield") == []  # one fall is not yet a trend

        ids.append(await submit(http, reference, cmr(PERIODS[2], finance="amber",
                                                     outcomes="amber")))

        scores = await eventually(lambda: scores_of(http, "larchfield", 3), what="third score")
        assert [s["return_id"] for s in scores] == ids
        assert [s["scores"][-1]["score"] for s in scores] == ["100.00", "97.22", "94.44"]
        assert scores[2]["scores"][-1]["explanation"] == [
            "Finance rated amber: 2.78 points", "Outcomes rated amber: 2.78 points"]
        assert scores[2]["indicators"]["compliance"]["asp_training_up_to_date"] is True

        async def trend():
            return [e for e in await log_of(http, "larchfield") if e["rule"] == "worsening-trend"]

        [concern] = await eventually(trend, what="the worsening-trend concern")
        assert concern["evidence"] == ids
        assert concern["source"] == "return analysis"
        assert "97.22% in the period to 31 March 2026" in concern["summary"]

        async def intervention():
            items = (await http.get("/escalation/providers/larchfield/escalations")).json()
            return items or None

        await eventually(intervention, what="the concern reaching escalation")


async def test_an_officer_rescores_a_providers_returns_under_the_councils_new_model(
    settings, tmp_path,
):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        reference = await register_with_contract(http, "rowan")
        await submit(http, reference, cmr(PERIODS[2], finance="amber"))
        await eventually(lambda: scores_of(http, "rowan", 1), what="the first score")

    config = tmp_path / "risk.json"
    config.write_text(json.dumps({"scoring_model": {"version": "council-2026-2",
                                                    "points": {"amber": 0}}}))
    council = settings.model_copy(update={"risk_config_file": config})
    async with (
        running(council) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        # Who rescores is the signed-in person: a body naming someone is refused, naming it.
        nobody = await http.post("/risk/providers/rowan/rescore", json={"by": "Jo Officer"})
        assert nobody.status_code == 422
        assert nobody.json()["detail"][0]["loc"] == ["body", "by"]

        rescored = await http.post("/risk/providers/rowan/rescore", json={},
                                   headers=acting("Jo Officer"))

        assert rescored.status_code == 200, rescored.text
        assert rescored.json()["model_version"] == "council-2026-2"
        assert len(rescored.json()["rescored"]) == 1
        assert rescored.json()["risk"]["latest_score"] == "94.44"
        [record] = (await http.get("/risk/providers/rowan/scores")).json()
        assert [(s["model_version"], s["score"], s["rescored_by"]) for s in record["scores"]] == [
            ("sections-and-answers-2", "97.22", None),
            ("council-2026-2", "94.44", "Jo Officer")]
        again = await http.post("/risk/providers/rowan/rescore", json={})
        assert again.json()["rescored"] == []
        unknown = await http.post("/risk/providers/nobody/rescore", json={})
        assert unknown.status_code == 404


async def test_the_log_across_providers_filters_by_band_level_and_service_type(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        poor = await register_with_contract(http, "hawthorn")
        await http.post("/intake/providers", json={
            "provider_id": "willow", "name": "Willow"})
        await http.post("/intake/providers/willow/contracts", json={
            "reference": "willow-c1", "service_type": "day-services", "annual_value": "45000",
            "regulator": None, "start_date": "2025-04-01", "contract_manager": "Ann Duncan"})
        await submit(http, poor, cmr(PERIODS[2], safety_and_quality="red"))
        await submit(http, "willow-c1", {
            "form": "return-level-2", "answers": example("return-level-2"),
            "submitted_by": "Manager"})
        for provider_id in ("hawthorn", "willow"):
            await eventually(lambda p=provider_id: scores_of(http, p, 1), what="scores")
        await http.post("/risk/providers/willow/log", json={
            "category": "staffing", "summary": "Agency staff most days", "source": "visit"})

        async def rows(**filters: Any) -> list[tuple[str, str]]:
            answer = await http.get("/risk/log", params=filters)
            assert answer.status_code == 200, answer.text
            assert answer.headers["X-Total-Count"] == str(len(answer.json()))
            return sorted((r["provider_id"], r["kind"]) for r in answer.json())

        assert await rows() == [("hawthorn", "concern"), ("willow", "intelligence")]
        assert await rows(service_type="care-home") == [("hawthorn", "concern")]
        assert await rows(service_type="day-services") == [("willow", "intelligence")]
        assert await rows(kind="concern") == [("hawthorn", "concern")]
        # Red on safety holds the score at 74% (50-74%, likelihood 3) with people's safety at
        # risk at a care home (impact 5): high.
        assert await rows(risk_level="medium") == []
        assert await rows(risk_level="high") == [("hawthorn", "concern")]
        assert await rows(monitoring_level=1) == [("hawthorn", "concern")]
        assert await rows(band="100%") == [("willow", "intelligence")]
        paged = await http.get("/risk/log", params={"limit": 1, "offset": 1})
        assert paged.headers["X-Total-Count"] == "2" and len(paged.json()) == 1
        wrong = await http.get("/risk/log", params={"risk_level": "severe"})
        assert wrong.status_code == 422 and "risk_level" in wrong.text

        # 002's indicators across the two providers' latest returns.
        summary = (await http.get("/risk/indicators")).json()
        by_name = {i["indicator"]: i for i in summary["indicators"]}
        assert summary["providers"] == 2
        assert by_name["affected_by_staffing_shortages"]["percent_saying_yes"] == "0.0"
        assert by_name["six_monthly_reviews_up_to_date"]["percent_saying_yes"] == "100.0"
        assert by_name["asp_training_up_to_date"]["wording"] == (
            "reported that Adult Support and Protection Training was up to date")
