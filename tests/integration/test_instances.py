"""Two instances of every service on one PostgreSQL store and one NATS: the work is shared
through the durable consumers, one relay publishes, nothing is done twice and each provider's
events keep their order (issue 10)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from services.intake.application import Award, Submission
from services.risk.domain.risk_profile import RiskProfile
from shared.contracts.forms import example
from tests.integration.test_faults import stream_count
from tests.support import eventually, running

pytestmark = pytest.mark.integration

PROVIDERS = [f"inst{n}" for n in range(4)]
PERIODS = [(date(2025, 8, 1), date(2025, 11, 30)), (date(2025, 12, 1), date(2026, 3, 31)),
           (date(2026, 4, 1), date(2026, 7, 31))]
# Each provider's three returns, falling: the third raises a worsening-trend concern.
RATINGS = [{}, {"finance": "amber"}, {"finance": "amber", "outcomes": "amber"}]


def award(intake, provider_id: str) -> None:
    intake.register_provider(provider_id.title(), provider_id, "officer", "c")
    intake.award_contract(Award(
        provider_id=provider_id, reference=f"{provider_id}-c1", service_type="care-home",
        annual_value=Decimal(250000), regulator=None, regulator_service_id=None,
        start_date=date(2025, 4, 1), end_date=None, contract_manager="Ann"), "officer", "c")


def submit(intake, provider_id: str, n: int) -> str:
    answers = example("cmr-level-1", *PERIODS[n])
    for section, rating in RATINGS[n].items():
        answers[section]["rating"] = rating
    done, _ = intake.submit_return(f"{provider_id}-c1", Submission(
        "cmr-level-1", None, answers, "manager"), f"{provider_id}-{n}", "c")
    return str(done.id)


async def test_two_instances_of_every_service_share_the_work_and_do_none_of_it_twice(
    settings, store,
):
    if not settings.uses_postgres:
        pytest.skip("several instances share one PostgreSQL store; SQLite is one machine's")
    one, two = (settings.model_copy(update={"instance_id": name}) for name in ("one", "two"))
    async with running(one) as first, running(two) as second:
        instances = (first, second)
        submitted: dict[str, list[str]] = {p: [] for p in PROVIDERS}
        for i, provider_id in enumerate(PROVIDERS):
            award(instances[i % 2].apps["intake"], provider_id)
        for n in range(3):  # each provider's returns alternate between the two instances
            for i, provider_id in enumerate(PROVIDERS):
                intake = instances[(i + n) % 2].apps["intake"]
                submitted[provider_id].append(await asyncio.to_thread(
                    submit, intake, provider_id, n))

        ns = settings.namespace
        concerns = f"{ns}.evt.risk.*.*.ConcernRaised"
        await eventually(
            lambda: _count_at_least(first.nats_url, f"{ns.upper()}_RISK", concerns,
                                    len(PROVIDERS)),
            timeout=60, what="a trend concern for every provider")
        await eventually(lambda: _all_scored(first, submitted), timeout=60,
                         what="every return scored")

        # Scored once each, in each provider's order, whichever instance did it.
        for provider_id, return_ids in submitted.items():
            events = first.apps["risk"].events.get(RiskProfile.create_id(provider_id))
            scored = [e.return_id for e in events if isinstance(e, RiskProfile.ReturnScored)]
            assert scored == return_ids
        # Published once each: one relay at a time, JetStream's window for any overlap.
        scored_subject = f"{ns}.evt.risk.*.*.RiskScored"
        assert await stream_count(first.nats_url, f"{ns.upper()}_RISK", scored_subject) == 12
        assert await stream_count(first.nats_url, f"{ns.upper()}_RISK", concerns) == 4
        raised = Counter(entry["rule"] for p in PROVIDERS
                         for entry in first.apps["risk"].profile(p).log.values())
        assert raised == {"worsening-trend": 4}
        held = [runtime.lease.held for system in instances for runtime in system.runtimes]
        assert sum(held) == 4  # one relay per service across both instances


async def _count_at_least(url: str, stream: str, subject: str, expected: int) -> bool:
    return await stream_count(url, stream, subject) >= expected


async def _all_scored(system, submitted: dict[str, list[str]]) -> bool:
    risk = system.apps["risk"]
    for provider_id, return_ids in submitted.items():
        found = risk.find(RiskProfile, RiskProfile.create_id(provider_id))
        if found is None or len(found.returns) < len(return_ids):
            return False
    return True
