"""The calendar's tick reads the due-date view (services/intake/application/due_dates.py): it
asks for the same returns and marks the same ones overdue as walking every contract and every
request did, it loads only the contracts with something due or changed and the requests falling
overdue, and the view is what a replay of the store gives."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.tick import measure, walk_every_contract
from services.intake.application import AskedReturn, Award, Intake, Submission, TickResult
from services.intake.application.due_dates import DueDates, contracts_to_check
from services.intake.domain.clock import Clock
from services.intake.domain.contract import Contract
from services.intake.domain.return_request import ReturnRequest
from services.intake.domain.return_rounds import Calendar, LastRun
from shared.contracts.forms import LEVEL_FORMS, example

pytestmark = pytest.mark.unit

START = date(2025, 3, 3)
VALUES = {1: "150000", 2: "50000", 3: "8000"}  # the level each annual value gives
RISKS = ("low", "medium", "high")


def started(today: date = START) -> Intake:
    app = Intake(env={})
    app.tick(today, "corr-start")
    app.register_provider("Oakwood Care", "oakwood", "coordinator", "corr-0")
    return app


def award(app: Intake, reference: str, level: int, kpi: bool = False,
          start: date | None = None, end: date | None = None) -> Contract:
    contract, _ = app.award_contract(Award(
        provider_id="oakwood", reference=reference, service_type="care-at-home",
        annual_value=Decimal(VALUES[level]), regulator=None, regulator_service_id=None,
        start_date=start or date(2024, 4, 1), end_date=end, contract_manager="Ann Duncan",
        kpi_returns=kpi), "coordinator", "corr-award")
    return contract


def outcome(app: Intake) -> list[tuple[Any, ...]]:
    """Every request as it stands: what was asked for, and what became of it."""
    return sorted((str(r.id), r.form, r.period_start, r.period_end, r.issue_on, r.due_on,
                   tuple(r.kpis), r.submitted_on, r.overdue_since, r.requested_by)
                  for r in app._requests())


# The same returns as walking every contract ----------------------------------------------------


class History:
    """Drives the same officers' and providers' actions into two intakes: one whose tick reads
    the view, one whose tick walks every contract."""

    def __init__(self) -> None:
        self.viewed, self.walked = started(), started()
        self.contracts: list[str] = []
        self.today = START

    def both(self, action: str, *args: Any, **kwargs: Any) -> None:
        for app in (self.viewed, self.walked):
            getattr(app, action)(*args, **kwargs)

    def award(self, level: int, kpi: bool, starts: int, lasts: int | None) -> None:
        reference = f"C-{len(self.contracts)}"
        start = self.today + timedelta(days=starts)
        end = None if lasts is None else start + timedelta(days=lasts)
        for app in (self.viewed, self.walked):
            award(app, reference, level, kpi, start, end)
        self.contracts.append(reference)

    def change(self, pick: int, change: str, value: int) -> None:
        if not self.contracts:
            return
        reference = self.contracts[pick % len(self.contracts)]
        if self.viewed.get_contract(reference).ended_on:
            return
        if change == "vary_value":
            kwargs = {"annual_value": Decimal(VALUES[value % 3 + 1]), "by": "officer"}
        elif change == "assess_risk":
            kwargs = {"assessed_risk": RISKS[value % 3], "source": "risk service"}
        else:
            start = self.viewed.get_contract(reference).start_date
            kwargs = {"ended_on": max(start, self.today + timedelta(days=value - 60)),
                      "reason": "re-tendered", "by": "commissioner"}
        self.both("change_contract", reference, change, correlation_id="corr-change", **kwargs)

    def submit(self, pick: int, early: bool) -> None:
        """A provider answers a request still open, or sends its next level return early."""
        if early and self.contracts:
            contract = self.viewed.get_contract(self.contracts[pick % len(self.contracts)])
            due = self.viewed.next_owed(contract)
            if due is None or due.form not in LEVEL_FORMS:
                return
            sent = (contract.reference, due.form, due.period_start, due.period_end)
        else:
            open_ = [r for r in self.viewed._requests()
                     if r.submitted_on is None and r.form in LEVEL_FORMS]
            if not open_:
                return
            r = open_[pick % len(open_)]
            sent = (r.contract_reference, r.form, r.period_start, r.period_end)
        reference, form, period_start, period_end = sent
        submission = Submission(form, None, example(form, period_start, period_end), "manager")
        self.both("submit_return", reference, submission, f"key-{pick}-{sent}", "corr-sent")

    def ask(self, pick: int, days: int) -> None:
        """A coordinator asks a live contract for a self-assessment outside the calendar."""
        if not self.contracts:
            return
        contract = self.viewed.get_contract(self.contracts[pick % len(self.contracts)])
        if contract.ended_on or (contract.end_date and contract.end_date < self.today):
            return
        asked = AskedReturn("self-assessment", self.today - timedelta(days=90), self.today,
                            self.today + timedelta(days=days), "coordinator")
        self.both("request_return", contract.reference, asked, "corr-ask")

    def tick(self, days: int, cut_short: int | None) -> None:
        self.today += timedelta(days=days)
        if cut_short is not None:
            run_cut_short(self.viewed, self.today, after=cut_short)
        viewed = self.viewed.tick(self.today, "corr-tick")
        walked = walk_every_contract(self.walked, self.today, "corr-tick")
        if cut_short is None:  # a run again counts only what the first run did not do
            assert viewed == walked
        assert outcome(self.viewed) == outcome(self.walked)


class Stopped(Exception):
    """The process running the schedule died."""


def run_cut_short(app: Intake, to: date, after: int) -> None:
    """A run that stops (the process killed, say) after working out `after` contracts."""
    worked = 0
    original = app._returns_to_ask_for

    def stopping(*args: Any) -> list[ReturnRequest]:
        nonlocal worked
        if worked == after:
            raise Stopped
        worked += 1
        return original(*args)

    app._returns_to_ask_for = stopping  # type: ignore[method-assign]
    try:
        with pytest.raises(Stopped):
            app.tick(to, "corr-cut")
            raise Stopped  # the run had too little to do to be stopped: it finished
    finally:
        del app._returns_to_ask_for


steps = st.one_of(
    st.tuples(st.just("award"), st.integers(1, 3), st.booleans(), st.integers(-800, 200),
              st.none() | st.integers(0, 900)),
    st.tuples(st.just("change"), st.integers(0, 50),
              st.sampled_from(["vary_value", "assess_risk", "end"]), st.integers(0, 300)),
    st.tuples(st.just("submit"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("ask"), st.integers(0, 50), st.integers(0, 40)),
    st.tuples(st.just("tick"), st.sampled_from([0, 1, 3, 7, 14, 16, 31, 92, 183, 366, 400]),
              st.none() | st.integers(0, 3)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=5, max_size=30))
def test_the_tick_asks_for_the_same_returns_as_walking_every_contract(history):
    # The view's tick against the tick as it was, over random awards (any level, with KPI
    # returns or not, starting years back or ahead, ending or not), level changes, ends,
    # returns sent on time or early, returns asked for by hand, and clock moves of a day to
    # more than a year, some runs stopped halfway and run again.
    world = History()
    for action, *args in [*history, ("tick", 1, None)]:
        getattr(world, action)(*args)


def test_a_run_stopped_halfway_is_run_again_from_the_last_run_that_finished():
    app = started()
    app.requests_per_commit = 1  # each contract's requests committed before the next's
    for n in range(4):
        award(app, f"L1-{n}", level=1)

    run_cut_short(app, date(2025, 8, 1), after=2)

    # Each owes December-March (due 15 April, overdue by now) and April-July: the first two
    # were asked for both before the run stopped, and the clock kept the run before as the
    # last that finished.
    assert app.repository.get(Clock.create_id()).ran_to == START
    assert app.tick(date(2025, 8, 1), "corr-again") == TickResult(date(2025, 8, 1), 4, 4)
    assert [len(app.requests_for(f"L1-{n}")) for n in range(4)] == [2, 2, 2, 2]


# Only what is due --------------------------------------------------------------------------------


class Loads:
    """The aggregates a tick loads, by kind."""

    def __init__(self, app: Intake) -> None:
        self.app = app
        self.loaded: list[Any] = []
        original = app.repository.get

        def counting(aggregate_id: uuid.UUID, **kwargs: Any) -> Any:
            aggregate = original(aggregate_id, **kwargs)
            self.loaded.append(aggregate)
            return aggregate

        app.repository.get = counting  # type: ignore[method-assign]

    def tick(self, to: date) -> tuple[list[str], list[str]]:
        """The contracts (references) and requests (forms) loaded by a tick to `to`."""
        self.app.views.catch_up()  # what the view reads after the last change is not the tick's
        self.loaded = []
        self.app.tick(to, "corr-tick")
        return (sorted(a.reference for a in self.loaded if isinstance(a, Contract)),
                sorted(a.form for a in self.loaded if isinstance(a, ReturnRequest)))


@pytest.fixture
def national() -> Intake:
    """Thirty contracts, ten at each level, recorded in March 2025 and run to the end of May."""
    app = started()
    for level in (1, 2, 3):
        for n in range(10):
            award(app, f"L{level}-{n:02d}", level)
    app.tick(date(2025, 5, 31), "corr-may")
    return app


def test_a_day_with_nothing_issued_or_due_loads_no_contract_and_no_request(national):
    loads = Loads(national)

    assert loads.tick(date(2025, 6, 1)) == ([], [])
    assert loads.tick(date(2025, 7, 31)) == ([], [])


def test_the_day_a_round_goes_out_loads_only_the_contracts_owing_it(national):
    loads = Loads(national)

    contracts, requests = loads.tick(date(2025, 8, 1))  # LEVEL 1's April-July CMR goes out

    assert contracts == [f"L1-{n:02d}" for n in range(10)]
    assert requests == []
    assert len([r for r in national._requests() if r.issue_on == date(2025, 8, 1)]) == 10


def test_the_day_after_a_due_date_loads_only_the_requests_falling_overdue(national):
    loads = Loads(national)
    loads.tick(date(2025, 8, 1))
    for n in range(3):  # three providers answer in time
        national.submit_return(f"L1-{n:02d}", Submission("cmr-level-1", None, example(
            "cmr-level-1", date(2025, 4, 1), date(2025, 7, 31)), "manager"), f"k{n}", "corr")

    contracts, requests = loads.tick(date(2025, 8, 16))

    assert (contracts, requests) == ([], ["cmr-level-1"] * 7)
    assert loads.tick(date(2025, 8, 17)) == ([], [])  # overdue once


def test_a_contract_changed_since_the_last_run_is_the_only_one_read_again(national):
    national.change_contract("L3-04", "vary_value", annual_value=Decimal("150000"),
                             by="officer", correlation_id="corr-vary")  # now LEVEL 1
    national.change_contract("L2-07", "change_contract_manager", contract_manager="Bo",
                             by="officer", correlation_id="corr-manager")  # same schedule
    loads = Loads(national)

    # At LEVEL 1 it owes December-March's CMR, due 15 April: asked for and overdue at once,
    # as when every contract was walked.
    assert loads.tick(date(2025, 6, 2)) == (["L3-04"], ["cmr-level-1"])
    assert loads.tick(date(2025, 6, 3)) == ([], [])


def test_a_contract_recorded_after_a_run_is_asked_at_the_next_for_what_is_already_out(national):
    national.tick(date(2025, 8, 2), "corr")
    award(national, "LATE-1", level=1)  # recorded on 2 August: April-July is due 15 August
    loads = Loads(national)

    assert loads.tick(date(2025, 8, 3)) == (["LATE-1"], [])
    [request] = national.requests_for("LATE-1")
    assert (request.period_end, request.due_on) == (date(2025, 7, 31), date(2025, 8, 15))


def test_a_clock_that_cannot_vouch_for_the_last_run_has_every_contract_read(national):
    view = national.views.get(DueDates)
    calendar = national._placing
    clock = national.repository.get(Clock.create_id())
    last = LastRun.of(clock)
    assert last is not None and last.today == date(2025, 5, 31)
    everyone = contracts_to_check(view, None, date(2025, 6, 1), calendar)

    assert len(everyone) == 30
    assert contracts_to_check(view, last, date(2025, 6, 1), calendar) == []
    other = Calendar(calendar.config, calendar.is_working_day, "another calendar")
    assert contracts_to_check(view, last, date(2025, 6, 1), other) == everyone
    assert LastRun.of(Clock(today=date(2025, 5, 31))) is None  # stored before runs said


def test_a_round_day_commits_its_requests_together_not_one_contract_at_a_time(national):
    commits: list[int] = []
    national.on_recorded(lambda: commits.append(1))
    national.views.catch_up()

    # The clock moved, ten LEVEL 1 contracts asked for April-July's CMR, the run recorded.
    assert national.tick(date(2025, 8, 1), "corr") == TickResult(date(2025, 8, 1), 10, 0)
    assert len(commits) == 3
    commits.clear()
    assert national.tick(date(2025, 8, 16), "corr") == TickResult(date(2025, 8, 16), 0, 10)
    assert len(commits) == 3  # the ten marked overdue in one


def test_a_run_larger_than_a_commit_commits_as_many_as_it_needs(national):
    national.requests_per_commit = 4
    commits: list[int] = []
    national.on_recorded(lambda: commits.append(1))

    assert national.tick(date(2025, 8, 1), "corr") == TickResult(date(2025, 8, 1), 10, 0)
    assert len(commits) == 2 + 3  # the clock twice; 4, 4 and 2 requests
    assert len([r for r in national._requests() if r.issue_on == date(2025, 8, 1)]) == 10


def test_a_round_day_looks_up_in_the_store_only_the_requests_it_makes(national):
    # What each contract was asked for already comes from the due-date view in one query; only
    # a request the view does not hold is looked for in the store (a concurrent run may have
    # made it since), and the store has the last word.
    looked_up: list[uuid.UUID] = []
    original = national.exists

    def exists(aggregate_id: uuid.UUID) -> bool:
        looked_up.append(aggregate_id)
        return original(aggregate_id)

    national.exists = exists  # type: ignore[method-assign]
    national.views.catch_up()

    national.tick(date(2025, 8, 1), "corr")

    made = [r.id for r in national._requests() if r.issue_on == date(2025, 8, 1)]
    assert sorted(looked_up) == sorted(made) and len(made) == 10


def test_a_return_sent_while_the_run_marks_its_batch_overdue_does_not_fail_the_run(national):
    national.tick(date(2025, 8, 1), "corr")
    national.views.catch_up()
    waiting = sorted(national.requests_for("L1-00") + national.requests_for("L1-01"),
                     key=lambda r: r.due_on)[-2:]  # April-July's, due 15 August
    first, second = (r.id for r in waiting)
    original = national.repository.get

    def sent_meanwhile(aggregate_id: uuid.UUID, **kwargs: Any) -> Any:
        if aggregate_id == second and kwargs:  # the run loads the second after the first
            del national.repository.get
            national.submit_return("L1-00", Submission("cmr-level-1", None, example(
                "cmr-level-1", date(2025, 4, 1), date(2025, 7, 31)), "manager"), "k", "corr")
        return original(aggregate_id, **kwargs)

    national.repository.get = sent_meanwhile  # type: ignore[method-assign]

    # The provider's return for L1-00 came in after the run had marked it overdue in memory:
    # its batch clashes, and is worked out again one request at a time.
    assert national.tick(date(2025, 8, 16), "corr") == TickResult(date(2025, 8, 16), 0, 9)
    received = national.repository.get(first)
    assert received.submitted_on == date(2025, 8, 16) and received.overdue_since is None
    assert national.repository.get(Clock.create_id()).ran_to == date(2025, 8, 16)


def test_a_return_sent_early_while_its_request_waits_to_be_saved_fulfils_it(national):
    # L1-03's provider sends April-July's CMR just as the run asks for it: after the run
    # looked for returns sent early, before the request was saved. The submission found no
    # request to fulfil; the run, once its batch is saved, does.
    original = national._returns_to_ask_for

    def sent_meanwhile(contract: Contract, *args: Any) -> list[ReturnRequest]:
        made = original(contract, *args)
        if contract.reference == "L1-03":
            national.submit_return("L1-03", Submission("cmr-level-1", None, example(
                "cmr-level-1", date(2025, 4, 1), date(2025, 7, 31)), "manager"), "k", "corr")
        return made

    national._returns_to_ask_for = sent_meanwhile  # type: ignore[method-assign]
    assert national.tick(date(2025, 8, 1), "corr") == TickResult(date(2025, 8, 1), 10, 0)
    del national._returns_to_ask_for

    [request] = [r for r in national._requests() if r.contract_reference == "L1-03"
                 and r.issue_on == date(2025, 8, 1)] or [None]
    assert request is None  # not waiting: received
    [received] = [r for r in national.requests_for("L1-03") if r.issue_on == date(2025, 8, 1)]
    assert received.submitted_on == date(2025, 8, 1)
    assert national.tick(date(2025, 8, 16), "corr").overdue == 9


# The view is what a replay gives -----------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=5, max_size=25))
def test_the_view_is_what_a_replay_of_the_store_gives(history):
    world = History()
    for action, *args in history:
        getattr(world, action)(*args)
        world.viewed.views.catch_up()  # incremental: a page or less at a time
    app = world.viewed
    follower = app.views.followers[DueDates]
    caught_up = follower.view.dump()

    follower.rebuild()

    assert follower.view.dump() == caught_up
    assert caught_up == from_aggregates(app)


def from_aggregates(app: Intake) -> dict[str, list[tuple[Any, ...]]]:
    """The view's rows as the aggregates and the positions of their events say they are."""
    first: dict[str, int] = {}
    changed: dict[str, int] = {}
    for notification in app.recorder.select_notifications(1, 1_000_000):
        event = app.mapper.to_domain_event(notification)
        key = str(event.originator_id)
        if isinstance(event, Contract.Awarded | ReturnRequest.Requested):
            first[key] = notification.id
        if isinstance(event, Contract.Awarded | Contract.LevelChanged | Contract.Ended):
            changed[key] = notification.id
    # Every contract and request, replayed from the store (not read from any view).
    aggregates = [app.repository.get(UUID(key)) for key in first]
    contracts = [(str(c.id), c.reference, c.level, int(c.kpi_returns), c.start_date.isoformat(),
                  c.end_date.isoformat() if c.end_date else None, c.awarded_on.isoformat(),
                  first[str(c.id)], changed[str(c.id)])
                 for c in aggregates if isinstance(c, Contract)]
    requests = [(str(r.id), r.contract_reference,
                 None if r.submitted_on or r.overdue_since else r.due_on.isoformat(),
                 first[str(r.id)]) for r in aggregates if isinstance(r, ReturnRequest)]
    return {"contracts": sorted(contracts), "requests": sorted(requests)}


def test_the_tick_bench_runs_and_both_runs_do_the_same():
    # bench/tick.py at a tiny size, so a change that breaks it fails here.
    found = dict(measure(contracts=12, store="memory", walk=True))

    for day in ("LEVEL 1 round out (1 August)", "quiet day (5 August)",
                "LEVEL 1 round overdue (16 August)"):
        viewed, walked = found[f"view: {day}"], found[f"walk: {day}"]
        assert (viewed["requested"], viewed["overdue"]) == (walked["requested"],
                                                            walked["overdue"])
    assert found["view: LEVEL 1 round out (1 August)"]["loads"] == {"Clock": 1, "Contract": 4}
    assert found["view: quiet day (5 August)"]["loads"] == {"Clock": 1}
