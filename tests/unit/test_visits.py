"""Care at home visits from electronic call monitoring, read as monthly figures per contract.

000 lists "missed visits, punctuality, and cancellation of visits at short notice or no notice"
among the poor-performance triggers (domain-rules.md §6). The thresholds (late after 30
minutes, short notice under 24 hours) are our documented defaults, configurable per council.

The expected figures for tests/fixtures/call_monitoring.csv were worked out by hand, visit by
visit, in the comments of test_the_monthly_figures_of_the_sample_export.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.intake.adapters.call_monitoring import import_visits, parse_visits
from services.intake.adapters.care_inspectorate import RowError
from services.intake.domain.visits import (
    LATE_AFTER_MINUTES,
    SHORT_NOTICE_HOURS,
    MonthlyVisitFigures,
    Visit,
    VisitStatus,
    monthly_figures,
)
from shared.domain import InvalidInput

pytestmark = pytest.mark.unit

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "call_monitoring.csv"
START = datetime(2025, 6, 10, 9, 0, tzinfo=UTC)


def visit(
    visit_id: str = "V1",
    status: str = "completed",
    late_by: timedelta | None = timedelta(0),
    notice: timedelta | None = None,
    cancelled_by: str | None = None,
    planned_start: datetime = START,
    contract: str = "HC-1",
) -> Visit:
    """A 30-minute visit; `late_by` is how late it started, `notice` how early it was cancelled."""
    completed = status == "completed"
    return Visit(
        contract_reference=contract,
        visit_id=visit_id,
        planned_start=planned_start,
        planned_end=planned_start + timedelta(minutes=30),
        status=VisitStatus(status),
        actual_start=planned_start + late_by if completed and late_by is not None else None,
        cancelled_at=planned_start - notice if notice is not None else None,
        cancelled_by=cancelled_by,
    )


def only(figures: list[MonthlyVisitFigures]) -> MonthlyVisitFigures:
    assert len(figures) == 1
    return figures[0]


# The sample export: two contracts, April and May 2025.


def test_the_monthly_figures_of_the_sample_export():
    result = import_visits(SAMPLE)

    figures = monthly_figures(result.records)

    assert figures == [
        # HC-2025-014, April: V1001 on time (5 min), V1002 late (45 min), V1003 on time (exactly
        # 30 min), V1007 late (31 min, day-first times); V1004 missed; V1005 cancelled 46 hours
        # ahead (not short notice), V1006 cancelled 5 hours ahead (short notice).
        # 7 planned, 4 delivered, 1 missed (1/7 = 14.29%), 2 late (2/4 on time = 50%).
        MonthlyVisitFigures("HC-2025-014", date(2025, 4, 1), planned=7, delivered=4, missed=1,
                            late=2, short_notice_cancellations=1,
                            missed_percent=Decimal("14.29"), punctuality_percent=Decimal("50.00")),
        # HC-2025-014, May: V1101 at 00:30 on 1 May (23:30 UTC on 30 April) is a May visit, on
        # time; V1102 on time (times in UTC); V1103 cancelled 10 minutes after its start (no
        # notice: counts); V1104 cancelled exactly 24 hours ahead (not "less than 24 hours").
        MonthlyVisitFigures("HC-2025-014", date(2025, 5, 1), planned=4, delivered=2, missed=0,
                            late=0, short_notice_cancellations=1,
                            missed_percent=Decimal("0.00"), punctuality_percent=Decimal("100.00")),
        # HC-2025-027, April: V2001 on time; V2002 and V2003 missed; V2004 cancelled by the
        # service user 3 hours ahead. 2/4 missed = 50%.
        MonthlyVisitFigures("HC-2025-027", date(2025, 4, 1), planned=4, delivered=1, missed=2,
                            late=0, short_notice_cancellations=1,
                            missed_percent=Decimal("50.00"), punctuality_percent=Decimal("100.00")),
        # HC-2025-027, May: V2101 late (75 min), V2102 on time (20 min), V2103 late (40 min);
        # 1 of 3 on time = 33.33%. Rows 20, 21 and 23 (V2104-V2106) are errors, not visits.
        MonthlyVisitFigures("HC-2025-027", date(2025, 5, 1), planned=3, delivered=3, missed=0,
                            late=2, short_notice_cancellations=0,
                            missed_percent=Decimal("0.00"), punctuality_percent=Decimal("33.33")),
    ]


def test_a_bad_row_is_reported_with_its_row_and_column_and_the_good_rows_still_count():
    result = import_visits(SAMPLE)

    assert len(result.records) == 18
    assert result.errors == [
        RowError(20, "status", "'delivered' is not a visit status (completed, missed, cancelled)"),
        RowError(21, "planned_start",
                 "planned_start '2025-13-01 09:00' is not a date and time like 01/04/2025 08:00"),
        RowError(22, "visit_id", "visit V1002 repeats row 3"),
        RowError(23, "actual_start", "a completed visit needs its actual start"),
    ]


def test_times_without_an_offset_are_uk_local_time():
    # ECM systems show coordinators local time; 08:00 on 1 April 2025 is BST, 07:00 UTC.
    result = import_visits(SAMPLE)

    first = next(v for v in result.records if v.visit_id == "V1001")

    assert first.planned_start == datetime(2025, 4, 1, 7, 0, tzinfo=UTC)


def test_columns_are_found_by_name_in_any_order():
    text = (
        "status,extra,planned_end,visit_id,planned_start,contract_reference,actual_start\n"
        "completed,x,2025-01-06 09:30,V9,2025-01-06 09:00,HC-9,2025-01-06 09:45\n"
    )

    result = parse_visits(text)

    assert result.errors == []
    assert only(monthly_figures(result.records)).late == 1
    # GMT in January: local time is UTC.
    assert result.records[0].planned_start == datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_a_row_with_a_blank_planned_start_is_reported_and_the_next_row_still_counts():
    result = parse_visits(
        "contract_reference,visit_id,planned_start,planned_end,status\n"
        "HC-9,V1,,2025-01-06 09:30,missed\n"
        "HC-9,V2,2025-01-06 12:00,2025-01-06 12:30,missed\n"
    )

    assert [v.visit_id for v in result.records] == ["V2"]
    assert result.errors == [RowError(2, "planned_start", "a visit needs its planned start")]


def test_an_export_without_a_required_column_is_reported_on_the_header_row():
    result = parse_visits("visit_id,planned_start,planned_end,status\nV1,2025-01-06 09:00,,x\n")

    assert result.records == []
    assert result.errors == [RowError(1, "contract_reference",
                                      "the header has no contract_reference column")]


# Punctuality: late means more than LATE_AFTER_MINUTES (30) after the planned start.


def test_a_visit_starting_more_than_30_minutes_late_is_late():
    figures = only(monthly_figures([visit("V1", late_by=timedelta(minutes=31))]))

    assert figures.late == 1
    assert figures.punctuality_percent == Decimal("0.00")


def test_a_visit_starting_exactly_30_minutes_after_its_planned_start_is_on_time():
    figures = only(monthly_figures([visit("V1", late_by=timedelta(minutes=30))]))

    assert figures.late == 0
    assert figures.punctuality_percent == Decimal("100.00")


def test_a_council_may_set_its_own_lateness_threshold():
    visits = [visit("V1", late_by=timedelta(minutes=20)), visit("V2", late_by=timedelta(0))]

    assert only(monthly_figures(visits)).late == 0
    assert only(monthly_figures(visits, late_after_minutes=15)).late == 1
    assert LATE_AFTER_MINUTES == 30


def test_punctuality_is_not_given_for_a_month_with_no_delivered_visits():
    figures = only(monthly_figures([visit("V1", "missed", late_by=None)]))

    assert figures.missed == 1
    assert figures.missed_percent == Decimal("100.00")
    assert figures.punctuality_percent is None


# Short notice: cancelled less than SHORT_NOTICE_HOURS (24) before the planned start.


def test_a_cancellation_with_less_than_24_hours_notice_is_short_notice():
    figures = only(monthly_figures([visit("V1", "cancelled", notice=timedelta(hours=23))]))

    assert figures.short_notice_cancellations == 1


def test_a_cancellation_with_24_hours_notice_or_more_is_not_short_notice():
    visits = [visit("V1", "cancelled", notice=timedelta(hours=24)),
              visit("V2", "cancelled", notice=timedelta(days=3))]

    assert only(monthly_figures(visits)).short_notice_cancellations == 0


def test_a_cancellation_after_the_planned_start_is_no_notice_and_counts():
    figures = only(monthly_figures([visit("V1", "cancelled", notice=-timedelta(minutes=10))]))

    assert figures.short_notice_cancellations == 1


def test_a_council_may_set_its_own_short_notice_period():
    visits = [visit("V1", "cancelled", notice=timedelta(hours=36))]

    assert only(monthly_figures(visits)).short_notice_cancellations == 0
    assert only(monthly_figures(visits, short_notice_hours=48)).short_notice_cancellations == 1
    assert SHORT_NOTICE_HOURS == 24


def test_a_council_may_leave_out_cancellations_made_by_the_person_receiving_care():
    visits = [visit("V1", "cancelled", notice=timedelta(hours=2), cancelled_by="Service user"),
              visit("V2", "cancelled", notice=timedelta(hours=2), cancelled_by="provider")]

    assert only(monthly_figures(visits)).short_notice_cancellations == 2
    assert only(monthly_figures(
        visits, excluded_cancellers={"service user"})).short_notice_cancellations == 1


# Months and contracts.


def test_visits_are_counted_in_the_uk_month_of_their_planned_start():
    # 23:30 UTC on 31 March 2025 is 00:30 on 1 April in the UK (BST began on 30 March).
    late_evening = datetime(2025, 3, 31, 23, 30, tzinfo=UTC)
    winter_midnight = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)  # GMT: still January

    figures = monthly_figures([visit("V1", planned_start=late_evening),
                               visit("V2", planned_start=winter_midnight)])

    assert [f.month for f in figures] == [date(2025, 1, 1), date(2025, 4, 1)]


def test_each_contract_gets_its_own_figures():
    figures = monthly_figures([visit("V1", contract="HC-2"), visit("V1", contract="HC-1")])

    assert [f.contract_reference for f in figures] == ["HC-1", "HC-2"]


# What a visit must say.


def test_a_visit_time_without_a_time_zone_is_refused():
    with pytest.raises(InvalidInput) as refused:
        visit(planned_start=datetime(2025, 6, 10, 9, 0))

    assert refused.value.field == "planned_start"


def test_a_completed_visit_needs_its_actual_start():
    with pytest.raises(InvalidInput) as refused:
        visit(late_by=None)

    assert refused.value.field == "actual_start"


def test_a_cancelled_visit_needs_the_time_it_was_cancelled():
    with pytest.raises(InvalidInput) as refused:
        visit(status="cancelled")

    assert refused.value.field == "cancelled_at"


def test_a_visit_cannot_end_before_it_starts():
    with pytest.raises(InvalidInput) as refused:
        Visit("HC-1", "V1", START, START - timedelta(minutes=1), VisitStatus.MISSED)

    assert refused.value.field == "planned_end"


def test_an_unknown_visit_status_is_refused():
    with pytest.raises(InvalidInput) as refused:
        Visit("HC-1", "V1", START, START, "delivered")  # type: ignore[arg-type]

    assert refused.value.field == "status"


def test_negative_thresholds_are_refused():
    with pytest.raises(InvalidInput) as refused:
        monthly_figures([], late_after_minutes=-1)

    assert refused.value.field == "late_after_minutes"
