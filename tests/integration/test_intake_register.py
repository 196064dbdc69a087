"""Intake's register (its providers, contracts, return requests, returns and drafts as table
rows) is what replaying the store gives, on SQLite and PostgreSQL.

Over random histories: the register kept up incrementally as intake works (a catch-up before
each read, some in the middle of a history) answers every list as the aggregates do; rebuilt
from zero, a few events to a page, it holds the same rows. And the return log reads a page,
a count and an export from it, whatever the filter.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assure.services import ALL
from services.intake.application import Intake, register_view
from services.intake.application.register_view import RegisterProjection
from services.intake.application.return_log import LogFilter
from services.intake.domain.calendar import return_key
from shared.settings import AssureSettings
from shared.views import store
from shared.views.paging import Page, Paging
from tests import intake_history as oracle
from tests.intake_history import STEPS, History

pytestmark = pytest.mark.integration

INTAKE = next(d for d in ALL if d.name == "intake")
STEP = st.tuples(st.sampled_from(STEPS), st.integers(min_value=0, max_value=10_000))
# Registering, awarding and a first tick before what is drawn, so that most drawn histories
# have contracts and requests to work on.
OPENING = [("register", 1), ("register", 2), ("register", 3), ("award", 3), ("award", 7),
           ("award", 11), ("tick", 70), ("tick", 80)]
HISTORY = st.lists(STEP, min_size=20, max_size=70).map(lambda steps: [*OPENING, *steps])


@pytest.fixture
def fresh_intake(settings: AssureSettings) -> Iterator[Any]:
    """Opens intake on a store of its own each time it is called (one per drawn history),
    closing the one before (each holds connections of its own to the database)."""
    opened: list[Intake] = []

    def open_() -> Intake:
        for earlier in opened:
            earlier.close()
        name = uuid.uuid4().hex[:6]
        own = settings.model_copy(update={
            "data_dir": settings.data_dir / name,
            "postgres_schema_prefix": f"{settings.postgres_schema_prefix}{name}_"})
        app = INTAKE.build(own)
        opened.append(app)
        return app

    yield open_
    for app in opened:
        app.close()


# Without shrinking: each history opens a store of its own, and a failure shows its history.
@hypothesis_settings(max_examples=8, deadline=None, derandomize=True,
                     phases=(Phase.explicit, Phase.generate),
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(steps=HISTORY)
def test_the_register_is_what_replaying_the_store_gives(fresh_intake, monkeypatch, steps):
    app: Intake = fresh_intake()
    History(app).run(steps)

    kept = app.register_view().dump()  # kept up a catch-up at a time
    aggregates = oracle.stored_aggregates(app)

    assert_lists_answer_as_the_aggregates_do(app, aggregates)
    monkeypatch.setattr(store, "PAGE", 4)  # an aggregate's events across many pages
    app.views.followers[RegisterProjection].rebuild()
    assert app.register_view().dump() == kept


def assert_lists_answer_as_the_aggregates_do(app: Intake, aggregates: list[Any]) -> None:
    view = app.register_view()
    assert app.providers() == oracle.providers(aggregates)
    contracts = oracle.contracts(aggregates)
    assert app.contracts() == contracts
    for provider in app.providers():
        assert app.contracts(provider.provider_id) == [
            c for c in contracts if c.provider_id == provider.provider_id]
        assert view.open_drafts(provider.provider_id) == oracle.open_drafts(
            aggregates, provider.provider_id)
    for service_id in {c.regulator_service_id for c in contracts} - {None}:
        assert app.contract_for_regulator_service(service_id) == next(
            c for c in contracts if c.regulator_service_id == service_id)
    requests = oracle.requests(aggregates)
    assert view.requests() == requests
    assert view.requests(waiting=True) == [r for r in requests if r.submitted_on is None]
    sent = oracle.returns(aggregates)
    for contract in contracts:
        assert app.requests_for(contract.reference) == [
            r for r in requests if r.contract_reference == contract.reference]
        assert [r.id for r in app.returns_for(contract.reference)] == [
            r.id for r in sent if r.contract_reference == contract.reference]
    for returned in sent:
        key = return_key(returned.form, returned.period_start, returned.period_end)
        assert [r.id for r in app.submitted_for(returned.contract_reference, key)] == [
            r.id for r in sent if r.contract_reference == returned.contract_reference
            and return_key(r.form, r.period_start, r.period_end) == key]
    assert app.return_log(LogFilter()) == oracle.return_log(aggregates, lambda row: True)
    assert_the_providers_list_pages_by_name(view, aggregates)


# Pages of the providers list, and the whole list (no limit), past its end.
PAGINGS = [Paging(), Paging(limit=1), Paging(limit=2, offset=1), Paging(limit=50),
           Paging(limit=3, offset=50)]


def assert_the_providers_list_pages_by_name(view: Any, aggregates: list[Any]) -> None:
    """The providers list is every provider in name order (as read, so "Ållebakken" after
    "Willow Homes"), each with its contracts as awarded, a page at a time, with the count."""
    contracts = oracle.contracts(aggregates)
    by_name = sorted(oracle.providers(aggregates), key=lambda p: (p.name.lower(), p.provider_id))
    listed = [(p, [c for c in contracts if c.provider_id == p.provider_id]) for p in by_name]
    uncontracted = [(p, found) for p, found in listed if not found]
    # A page's providers, in the order asked; one not registered is left out.
    asked = [p.provider_id for p, _ in reversed(listed)][::2]
    assert view.providers_listed([*asked, "nobody", *asked]) == [
        line for line in reversed(listed) if line[0].provider_id in asked]
    for paging in PAGINGS:
        end = None if paging.limit is None else paging.offset + paging.limit
        assert view.provider_page(paging) == Page(listed[paging.offset:end], len(listed))
        assert view.provider_page(paging, without_contracts=True) == Page(
            uncontracted[paging.offset:end], len(uncontracted))


def test_the_providers_never_awarded_a_contract_are_listed_on_their_own(fresh_intake):
    """Those risk has never heard of (it learns of a provider from its first contract): the
    dashboard lists them after every provider risk knows, as not scored."""
    app: Intake = fresh_intake()
    History(app).run(busy_year()[:30])
    aggregates = oracle.stored_aggregates(app)
    contracted = {c.provider_id for c in oracle.contracts(aggregates)}
    registered = {p.provider_id for p in oracle.providers(aggregates)}
    assert contracted and registered - contracted  # both kinds, to tell apart

    assert_the_providers_list_pages_by_name(app.register_view(), aggregates)


def test_the_previous_register_answers_the_providers_list_as_the_new_one(fresh_intake):
    """While version 2 of the register is built at the first start after an upgrade, version 1
    answers (shared/views/store.py, succession): its providers list, sorted in Python, is the
    same as version 2's, read by the name index."""
    app: Intake = fresh_intake()
    History(app).run(busy_year()[:60])
    previous = RegisterProjection.previous
    assert previous is not None and previous.view_class.version == 1
    new = app.views.followers[RegisterProjection]
    new.catch_up()
    old = store.Follower(app, previous(view=app.views._open(previous.view_class)))
    old.catch_up()
    assert (old.view.table("providers"), new.view.table("providers")) == (
        "register1_providers", "register2_providers")
    for paging in PAGINGS:
        assert old.view.provider_page(paging) == new.view.provider_page(paging)
        assert old.view.provider_page(paging, True) == new.view.provider_page(paging, True)


