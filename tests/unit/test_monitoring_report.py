"""A monitoring report's right of reply (§9): 10 working days from issue, the nation's bank
holidays honoured; a late reply refused saying when the window closed; finalised read-only."""

from __future__ import annotations

from datetime import date

import pytest

from services.escalation.domain.monitoring_report import (
    REPLY_WORKING_DAYS,
    MonitoringReport,
    ReplyWindowClosed,
    ReportFinalised,
    ReportStatus,
    draft_report,
)
from shared.domain import InvalidInput, Refused
from shared.working_days import Nation, WorkingDays

pytestmark = pytest.mark.unit

SCOTLAND = WorkingDays(Nation.SCOTLAND)
ENGLAND = WorkingDays(Nation.ENGLAND_AND_WALES)
ACTION = {"action": "Update the ASP training matrix", "date_required": date(2026, 12, 18)}


def drafted(activity_on: date = date(2026, 11, 16), actions: list | None = None,
            today: date = date(2026, 11, 23)) -> MonitoringReport:
    return draft_report("oakwood", "meeting notes", activity_on, "Staffing is stable.",
                        [ACTION] if actions is None else actions, today, "Jo Officer", "c")


def issued(on: date, calendar: WorkingDays = SCOTLAND, **kwargs) -> MonitoringReport:
    report = drafted(**kwargs)
    report.issue(on, "Jo Officer", calendar, "c")
    return report


def test_the_provider_has_ten_working_days_to_reply():
    assert REPLY_WORKING_DAYS == 10
    # Monday 2 November; no holidays in the fortnight after.
    report = issued(date(2026, 11, 2), activity_on=date(2026, 10, 30), today=date(2026, 11, 2))

    assert report.status is ReportStatus.ISSUED
    assert report.reply_by == date(2026, 11, 16)
    assert report.working_days_left(date(2026, 11, 2), SCOTLAND) == 10
    assert report.working_days_left(date(2026, 11, 16), SCOTLAND) == 0
    assert report.window_open(date(2026, 11, 16))
    assert not report.window_open(date(2026, 11, 17))


def test_st_andrews_day_is_not_a_working_day_in_scotland_but_is_in_england():
    assert issued(date(2026, 11, 23), SCOTLAND).reply_by == date(2026, 12, 8)
    assert issued(date(2026, 11, 23), ENGLAND).reply_by == date(2026, 12, 7)


def test_the_window_runs_over_christmas_and_new_year_on_each_nations_holidays():
    # Scotland keeps 28 December (Boxing Day substitute) and 4 January (2 January's).
    scotland = issued(date(2026, 12, 18), SCOTLAND, activity_on=date(2026, 12, 14),
                      today=date(2026, 12, 18))
    england = issued(date(2026, 12, 18), ENGLAND, activity_on=date(2026, 12, 14),
                     today=date(2026, 12, 18))

    assert scotland.reply_by == date(2027, 1, 7)
    assert england.reply_by == date(2027, 1, 6)
    assert scotland.working_days_left(date(2026, 12, 24), SCOTLAND) == 6


def test_a_reply_within_the_window_is_recorded_with_who_and_when():
    report = issued(date(2026, 11, 23))
    report.reply_to("  We agree, but the rota changed on 1 December.  ", date(2026, 12, 8),
                    "Registered manager", "c")

    assert report.reply == "We agree, but the rota changed on 1 December."
    assert (report.replied_on, report.replied_by) == (date(2026, 12, 8), "Registered manager")
    assert not report.window_open(date(2026, 12, 8))


def test_a_reply_after_the_window_is_refused_saying_when_it_closed():
    report = issued(date(2026, 11, 23))

    with pytest.raises(ReplyWindowClosed) as refused:
        report.reply_to("Too late?", date(2026, 12, 9), "Registered manager", "c")

    assert "closed at the end of 8 December 2026" in refused.value.message
    assert report.reply is None


