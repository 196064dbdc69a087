"""intake's sharing view (agreements, what was shared, what arrived, the partner outbox) equals
a replay of the same store, on SQLite and PostgreSQL (issue 20).

Two councils' intake, each on its own store, live through a random history: agreements
proposed, approved, suspended, resumed and ended on either side; suspensions, breach notices
and serious concerns shared, resolved and withdrawn; messages carried between them at random
moments (some twice), the views caught up now and then. Then each council's view is compared
with itself built again from zero, and each list with what the aggregates say.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from assure.services import ALL
from services.intake.application import Award, Intake
from services.intake.application.sharing_agreements import ProposedTerms
from services.intake.application.sharing_views import (
    agreement_shown,
    received_shown,
    refused_shown,
    shared_shown,
)
from services.intake.domain.agreement import Agreement
from services.intake.domain.shared_intelligence import (
    ReceivedIntelligence,
    RefusedIntelligence,
    SharedFact,
)
from shared.contracts import escalation, risk
from shared.contracts.envelope import Envelope, IntegrationEvent, wrap
from shared.domain import InvalidInput, Refused
from shared.settings import AssureSettings
from tests.integration.test_views_are_replays import (
    as_json,
    assert_pages_cut_the_list,
    assert_views_are_replays,
    newest_first,
    oldest_first,
    stored,
)

pytestmark = pytest.mark.integration

INTAKE = next(d for d in ALL if d.name == "intake")
SERVICES = ("CS1", "CS2", "CS3")
CATEGORIES = ("suspension", "breach-notice", "serious-concern", "decommission")
OFFICER, SENIOR = ("Jo Officer", "commissioning_officer"), ("Morag Campbell", "cswo")


@pytest.fixture
def councils(settings: AssureSettings, tmp_path: Path) -> Iterator[tuple[Intake, Intake]]:
    with two_councils(settings, tmp_path) as both:
        yield both


@contextlib.contextmanager
def two_councils(settings: AssureSettings, tmp_path: Path) -> Iterator[tuple[Intake, Intake]]:
    """Fife's and Perth's intake, each on a store of its own, with three regulated services
    both contract with."""
    opened = []
    for name, partner in (("fife", "perth"), ("perth", "fife")):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"council": name, "name": f"{name.title()} Council",
                                    "partners": [{"council": partner,
                                                  "name": f"{partner.title()} Council"}]}))
        own = settings.model_copy(update={
            "sharing_file": path, "data_dir": tmp_path / name,
            "postgres_schema_prefix": f"{settings.postgres_schema_prefix}{name}_"})
        app = INTAKE.build(own)
        app.tick(date(2026, 5, 4), "c")
        for n, service_id in enumerate(SERVICES):
            provider = f"{name}-p{n}"
            app.register_provider(provider.title(), provider, "test", "c")
            app.award_contract(Award(
                provider_id=provider, reference=f"{provider}-c1", service_type="care-home",
                annual_value=Decimal(250000), regulator="care-inspectorate",
                regulator_service_id=service_id, start_date=date(2025, 4, 1), end_date=None,
                contract_manager="Ann"), "test", "c")
        # A message from the partner that could not be read: every view has something in it.
        app.park(upstream=f"council:{partner}", message_key="1", subject="share.x", payload="{",
                 error="not an envelope", attempts=1, tracking=None)
        opened.append(app)
    yield opened[0], opened[1]
    for app in opened:
        app.close()


class _quietly:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, *_: Any) -> bool:
        return kind is not None and issubclass(kind, Refused | InvalidInput)


def carry(sender: Intake, receiver: Intake, twice: bool = False) -> None:
    """What the edges and relays do: the sender's outbox applied by the receiver, in order."""
    us, them = sender.sharing_setup.council, receiver.sharing_setup.council
    for row in sender.sharing_view().outbox(them, sender.position(f"share-out:{them}"), 50):
        envelope = Envelope.model_validate_json(row["envelope"])
        if not sender.deliverable(envelope):
            sender.withhold(envelope)
        else:
            for _ in range(2 if twice else 1):
                receiver.receive_from_partner(us, envelope, Tracking(f"COUNCIL:{us}",
                                                                     row["position"]))
        sender.recorder.insert_tracking(Tracking(f"share-out:{them}", row["position"]))


def upstream(app: Intake, event: IntegrationEvent, number: int) -> None:
    envelope = wrap(event, event_id=f"e{number}", time=datetime.now(UTC), correlation_id="c")
    app.handle(envelope, Tracking(f"{event.source_service.upper()}#p0", number))


def history(fife: Intake, perth: Intake, rng: random.Random, steps: int) -> None:
    actions: list[Callable[[Intake, Intake, random.Random, int], None]] = [
        _propose, _decide, _decide, *[_fact] * 7, _resolve, _withdraw]
    for number in range(1, steps + 1):
        here, there = (fife, perth) if rng.random() < 0.6 else (perth, fife)
        with _quietly():
            rng.choice(actions)(here, there, rng, number)
        if rng.random() < 0.4:
            carry(here, there, twice=rng.random() < 0.2)
            carry(there, here)
        if rng.random() < 0.2:
            here.views.catch_up()


def _propose(here: Intake, there: Intake, rng: random.Random, number: int) -> None:
    sends = rng.sample(CATEGORIES, rng.randint(0, 2))
    receives = rng.sample(CATEGORIES, rng.randint(1, 2))
    here.propose_agreement(ProposedTerms(
        there.sharing_setup.council, sends, receives, rng.sample(SERVICES, rng.randint(1, 3)),
        date(2026, 4, 1)), *OFFICER, "c")