# The return log: pages, counts and exports ---------------------------------------------------

def busy_year() -> list[tuple[str, int]]:
    """Six providers and their contracts over a year and more: returns asked for, sent, late,
    overdue, allocated and reminded."""
    setup = [("register", n) for n in range(6)] + [("award", n) for n in range(0, 39, 3)]
    year = [(step, n) for n in range(12) for step in
            ("tick", "submit", "allocate", "tick", "remind", "ask", "early", "draft", "correct",
             "release")]
    return setup + year + [("tick", 60), ("tick", 60)]


FILTERS = [
    LogFilter(), LogFilter(status="overdue"), LogFilter(status="submitted"),
    LogFilter(status="late"), LogFilter(status="requested"), LogFilter(form="cmr-level-1"),
    LogFilter(form="self-assessment", status="overdue"), LogFilter(provider_ids=("p2",)),
    LogFilter(provider_ids=("p1", "p4", "nobody")), LogFilter(provider_ids=()),
    LogFilter(provider_ids=("p0", "p3"), status="overdue"),
    LogFilter(allocated_to="Jo"), LogFilter(service_type="care-home"),
    LogFilter(due_from=date(2025, 9, 1), due_to=date(2026, 3, 31)),
    LogFilter(due_to=date(2025, 12, 31), service_type="day-services", status="overdue"),
    LogFilter(provider_ids=("nobody",)),
]


def test_the_return_log_pages_counts_and_exports_what_each_filter_keeps(fresh_intake,
                                                                         monkeypatch):
    app: Intake = fresh_intake()
    History(app).run(busy_year())
    aggregates = oracle.stored_aggregates(app)
    monkeypatch.setattr(register_view, "EXPORT_BATCH", 3)  # an export of many batches
    assert len(app.return_log(LogFilter())) > 20

    for log_filter in FILTERS:
        whole = oracle.return_log(aggregates, oracle.keeps(log_filter))
        assert app.return_log(log_filter) == whole, log_filter
        assert app.return_log_count(log_filter) == len(whole), log_filter
        pages = [app.return_log(log_filter, limit=4, offset=start)
                 for start in range(0, len(whole) + 4, 4)]
        assert [row for page in pages for row in page] == whole, log_filter
        assert all(len(page) == 4 for page in pages[:len(whole) // 4]), log_filter
        assert list(app.each_in_return_log(log_filter)) == whole, log_filter
    statuses = {row.status for row in app.return_log(LogFilter())}
    assert statuses >= {"submitted", "overdue", "requested"}
