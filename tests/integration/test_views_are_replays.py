"""escalation's and notify's views, and every service's dead letters, each equal a replay of the
same store, on SQLite and PostgreSQL.

A random history is recorded through the applications (upstream events, officers' and seniors'
commands, deliveries attempted, sent and failed, reads, the schedule, parked and replayed
messages), with the views caught up at random moments a few events at a time. Then each view is
compared with itself built again from zero (`Follower.rebuild`, in pages of one size and
another), and each list it answers with what the aggregates, loaded from the store, say.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking

from assure.services import ALL
from services.escalation.application import Interventions
from services.escalation.application.projections import escalation_shown, intervention_shown
from services.escalation.application.steps import Opening
from services.escalation.domain.escalation import Escalation, Status
from services.escalation.domain.intervention import Intervention
from services.notify.application import Notifications
from services.notify.application.inbox_view import InboxIndex
from services.notify.application.projections import delivery_shown, notification_shown
from services.notify.domain.delivery import Delivery
from services.notify.domain.delivery import Status as DeliveryStatus
from services.notify.domain.directory import users_inboxes
from services.notify.domain.notification import Notification
from services.notify.domain.provider import ProviderContacts
from services.notify.domain.reminders import ReturnReminders
from shared.contracts import intake, risk
from shared.contracts.envelope import IntegrationEvent, wrap
from shared.dead_letter import DeadLetter
from shared.domain import InvalidInput, Refused
from shared.eventstore import ServiceApplication
from shared.settings import AssureSettings
from shared.views import store as views_store
from shared.views.dead_letters import shown as letter_shown
from shared.views.paging import Page, Paging, from_doc, sortable, to_doc

pytestmark = pytest.mark.integration

SERVICES = {definition.name: definition for definition in ALL}
PROVIDERS = ("oakwood", "elm", "birch")
OFFICER, SENIOR = "Jo Officer", "Morag Campbell"
NOW = datetime.now(UTC)
TODAY = NOW.date()
FROM_RISK = "RISK#p0"
FROM_INTAKE = "INTAKE#p0"


@pytest.fixture
def built(settings: AssureSettings, tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    """Builds a service's application as `assure up` would; closes them all afterwards."""
    config = tmp_path / "notify.json"
    config.write_text(json.dumps(NOTIFY_CONFIG))
    configured = settings.model_copy(update={"notify_config_file": config,
                                             "notify_max_attempts": 2})
    opened: list[ServiceApplication] = []

    def build(name: str) -> Any:
        app = SERVICES[name].build(configured)
        opened.append(app)
        return app

    yield build
    for app in opened:
        app.close()


# What every view must be ------------------------------------------------------------------------