def _decide(here: Intake, there: Intake, rng: random.Random, number: int) -> None:
    found = [a for a in here.agreements().items if a["status"] not in ("ended", "offered")]
    if not found:
        return
    agreement = rng.choice(found)
    next_steps = {"proposed": ("approve",) * 4 + ("end",),
                  "awaiting-approval": ("approve",) * 4 + ("end",),
                  "active": ("suspend", "suspend", "end"), "suspended": ("resume",) * 3 + ("end",)}
    step = rng.choice(next_steps.get(agreement["status"], ("approve",)))
    person = SENIOR if step != "suspend" else OFFICER
    here.decide_agreement(agreement["reference"], step, *person, f"step {number}", "c")


def _fact(here: Intake, there: Intake, rng: random.Random, number: int) -> None:
    provider = f"{here.sharing_setup.council}-p{rng.randrange(len(SERVICES))}"
    event: IntegrationEvent = rng.choice([
        escalation.ProviderSuspended(provider_id=provider, intervention_id="i",
                                     escalation_id=f"e{number}", approved_by="M",
                                     on=date(2026, 5, 4), contingency_plan="p"),
        escalation.BreachNoticeIssued(provider_id=provider, intervention_id="i",
                                      notice_id=f"n{number}", deficiency="staffing",
                                      action_required="recruit", comply_by=date(2026, 6, 1),
                                      issued_on=date(2026, 5, 4)),
        risk.ConcernRaised(provider_id=provider, concern_id=f"k{number}", category="safety",
                           severity="serious", source="reported", summary="unsafe at night",
                           evidence=["r"], safety_at_risk=True, rule="reported-concern")])
    upstream(here, event, number)


def _resolve(here: Intake, there: Intake, rng: random.Random, number: int) -> None:
    concerns = [f for f in here.shared_facts().items if f["category"] == "serious-concern"]
    if concerns:
        fact = rng.choice(concerns)
        source = here.repository.get(fact_id(fact)).source
        upstream(here, risk.ConcernResolved(provider_id=fact["provider_id"],
                                            concern_id=source.split(":", 1)[1],
                                            reason="resolved", resolved_by="Ann"), number)


def _withdraw(here: Intake, there: Intake, rng: random.Random, number: int) -> None:
    found = here.shared_facts().items
    if found:
        here.withdraw_shared_fact(fact_id(rng.choice(found)), "shared in error", OFFICER[0], "c")


def fact_id(shown: dict[str, Any]) -> Any:
    from uuid import UUID

    return UUID(shown["fact_id"])


def assert_sharing_lists_are_the_stores(app: Intake) -> None:
    agreements = oldest_first(stored(app, Agreement))
    assert app.agreements().items == [as_json(agreement_shown(a)) for a in agreements]
    shared = newest_first(stored(app, SharedFact))
    listed = app.shared_facts().items
    assert [{k: v for k, v in f.items() if k != "delivered"} for f in listed] == [
        as_json(shared_shown(f)) for f in shared]
    arrivals = newest_first(stored(app, (ReceivedIntelligence, RefusedIntelligence)))
    assert app.arrivals().items == [as_json(received_shown(a) if isinstance(
        a, ReceivedIntelligence) else refused_shown(a)) for a in arrivals]
    assert_pages_cut_the_list(lambda paging: app.agreements(paging=paging))
    assert_pages_cut_the_list(lambda paging: app.arrivals(paging=paging))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_sharing_view_equals_a_replay_in_both_councils(councils, monkeypatch, seed):
    fife, perth = councils

    history(fife, perth, random.Random(seed), steps=100)
    carry(fife, perth)
    carry(perth, fife)

    for app in (fife, perth):
        assert_views_are_replays(app, monkeypatch)
        assert_sharing_lists_are_the_stores(app)
    # The history did share, and facts did arrive (the dates and steps are random).
    assert fife.shared_facts().total + perth.shared_facts().total
    assert fife.arrivals().total + perth.arrivals().total



def test_with_a_key_what_was_shared_reads_as_nothing_in_either_councils_files(
        settings: AssureSettings, tmp_path: Path):
    """A serious concern's own words, shared where the agreement allows, are sealed at rest
    in both councils' stores and views (and the edge's files: test_edge_servers.py)."""
    from eventsourcing.cryptography import AESCipher

    marker = "Night staffing below safe levels on the first floor"
    keyed = settings.model_copy(update={"cipher_key": AESCipher.create_key(32)})
    with two_councils(keyed, tmp_path) as (fife, perth):
        reference = fife.propose_agreement(ProposedTerms(
            "perth", ["serious-concern"], [], ["CS1"], date(2026, 4, 1),
            free_text=("serious-concern",)), *OFFICER, "c").reference
        fife.decide_agreement(reference, "approve", *SENIOR, "", "c")
        carry(fife, perth)
        perth.decide_agreement(reference, "approve", *SENIOR, "", "c")
        carry(perth, fife)
        upstream(fife, risk.ConcernRaised(
            provider_id="fife-p0", concern_id="k1", category="safety", severity="serious",
            source="reported", summary=marker, evidence=["r"], safety_at_risk=True,
            rule="reported-concern"), 1)
        carry(fife, perth)
        assert perth.arrivals()[0]["details"]["text"] == marker  # it did travel
        for app in (fife, perth):
            app.views.catch_up()
            # What the databases hold, whichever they are: the events and every view's rows.
            stored = app.recorder.select_notifications(start=1, limit=10_000)
            assert stored and not [n for n in stored if marker.encode() in n.state]
            for follower in app.views.followers.values():
                assert marker not in repr(follower.view.dump())
    if not keyed.uses_postgres:  # and the files on disk, where SQLite keeps them
        files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".json"]
        assert files and not [p for p in files if marker.encode() in p.read_bytes()]
