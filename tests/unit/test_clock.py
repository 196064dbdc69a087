"""The council's clock as rules: the sane range, the training clock's step, a real clock that
nobody moves, and a stored date out of range that is never believed (shared/clock.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.intake.application import Award, Intake
from services.intake.domain.clock import Clock
from services.intake.entrypoints.scheduler import run_to_today
from shared.clock import ClockMode, Today, parse, uk_today
from shared.domain import InvalidInput, Refused
from shared.settings import AssureSettings

pytestmark = pytest.mark.unit


def training(start: date | None = None) -> Intake:
    env = {"ASSURE_CLOCK": "training", "ASSURE_CLOCK_START": start.isoformat() if start else ""}
    return Intake(env=env)


def test_a_clock_refuses_a_date_no_one_could_mean_and_stays_where_it_was():
    clock = Clock(today=date(2026, 9, 7))
    for to in (date(9999, 12, 31), date(1999, 12, 31)):
        with pytest.raises(InvalidInput) as refused:
            clock.advance(to)
        assert refused.value.field == "to"
    assert clock.today == date(2026, 9, 7)


def test_a_training_clock_moves_a_year_at_most_and_never_back():
    app = training()
    app.move_clock(date(2026, 9, 7), "corr")
    with pytest.raises(InvalidInput, match="at most 366 days"):
        app.move_clock(date(2027, 9, 9), "corr")
    with pytest.raises(InvalidInput, match="cannot go back"):
        app.move_clock(date(2026, 9, 6), "corr")
    assert app.move_clock(date(2027, 9, 8), "corr").today == date(2027, 9, 8)


def test_a_clock_that_follows_the_real_date_is_moved_by_nobody():
    app = Intake(env={"ASSURE_CLOCK": "real"})
    with pytest.raises(Refused, match="follows the real date"):
        app.move_clock(date(2035, 1, 1), "corr")
    assert not app.exists_clock()
    assert app.today() == uk_today()


def test_a_stored_clock_out_of_range_is_not_believed_and_a_sane_date_mends_it():
    app = training(start=date(2026, 9, 7))
    app.tick(date(2026, 9, 7), "corr")
    clock = app.repository.get(Clock.create_id())
    clock._advanced(today=date(9999, 12, 31))  # as an unchecked tick once saved it
    app.save(clock)
    app.register_provider("Oakwood Care", "oakwood", "coordinator", "corr")
    contract, _ = app.award_contract(Award(
        provider_id="oakwood", reference="OAK-1", service_type="care-home",
        annual_value=Decimal("250000"), regulator="care-inspectorate", regulator_service_id=None,
        start_date=date(2025, 4, 1), end_date=None, contract_manager="Ann Duncan",
        kpi_returns=False), "coordinator", "corr")

    assert app.today() == date(2026, 9, 7)
    assert app.next_owed(contract) is not None  # the provider's template answers
    assert app.tick(date(2026, 9, 14), "corr").today == date(2026, 9, 14)
    assert app.today() == date(2026, 9, 14)


def test_every_other_service_reads_the_real_date_or_the_training_clock():
    assert Today()() == uk_today()
    assert Today(ClockMode.TRAINING, date(2021, 8, 17))() == date(2021, 8, 17)
    assert Today(ClockMode.TRAINING)() == uk_today()  # not started yet
    assert Today(ClockMode.TRAINING, date(2021, 8, 17)).now().date() == date(2021, 8, 17)


def test_a_shared_date_out_of_range_or_garbled_is_ignored():
    assert parse(b"2021-08-17") == date(2021, 8, 17)
    assert parse(b"9999-12-31") is None
    assert parse(b"not a date") is None
    assert parse(None) is None


def test_a_training_clock_cannot_be_set_to_start_out_of_range():
    with pytest.raises(ValidationError, match="clock_start"):
        AssureSettings(clock="training", clock_start="9999-12-31")
    assert AssureSettings().clock is ClockMode.REAL


def test_the_daily_schedule_runs_a_real_clock_to_the_real_date_and_mends_one_out_of_range():
    app = Intake(env={"ASSURE_CLOCK": "real"})
    run_to_today(app)
    assert app.repository.get(Clock.create_id()).today == uk_today()
    clock = app.repository.get(Clock.create_id())
    clock._advanced(today=date(9999, 12, 31))  # as an unchecked tick once saved it
    app.save(clock)
    run_to_today(app)  # before, the schedule stopped for good: the clock was "ahead"
    assert app.repository.get(Clock.create_id()).today == uk_today()


def test_the_daily_schedule_leaves_a_clock_found_ahead_of_the_real_date_and_says_so(caplog):
    app = Intake(env={"ASSURE_CLOCK": "real"})
    ahead = uk_today() + timedelta(days=3000)
    app.tick(ahead, "an unchecked tick from before")
    run_to_today(app)
    assert app.repository.get(Clock.create_id()).today == ahead
    assert app.today() == uk_today()
    assert "ahead of the real date" in caplog.text


def test_assure_tick_moves_a_month_at_a_time() -> None:
    from assure.clock_client import steps

    assert steps(date(2026, 1, 15), date(2026, 4, 2)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 2)]
    assert steps(date(2026, 1, 15), date(2026, 1, 31)) == [date(2026, 1, 31)]
    assert steps(date(2024, 1, 31), date(2024, 3, 1)) == [
        date(2024, 2, 29), date(2024, 3, 1)]