def assert_views_are_replays(app: ServiceApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each view, caught up bit by bit, is what building it again from zero gives."""
    app.views.catch_up()
    for follower in app.views.followers.values():
        incremental = follower.view.dump()
        assert any(incremental.values()), f"{type(follower.projection).name} is empty"
        for page in (views_store.PAGE, 7):
            with monkeypatch.context() as patched:
                patched.setattr(views_store, "PAGE", page)
                follower.rebuild()
            assert follower.view.dump() == incremental, type(follower.projection).name


def stored(app: ServiceApplication, kind: type | tuple[type, ...]) -> list[Any]:
    """Every aggregate of the kind in the store, replayed from its events."""
    ids: dict[UUID, None] = {}
    position = 0
    while page := app.recorder.select_notifications(start=position + 1, limit=500):
        ids.update(dict.fromkeys(UUID(str(n.originator_id)) for n in page))
        position = page[-1].id
    found = (app.repository.get(i) for i in ids)
    return [aggregate for aggregate in found if isinstance(aggregate, kind)]


def oldest_first(aggregates: list[Any]) -> list[Any]:
    return sorted(aggregates, key=lambda a: (sortable(a.created_on), str(a.id)))


def newest_first(aggregates: list[Any]) -> list[Any]:
    return list(reversed(oldest_first(aggregates)))


def as_json(shown: dict[str, Any]) -> dict[str, Any]:
    return from_doc(to_doc(shown))


def assert_pages_cut_the_list(read: Callable[[Paging], Page[Any]]) -> None:
    whole = read(Paging())
    assert whole.total == len(whole)
    for limit, offset in ((1, 0), (2, 1), (3, len(whole) - 1), (5, len(whole) + 2)):
        part = read(Paging(limit, max(offset, 0)))
        assert list(part) == list(whole)[max(offset, 0):max(offset, 0) + limit]
        assert part.total == whole.total


class _quietly:
    """A command the domain refuses leaves the history as it was; the history goes on."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, *_: Any) -> bool:
        return kind is not None and issubclass(kind, Refused | InvalidInput)


def envelope(event: IntegrationEvent, event_id: str) -> Any:
    return wrap(event, event_id=event_id, time=NOW, correlation_id="c")


def concern(rng: random.Random, number: int) -> risk.ConcernRaised:
    safety = rng.random() < 0.4
    return risk.ConcernRaised(
        provider_id=rng.choice(PROVIDERS), concern_id=f"concern-{number}",
        category=rng.choice(["quality", "breach-of-contract", "safety"]),
        severity=rng.choice(["moderate", "serious"]), source="return analysis",
        summary=f"finding {number}", evidence=[], safety_at_risk=safety)


def park_and_maybe_replay(app: ServiceApplication, rng: random.Random, number: int,
                          event: IntegrationEvent) -> None:
    app.park(upstream="risk", message_key=str(number), subject="evt.risk.p0.x.ConcernRaised",
             payload=envelope(event, f"parked-{number}").model_dump_json(), error="boom",
             attempts=3, tracking=None)
    if rng.random() < 0.5:
        letters = [letter for letter in app.dead_letters() if not letter["replayed"]]
        if letters:
            with _quietly():
                app.replay_dead_letter(UUID(rng.choice(letters)["id"]))


def assert_dead_letters_are_the_stores(app: ServiceApplication) -> None:
    letters = oldest_first(stored(app, DeadLetter))
    assert list(app.dead_letters()) == [as_json(letter_shown(d)) for d in letters]
    assert_pages_cut_the_list(app.dead_letters)


# escalation ---------------------------------------------------------------------------------------


def escalation_history(app: Interventions, rng: random.Random, steps: int) -> None:
    _park(app, rng, 0)  # every view has something in it
    for number in range(1, steps + 1):
        with _quietly():
            rng.choice(ESCALATION_MOVES)(app, rng, number)
        if rng.random() < 0.3:
            app.views.catch_up()


def _raise_concern(app: Interventions, rng: random.Random, number: int) -> None:
    app.handle(envelope(concern(rng, number), f"risk-{number}"), Tracking(FROM_RISK, number))


def _decide(app: Interventions, rng: random.Random, number: int) -> None:
    waiting = app.escalation_list("proposed")
    if waiting:
        chosen = UUID(rng.choice(waiting)["escalation_id"])
        if rng.random() < 0.6:
            app.approve(chosen, SENIOR, "head_of_strategic_planning", "c", TODAY)
        else:
            app.reject(chosen, SENIOR, "general_manager", "not yet", "c", TODAY)


def _an_open_one(app: Interventions, rng: random.Random) -> UUID | None:
    found = app.intervention_list(open_only=True)
    return UUID(rng.choice(found)["intervention_id"]) if found else None


def _open_by_officer(app: Interventions, rng: random.Random, number: int) -> None:
    contract = rng.choice([None, "C-1", "C-2"])
    app.open(Opening(rng.choice(PROVIDERS), f"officer's finding {number}", OFFICER,
                     contract_reference=contract, severity=rng.choice([None, "moderate"])), "c")


def _take_step(app: Interventions, rng: random.Random, number: int) -> None:
    if (chosen := _an_open_one(app, rng)) is not None:
        step = rng.choice(["feedback", "contract review meeting", "scheduled visit"])
        issues = ["night staffing"] if step == "contract review meeting" else []
        app.take_step(chosen, step, TODAY, OFFICER, f"note {number}", issues, "c")


def _plan(app: Interventions, rng: random.Random, number: int) -> None:
    if (chosen := _an_open_one(app, rng)) is None:
        return
    plans = app.plans_of(app.intervention(chosen))
    running = [p for p in plans if p.in_progress]
    if not running:
        app.request_plan(chosen, TODAY - timedelta(days=rng.randint(0, 90)), OFFICER, "c")
    elif running[0].received_on is None:
        app.receive_plan(chosen, running[0].id, TODAY, [{
            "action": "Recruit night staff", "owner": "Registered manager",
            "measure": "rota shows two waking night staff", "due": TODAY + timedelta(days=40)}],
            OFFICER, "c")
    else:
        app.conclude_plan(chosen, running[0].id, rng.random() < 0.5, TODAY, OFFICER, "", "c")


def _notice(app: Interventions, rng: random.Random, number: int) -> None:
    if (chosen := _an_open_one(app, rng)) is not None:
        issued = TODAY - timedelta(days=rng.randint(0, 60))
        app.issue_notice(chosen, f"deficiency {number}", "put it right",
                         issued + timedelta(days=28), issued, OFFICER, "c")


def _deadlines(app: Interventions, rng: random.Random, number: int) -> None:
    app.check_deadlines(TODAY + timedelta(days=rng.randint(0, 120)), "c")


def _serious_step(app: Interventions, rng: random.Random, number: int) -> None:
    if (chosen := _an_open_one(app, rng)) is not None:
        if rng.random() < 0.5:
            app.propose_suspension(chosen, OFFICER, "notice not met", "reviews for all", "c")
        else:
            app.propose_telling_the_chief_officer(chosen, OFFICER, "serious concern", "c")


def _override(app: Interventions, rng: random.Random, number: int) -> None:
    if (chosen := _an_open_one(app, rng)) is not None:
        app.override(chosen, "enable", rng.choice(["contract review meeting", "improvement plan"]),
                     "the provider asked to meet first", OFFICER, "c")


def _close(app: Interventions, rng: random.Random, number: int) -> None:
    if (chosen := _an_open_one(app, rng)) is not None:
        app.close_intervention(chosen, "targets met", OFFICER, TODAY, "c")


def _park(app: ServiceApplication, rng: random.Random, number: int) -> None:
    park_and_maybe_replay(app, rng, number, concern(rng, 10_000 + number))


ESCALATION_MOVES = (
    _raise_concern, _raise_concern, _raise_concern, _decide, _decide, _open_by_officer,
    _take_step, _plan, _plan, _notice, _deadlines, _serious_step, _override, _close, _park,
)


def assert_escalation_lists_are_the_stores(app: Interventions) -> None:
    escalations = oldest_first(stored(app, Escalation))
    assert escalations, "the history made no escalation"
    shown = [as_json(escalation_shown(e)) for e in escalations]
    assert list(app.escalation_list()) == shown
    for status in Status:
        assert list(app.escalation_list(status)) == [
            s for s, e in zip(shown, escalations, strict=True) if e.status is status]
    for provider in PROVIDERS:
        assert list(app.escalation_list(provider_id=provider)) == [
            s for s in shown if s["provider_id"] == provider]
        assert [e.id for e in app.escalations_for(provider)] == [
            e.id for e in escalations if e.provider_id == provider]
    assert_pages_cut_the_list(lambda paging: app.escalation_list("proposed", paging=paging))

    interventions = oldest_first(stored(app, Intervention))
    whole = [as_json(intervention_shown(i, app.plans_of(i), app.notices_of(i)))
             for i in interventions]
    assert list(app.intervention_list()) == whole
    assert list(app.intervention_list(open_only=True)) == [
        s for s, i in zip(whole, interventions, strict=True) if i.is_open]
    for provider in PROVIDERS:
        assert list(app.intervention_list(provider_id=provider)) == [
            s for s in whole if s["provider_id"] == provider]
        for contract in (None, "C-1", "C-2"):
            found = app.current_intervention(provider, contract)
            assert (found and found.id) == next(
                (i.id for i in interventions if i.is_open and i.provider_id == provider
                 and i.contract_reference == contract), None)
    # A page's providers at once (the dashboard's), open only or not; none asked, none found.
    page = (*PROVIDERS[:2], "nowhere")
    assert {s["provider_id"] for s in whole if s["provider_id"] in page} == set(PROVIDERS[:2])
    for open_only in (False, True):
        assert list(app.intervention_list(open_only, provider_ids=page)) == [
            s for s, i in zip(whole, interventions, strict=True)
            if i.provider_id in page and (i.is_open or not open_only)]
    assert list(app.intervention_list(provider_ids=())) == []
    assert [i.id for i in app.open_interventions()] == [i.id for i in interventions if i.is_open]
    assert_pages_cut_the_list(lambda paging: app.intervention_list(paging=paging))


@pytest.mark.parametrize("seed", [1, 2])
def test_escalations_views_equal_a_replay(built, monkeypatch, seed):
    app: Interventions = built("escalation")

    escalation_history(app, random.Random(seed), steps=80)

    assert_views_are_replays(app, monkeypatch)
    assert_escalation_lists_are_the_stores(app)
    assert_dead_letters_are_the_stores(app)


# notify -------------------------------------------------------------------------------------------

NOTIFY_CONFIG = {
    "contacts": {
        "operations": {"email": ["duty@council.test"]},
        "contract-manager": {"email": ["contracts@council.test"], "digest": "daily"},
        "provider": {"email": ["returns@{provider_id}.test"]},
    },
    "users": {
        "ann": {"name": "Ann Manager", "roles": ["contract-manager"]},
        "sam": {"name": "Sam Duty", "roles": ["operations", "contract-manager"]},
    },
}
READERS = ("ann", "sam")


def notify_history(app: Notifications, rng: random.Random, steps: int, first: int = 1) -> None:
    _park(app, rng, first - 1)  # every view has something in it
    for number in range(first, first + steps):
        with _quietly():
            rng.choice(NOTIFY_MOVES)(app, rng, number)
        if rng.random() < 0.3:
            app.views.catch_up()


def _tell(app: Notifications, rng: random.Random, number: int) -> None:
    app.handle(envelope(concern(rng, number), f"risk-{number}"), Tracking(FROM_RISK, number))


def _from_intake(app: Notifications, event: IntegrationEvent, number: int) -> None:
    app.handle(envelope(event, f"intake-{number}"), Tracking(FROM_INTAKE, number))


def _award(app: Notifications, rng: random.Random, number: int) -> None:
    provider = rng.choice(PROVIDERS)
    _from_intake(app, intake.ContractAwarded(
        provider_id=provider, contract_reference=f"{provider}-{rng.randint(1, 2)}",
        service_type=rng.choice(["care-home", "care-at-home"]), annual_value="250000",
        regulator=None, start_date=date(2025, 4, 1), end_date=None,
        contract_manager=rng.choice(["Ann Manager", "Bob Other"])), number)


def _return(app: Notifications, rng: random.Random, number: int) -> None:
    provider, quarter = rng.choice(PROVIDERS), rng.randint(1, 3)
    period = (date(2026, quarter * 3 - 2, 1), date(2026, quarter * 3, 28))
    common = dict(provider_id=provider, contract_reference=f"{provider}-1", form="kpi",
                  period_start=period[0], period_end=period[1])
    if rng.random() < 0.7:
        _from_intake(app, intake.ReturnRequested(
            **common, request_id=f"req-{provider}-{quarter}", issue_on=TODAY,
            due_on=TODAY + timedelta(days=rng.randint(1, 12))), number)
    else:
        _from_intake(app, intake.ReturnSubmitted(
            **common, return_id=f"ret-{number}", form_version=1, sections={}, answers={},
            submitted_by="manager", submitted_at=NOW), number)


def _read(app: Notifications, rng: random.Random, number: int) -> None:
    notes = app.inbox(rng.choice(["operations", "contract-manager", "commissioning-manager"]))
    if notes:
        app.mark_read(UUID(rng.choice(notes)["notification_id"]), rng.choice(READERS))


def _deliver(app: Notifications, rng: random.Random, number: int) -> None:
    outgoing = app.derive_deliveries(NOW)
    outgoing += app.claim_due(NOW + timedelta(minutes=rng.randint(0, 120)), set())
    for item in outgoing:
        if rng.random() < 0.5:
            app.record_sent(item, NOW)
        elif rng.random() < 0.8:
            app.record_failure(item, "SMTPDataError: 554", NOW)


def _resend(app: Notifications, rng: random.Random, number: int) -> None:
    failed = app.failures()
    if failed:
        app.retry_failed(UUID(rng.choice(failed)["delivery_id"]), "Operator")


def _schedule(app: Notifications, rng: random.Random, number: int) -> None:
    app.run_schedule(NOW + timedelta(days=rng.randint(0, 10), hours=rng.randint(0, 23)))


NOTIFY_MOVES = (_tell, _tell, _tell, _award, _return, _return, _read, _read, _deliver,
                _deliver, _resend, _schedule, _park)


def assert_inboxes_are_the_stores(app: Notifications) -> None:
    notes = newest_first(stored(app, Notification))
    for recipient in sorted({n.recipient for n in notes}):
        for reader in (None, *READERS):
            mine = [n for n in notes if n.recipient == recipient]
            expected = [as_json({**notification_shown(n),
                                 "read": n.read_by(reader) if reader else n.read}) for n in mine]
            page = app.inbox(recipient, reader)
            assert list(page) == expected
            unread = sum(not e["read"] for e in expected)
            assert (page.total, page.counts["unread"]) == (len(expected), unread)
            only_unread = app.inbox(recipient, reader, unread_only=True)
            assert list(only_unread) == [e for e in expected if not e["read"]]
            assert (only_unread.total, only_unread.counts["unread"]) == (unread, unread)
            assert list(app.inbox(recipient, reader, unread_first=True)) == sorted(
                expected, key=lambda e: e["read"])
    managers: dict[str, set[str]] = {}
    for contacts in stored(app, ProviderContacts):
        managers[contacts.provider_id] = set(contacts.contract_managers.values())
    for user in READERS:
        name = NOTIFY_CONFIG["users"][user]["name"]
        expected = [as_json({**notification_shown(n), "read": n.read_by(user)}) for n in notes
                    if n.recipient in users_inboxes(user, app.config)
                    and (n.recipient != "contract-manager" or not managers.get(n.provider_id)
                         or name in managers[n.provider_id])]
        page = app.user_inbox(user, paging=Paging(limit=1))
        assert list(page) == expected[:1]
        assert (page.total, page.counts["unread"]) == (
            len(expected), sum(not e["read"] for e in expected))
        assert list(app.user_inbox(user)) == expected
        assert_unread_first_pages(lambda paging, user=user: app.user_inbox(
            user, unread_first=True, paging=paging), expected)
        assert_pages_cut_the_list(lambda paging, user=user: app.user_inbox(
            user, unread_only=True, paging=paging))
    assert_pages_cut_the_list(lambda paging: app.inbox("operations", paging=paging))


def assert_unread_first_pages(read: Callable[[Paging], Page[Any]],
                              expected: list[dict[str, Any]]) -> None:
    """Unread ones first, each part newest first, cut into pages wherever the parts meet."""
    ordered = sorted(expected, key=lambda e: e["read"])
    assert list(read(Paging())) == ordered
    for offset in range(len(ordered) + 1):
        assert list(read(Paging(2, offset))) == ordered[offset:offset + 2]


def assert_inbox_counts_are_the_stores(app: Notifications) -> None:
    """The counts the inboxes' view keeps (so a page reads no more than its rows) are what the
    stored notifications and contracts say: per inbox and reader, and the contract managers'
    per provider, with whether a contract names the provider's manager."""
    notes = stored(app, Notification)
    managed = {c.provider_id for c in stored(app, ProviderContacts) if c.contract_managers}
    counts: dict[tuple[str, str], list[int]] = {}
    by_provider: dict[tuple[str, str], list[int]] = {}
    for n in notes:
        for reader, held, seen in (("", 1, int(n.read)), *((r, 0, 1) for r in n.readers)):
            keys = [(counts, n.recipient)]
            if n.recipient == "contract-manager":
                keys.append((by_provider, n.provider_id))
            for table, key in keys:
                tally = table.setdefault((key, reader), [0, 0])
                tally[0] += held
                tally[1] += seen
    view = app.views.get(InboxIndex)
    kept = view.select("SELECT recipient, reader, held, seen FROM {counts}")
    assert sorted((r["recipient"], r["reader"], r["held"], r["seen"]) for r in kept) == sorted(
        (*key, *tally) for key, tally in counts.items())
    kept = view.select("SELECT provider_id, reader, managed, held, seen FROM {provider_counts}")
    assert sorted((r["provider_id"], r["reader"], r["managed"], r["held"], r["seen"])
                  for r in kept) == sorted(
        (p, reader, int(p in managed), *tally) for (p, reader), tally in by_provider.items())


def assert_deliveries_are_the_stores(app: Notifications) -> None:
    deliveries = newest_first(stored(app, Delivery))
    assert deliveries, "the history made no delivery"
    shown = [as_json(delivery_shown(d)) for d in deliveries]
    assert list(app.deliveries()) == shown
    for status in DeliveryStatus:
        assert list(app.deliveries(status)) == [
            s for s, d in zip(shown, deliveries, strict=True) if d.status == status]
    failed = sorted((d for d in deliveries if d.status == DeliveryStatus.FAILED),
                    key=lambda d: (sortable(d.modified_on), str(d.id)))
    assert list(app.failures()) == [as_json(delivery_shown(d)) for d in failed]
    assert_pages_cut_the_list(lambda paging: app.deliveries(paging=paging))
    for minutes in (0, 30, 600):
        moment = NOW + timedelta(minutes=minutes)
        due = sorted((d for d in deliveries if d.due_at() is not None and d.due_at() <= moment),
                     key=lambda d: (sortable(d.due_at()), str(d.id)))
        assert app.board.due(moment) == [d.id for d in due]
    held: dict[tuple[str, str, str], list[UUID]] = {}
    for d in oldest_first([d for d in deliveries if d.status == DeliveryStatus.HELD]):
        held.setdefault((d.recipient, d.channel, d.hold), []).append(d.id)
    assert app.board.held_groups() == held


def assert_reminders_are_the_stores(app: Notifications) -> None:
    reminders = [r for r in stored(app, ReturnReminders) if not r.closed and r.due_on]
    for after, days in ((TODAY, 3), (TODAY, 7), (TODAY + timedelta(days=2), 10)):
        upto = after + timedelta(days=days)
        expected = sorted((r for r in reminders if after < r.due_on <= upto),
                          key=lambda r: (r.due_on, str(r.id)))
        assert app.board.reminders_due(after, upto) == [r.id for r in expected]


@pytest.mark.parametrize("seed", [1, 2])
def test_notify_views_equal_a_replay(built, monkeypatch, seed):
    app: Notifications = built("notify")

    notify_history(app, random.Random(seed), steps=80)

    assert_views_are_replays(app, monkeypatch)
    assert_inboxes_are_the_stores(app)
    assert_inbox_counts_are_the_stores(app)
    assert_deliveries_are_the_stores(app)
    assert_reminders_are_the_stores(app)
    assert_dead_letters_are_the_stores(app)


def test_a_view_caught_up_by_another_instance_is_the_same(built, monkeypatch):
    """Two instances on one store write the same rows, whichever catches up first."""
    first: Notifications = built("notify")
    notify_history(first, random.Random(3), steps=40)
    second: Notifications = built("notify")
    notify_history(second, random.Random(4), steps=40, first=1000)

    first.views.catch_up()
    assert list(second.inbox("operations")) == list(first.inbox("operations"))
    assert list(second.deliveries()) == list(first.deliveries())
    assert_views_are_replays(second, monkeypatch)
    assert_deliveries_are_the_stores(first)