def test_a_report_takes_one_reply():
    report = issued(date(2026, 11, 23))
    report.reply_to("First thoughts", date(2026, 11, 24), "Registered manager", "c")

    with pytest.raises(Refused, match="already replied on 24 November 2026"):
        report.reply_to("Second thoughts", date(2026, 11, 25), "Registered manager", "c")


def test_an_empty_or_overlong_reply_is_refused_naming_the_field():
    report = issued(date(2026, 11, 23))

    for text, message in (("   ", "enter your reply"), ("x" * 5001, "5,000 characters")):
        with pytest.raises(InvalidInput, match=message) as invalid:
            report.reply_to(text, date(2026, 11, 24), "Registered manager", "c")
        assert invalid.value.field == "text"


def test_a_draft_cannot_be_replied_to_before_it_is_issued():
    with pytest.raises(Refused, match="not been issued"):
        drafted().reply_to("Hello", date(2026, 11, 24), "Registered manager", "c")


def test_finalising_waits_for_the_reply_or_the_end_of_the_window():
    report = issued(date(2026, 11, 23))

    with pytest.raises(Refused, match="may reply until the end of 8 December 2026"):
        report.finalise(date(2026, 12, 8), "Jo Officer", "c")
    report.finalise(date(2026, 12, 9), "Jo Officer", "c")

    assert report.status is ReportStatus.FINALISED
    assert report.finalised_by == "Jo Officer"


def test_a_report_replied_to_may_be_finalised_at_once_and_is_then_read_only():
    report = issued(date(2026, 11, 23))
    report.reply_to("Agreed", date(2026, 11, 24), "Registered manager", "c")
    report.finalise(date(2026, 11, 24), "Jo Officer", "c")

    with pytest.raises(ReportFinalised, match="finalised on 24 November 2026"):
        report.issue(date(2026, 11, 25), "Jo Officer", SCOTLAND, "c")
    with pytest.raises(ReportFinalised):
        report.finalise(date(2026, 11, 25), "Jo Officer", "c")
    assert [type(e).__name__ for e in report.collect_events()] == [
        "Drafted", "Issued", "Replied", "Finalised"]


def test_a_record_sent_more_than_four_weeks_after_the_activity_is_issued_but_flagged_late():
    on_time = issued(date(2026, 11, 23), activity_on=date(2026, 10, 26))
    late = issued(date(2026, 11, 23), activity_on=date(2026, 10, 25))

    assert (on_time.record_due, on_time.late) == (date(2026, 11, 23), False)
    assert (late.record_due, late.late) == (date(2026, 11, 22), True)
    assert late.status is ReportStatus.ISSUED


def test_a_report_is_issued_once_and_not_before_its_activity():
    report = drafted()
    with pytest.raises(InvalidInput, match="before the activity"):
        report.issue(date(2026, 11, 15), "Jo Officer", SCOTLAND, "c")
    report.issue(date(2026, 11, 23), "Jo Officer", SCOTLAND, "c")
    with pytest.raises(Refused, match="already issued on 23 November 2026"):
        report.issue(date(2026, 11, 24), "Jo Officer", SCOTLAND, "c")


def test_a_draft_names_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as invalid:
        draft_report("oakwood", "postcard", date(2026, 11, 30), " ",
                     [{"action": "", "date_required": date(2026, 11, 1)}],
                     date(2026, 11, 23), "Jo Officer", "c")

    assert [field for field, _ in invalid.value.problems] == [
        "kind", "activity_on", "findings", "actions.0.action", "actions.0.date_required"]


def test_agreed_actions_carry_their_date_required():
    report = drafted(actions=[ACTION, {"action": " Six-monthly reviews ",
                                       "date_required": date(2027, 1, 29)}])

    assert [(a.action, a.date_required) for a in report.actions] == [
        ("Update the ASP training matrix", date(2026, 12, 18)),
        ("Six-monthly reviews", date(2027, 1, 29))]
