"""The poor-performance triggers of domain-rules.md §6, each a named rule with its defaults.

000 ("Managing Service/Provider Poor Performance") lists the triggers; 002 and 004 App. 3 add
"incidents up on the pre-period" and reading each return against the provider's earlier ones.
Where the documents give no number, the defaults are the project's documented choices; each test
states the boundary exactly, once on each side.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest

from services.risk.domain import rules
from services.risk.domain.rules import (
    DEFAULT_RULES,
    AbsenceFigures,
    AllegedBreachOfContractRaisesAConcern,
    ComplaintCounts,
    ComplaintHistory,
    GradeThreeOrBelowRaisesAConcern,
    HighStaffAbsenceRaisesAConcern,
    HighStaffTurnoverRaisesAConcern,
    IncidentFigures,
    IncidentsUpOnThePreviousReturnRaiseAConcern,
    InspectionFindings,
    MissedVisitsAboveLimitRaiseAConcern,
    NoLongerRegisteredRaisesAConcern,
    OverdueHistory,
    OverdueReturn,
    PunctualityBelowTargetRaisesAConcern,
    RedSectionRaisesAConcern,
    RepeatedOverdueReturnsRaiseAConcern,
    ReportedConcern,
    ReportedConcernRaisesAConcern,
    RequiresImprovementOrInadequateRaisesAConcern,
    ReturnScore,
    RisingComplaintsRaiseAConcern,
    Rule,
    ScoredReturnReading,
    ScoreHistory,
    SeriousIncidentsRaiseAConcern,
    ServiceBreakdownRaisesAConcern,
    ServiceClosure,
    ShortNoticeCancellationsAboveLimitRaiseAConcern,
    SignificantRiskBandRaisesAConcern,
    Trigger,
    TurnoverFigures,
    UpheldComplaintsRaiseAConcern,
    VisitMonth,
    WorseningTrendRaisesAConcern,
    dedup_key_for,
    rule_named,
    triggers_for,
)
from services.risk.domain.rules.shared import SHARED_RULES, IntelligenceFromAnotherCouncil
from services.risk.domain.rules.trigger import months_before
from shared.contracts.intake import Rating
from shared.contracts.risk import Band, Severity

pytestmark = pytest.mark.unit

MARCH = date(2026, 3, 1)


def fired(rule: Rule, reading: object) -> Trigger:
    trigger = rule.check(reading)
    assert trigger is not None, f"{rule.name} should have fired"
    return trigger


# Inspection: Care Inspectorate grade 3 or below (000), CQC requires improvement or inadequate.


def care_inspectorate(min_grade: int | None, event_id: str = "evt-ci-1",
                      **grades: str) -> InspectionFindings:
    return InspectionFindings(
        event_id=event_id, regulator="care-inspectorate", service_id="CS2010000202",
        graded_on=date(2024, 12, 2), grades=grades, min_grade=min_grade,
    )


def cqc(overall: str, event_id: str = "evt-cqc-1", **key_questions: str) -> InspectionFindings:
    return InspectionFindings(
        event_id=event_id, regulator="cqc", service_id="1-123456789",
        graded_on=date(2025, 4, 15), grades=key_questions, overall=overall,
    )


def test_a_care_inspectorate_grade_of_three_raises_a_moderate_concern():
    findings = care_inspectorate(3, support_wellbeing="3", staff_team="4", leadership="3")

    trigger = fired(GradeThreeOrBelowRaisesAConcern(), findings)

    assert trigger.rule == "inspection-grade-3-or-below"
    assert trigger.category == "inspection"
    assert trigger.severity is Severity.MODERATE
    assert trigger.safety_at_risk is False
    assert trigger.evidence == ("evt-ci-1",)
    assert trigger.summary == (
        "The Care Inspectorate's grades of 2 December 2024 for service CS2010000202 fall to 3 "
        "(adequate), at or below grade 3: leadership 3 and support wellbeing 3."
    )


def test_a_care_inspectorate_grade_of_four_raises_no_concern():
    findings = care_inspectorate(4, support_wellbeing="4", staff_team="5")

    assert GradeThreeOrBelowRaisesAConcern().check(findings) is None


def test_a_weak_grade_is_serious_and_an_unsatisfactory_one_puts_people_at_risk():
    weak = fired(GradeThreeOrBelowRaisesAConcern(), care_inspectorate(2, setting="2"))
    unsatisfactory = fired(GradeThreeOrBelowRaisesAConcern(), care_inspectorate(1, setting="1"))

    assert (weak.severity, weak.safety_at_risk) == (Severity.SERIOUS, False)
    assert (unsatisfactory.severity, unsatisfactory.safety_at_risk) == (Severity.SERIOUS, True)


def test_the_lowest_key_question_grade_is_read_when_the_minimum_is_not_given():
    findings = care_inspectorate(None, support_wellbeing="5", staff_team="3")

    assert "fall to 3 (adequate)" in fired(GradeThreeOrBelowRaisesAConcern(), findings).summary
    assert GradeThreeOrBelowRaisesAConcern().check(care_inspectorate(None)) is None


def test_a_minimum_grade_from_an_older_theme_still_fires_without_listing_a_key_question():
    findings = care_inspectorate(3, support_wellbeing="4", setting="5")

    assert fired(GradeThreeOrBelowRaisesAConcern(), findings).summary.endswith(
        "at or below grade 3.")


def test_a_council_may_set_the_grade_threshold_lower():
    rule = GradeThreeOrBelowRaisesAConcern(threshold=2)

    assert rule.check(care_inspectorate(3, setting="3")) is None
    assert rule.check(care_inspectorate(2, setting="2")) is not None


def test_each_inspection_rule_reads_only_its_own_regulator():
    assert GradeThreeOrBelowRaisesAConcern().check(cqc("inadequate")) is None
    assert RequiresImprovementOrInadequateRaisesAConcern().check(care_inspectorate(1)) is None


def test_a_cqc_rating_of_requires_improvement_raises_a_moderate_concern():
    findings = cqc("Requires improvement", safe="Good", well_led="Requires improvement")

    trigger = fired(RequiresImprovementOrInadequateRaisesAConcern(), findings)

    assert trigger.rule == "cqc-requires-improvement-or-inadequate"
    assert trigger.severity is Severity.MODERATE
    assert trigger.safety_at_risk is False
    assert trigger.summary == (
        "The CQC rated location 1-123456789 requires improvement overall and requires "
        "improvement for well-led, published on 15 April 2025."
    )


def test_a_cqc_rating_of_good_everywhere_raises_no_concern():
    findings = cqc("good", safe="good", effective="outstanding", caring="good")

    assert RequiresImprovementOrInadequateRaisesAConcern().check(findings) is None


def test_a_service_rated_inadequate_for_safe_is_a_serious_concern_for_peoples_safety():
    findings = cqc("requires improvement", safe="inadequate")

    trigger = fired(RequiresImprovementOrInadequateRaisesAConcern(), findings)

    assert (trigger.severity, trigger.safety_at_risk) == (Severity.SERIOUS, True)


def test_inadequate_for_caring_is_serious_but_not_in_itself_a_safety_concern():
    findings = cqc("good", caring="inadequate")

    trigger = fired(RequiresImprovementOrInadequateRaisesAConcern(), findings)

    assert (trigger.severity, trigger.safety_at_risk) == (Severity.SERIOUS, False)


# Visits: missed visits, punctuality, short-notice cancellations (000), monthly figures.


def visit_month(planned: int = 800, delivered: int = 790, missed: int = 0, late: int = 0,
                cancellations: int = 0, event_id: str = "evt-visits-1") -> VisitMonth:
    return VisitMonth(
        event_id=event_id, contract_reference="HC-1", month=MARCH, planned=planned,
        delivered=delivered, missed=missed, late=late, short_notice_cancellations=cancellations,
    )


def test_missed_visits_above_one_percent_of_planned_raise_a_concern_for_peoples_safety():
    trigger = fired(MissedVisitsAboveLimitRaiseAConcern(), visit_month(missed=9))  # 1.125%

    assert trigger.rule == "missed-visits"
    assert trigger.severity is Severity.MODERATE
    assert trigger.safety_at_risk is True
    assert trigger.summary == (
        "9 of 800 planned visits on contract HC-1 were missed in March 2026 (1.13%), above the "
        "limit of 1%."
    )


def test_missed_visits_of_exactly_one_percent_raise_no_concern():
    assert MissedVisitsAboveLimitRaiseAConcern().check(visit_month(missed=8)) is None


def test_missed_visits_above_five_percent_are_serious():
    rule = MissedVisitsAboveLimitRaiseAConcern()

    assert fired(rule, visit_month(missed=40)).severity is Severity.MODERATE  # 5%
    assert fired(rule, visit_month(missed=41)).severity is Severity.SERIOUS


def test_a_month_with_no_visits_planned_raises_no_missed_visits_concern():
    assert MissedVisitsAboveLimitRaiseAConcern().check(visit_month(0, 0)) is None


def test_punctuality_below_ninety_percent_raises_a_concern():
    trigger = fired(PunctualityBelowTargetRaisesAConcern(), visit_month(delivered=700, late=71))

    assert trigger.rule == "poor-punctuality"
    assert trigger.severity is Severity.MODERATE
    assert trigger.summary == (
        "Only 89.86% of the 700 visits delivered on contract HC-1 in March 2026 started on time "
        "(71 late), below the target of 90%."
    )


def test_punctuality_of_exactly_ninety_percent_raises_no_concern():
    assert PunctualityBelowTargetRaisesAConcern().check(visit_month(delivered=700, late=70)) is None


def test_a_month_with_no_visits_delivered_is_not_read_for_punctuality():
    assert PunctualityBelowTargetRaisesAConcern().check(visit_month(delivered=0)) is None


def test_more_than_five_short_notice_cancellations_in_a_month_raise_a_concern():
    trigger = fired(ShortNoticeCancellationsAboveLimitRaiseAConcern(), visit_month(cancellations=6))

    assert trigger.rule == "short-notice-cancellations"
    assert trigger.summary == (
        "6 visits on contract HC-1 were cancelled at short or no notice in March 2026, above the "
        "limit of 5 a month."
    )
    assert ShortNoticeCancellationsAboveLimitRaiseAConcern().check(
        visit_month(cancellations=5)) is None


def test_a_council_sets_its_own_visit_thresholds():
    figures = visit_month(delivered=700, missed=5, late=40, cancellations=3)  # 0.63%, 94.29%

    assert MissedVisitsAboveLimitRaiseAConcern(limit_percent=Decimal("0.5")).check(figures)
    assert PunctualityBelowTargetRaisesAConcern(minimum_percent=95).check(figures)
    assert ShortNoticeCancellationsAboveLimitRaiseAConcern(limit=2).check(figures)
    assert triggers_for(figures) == []


# Workforce: staff turnover (KPI6) and staff absence (LEVEL 1 staffing answers) (000).

YEAR = (date(2025, 4, 1), date(2026, 3, 31))  # 365 days


def turnover(leavers: int, start: int = 50, end: int = 50, period: tuple[date, date] = YEAR,
             return_id: str = "kpi-2025") -> TurnoverFigures:
    return TurnoverFigures(return_id, period[0], period[1], start, end, leavers)


def test_staff_turnover_above_thirty_percent_a_year_raises_a_concern():
    trigger = fired(HighStaffTurnoverRaisesAConcern(), turnover(16))

    assert trigger.rule == "staff-turnover"
    assert trigger.severity is Severity.MODERATE
    assert trigger.summary == (
        "Staff turnover from 1 April 2025 to 31 March 2026 was 32% a year (16 leavers from an "
        "average of 50 staff), above the limit of 30%."
    )


def test_staff_turnover_of_exactly_thirty_percent_raises_no_concern():
    assert HighStaffTurnoverRaisesAConcern().check(turnover(15)) is None


def test_a_quarters_turnover_is_scaled_to_a_year_before_it_is_judged():
    quarter = (date(2026, 4, 1), date(2026, 6, 30))  # 91 days

    high = fired(HighStaffTurnoverRaisesAConcern(), turnover(7, 91, 91, quarter))  # 30.85%

    assert "30.85% a year" in high.summary
    assert HighStaffTurnoverRaisesAConcern().check(turnover(6, 91, 91, quarter)) is None  # 26.4%


def test_a_service_with_no_staff_is_not_read_for_turnover():
    assert HighStaffTurnoverRaisesAConcern().check(turnover(0, 0, 0)) is None


def absence(on_leave: int, complement: int = 50, limiting: bool = False) -> AbsenceFigures:
    return AbsenceFigures("cmr-2026-07", date(2026, 7, 31), complement, on_leave, limiting)


def test_more_than_ten_percent_of_staff_on_long_term_leave_raises_a_concern():
    trigger = fired(HighStaffAbsenceRaisesAConcern(), absence(6))

    assert trigger.rule == "staff-absence"
    assert trigger.severity is Severity.MODERATE
    assert trigger.summary == (
        "6 of 50 staff (12%) were on long-term sick or maternity leave in the period to "
        "31 July 2026, above the limit of 10%."
    )
    assert HighStaffAbsenceRaisesAConcern().check(absence(5)) is None


def test_absence_with_shortages_limiting_the_service_is_serious():
    trigger = fired(HighStaffAbsenceRaisesAConcern(), absence(6, limiting=True))

    assert trigger.severity is Severity.SERIOUS
    assert trigger.summary.endswith("; the provider says shortages are limiting the service.")


# Incidents: serious incidents, and incidents up on the previous return (000, 002).


def incidents(count: int, serious: int = 0, previous: int | None = None,
              return_id: str = "cmr-2026-07", previous_id: str = "cmr-2026-03") -> IncidentFigures:
    before = (IncidentFigures(previous_id, date(2026, 3, 31), previous)
              if previous is not None else None)
    return IncidentFigures(return_id, date(2026, 7, 31), count, serious, before)


def test_a_single_serious_incident_raises_a_serious_concern_for_peoples_safety():
    trigger = fired(SeriousIncidentsRaiseAConcern(), incidents(3, serious=1))

    assert trigger.rule == "serious-incidents"
    assert (trigger.severity, trigger.safety_at_risk) == (Severity.SERIOUS, True)
    assert trigger.evidence == ("cmr-2026-07",)
    assert trigger.summary == (
        "1 serious incident was recorded in the return for the period to 31 July 2026."
    )


def test_a_return_with_no_serious_incidents_raises_no_such_concern():
    assert SeriousIncidentsRaiseAConcern().check(incidents(3, serious=0)) is None


def test_a_council_may_allow_some_serious_incidents_before_a_concern():
    rule = SeriousIncidentsRaiseAConcern(limit=2)

    assert rule.check(incidents(5, serious=2)) is None
    assert fired(rule, incidents(5, serious=3)).summary == (
        "3 serious incidents were recorded in the return for the period to 31 July 2026, above "
        "the limit of 2."
    )


def test_incidents_up_on_the_previous_return_raise_a_concern_resting_on_both_returns():
    trigger = fired(IncidentsUpOnThePreviousReturnRaiseAConcern(), incidents(3, previous=2))

    assert trigger.rule == "incidents-up"
    assert trigger.severity is Severity.MODERATE
    assert trigger.evidence == ("cmr-2026-03", "cmr-2026-07")
    assert trigger.summary == (
        "Incidents rose from 2 in the return for the period to 31 March 2026 to 3 in the return "
        "for the period to 31 July 2026."
    )


@pytest.mark.parametrize("now, before", [(2, 2), (1, 2)])
def test_incidents_level_with_or_below_the_previous_return_raise_no_concern(now, before):
    assert IncidentsUpOnThePreviousReturnRaiseAConcern().check(
        incidents(now, previous=before)) is None


def test_a_first_return_has_no_previous_return_to_be_up_on():
    assert IncidentsUpOnThePreviousReturnRaiseAConcern().check(incidents(9)) is None


def test_a_council_may_look_only_at_larger_rises_in_incidents():
    rule = IncidentsUpOnThePreviousReturnRaiseAConcern(rise_above=2)

    assert rule.check(incidents(4, previous=2)) is None
    assert rule.check(incidents(5, previous=2)) is not None


# Complaints: a rising pattern across consecutive returns, or too many upheld (000).


def complaints(*counts: tuple[int, int], ends: tuple[date, ...] | None = None,
               prefix: str = "kpi") -> ComplaintHistory:
    """Quarterly returns, oldest first: (received, upheld) each."""
    ends = ends or tuple(_quarter_end(i) for i in range(len(counts)))
    return ComplaintHistory(
        ComplaintCounts(f"{prefix}-{i + 1}", end, received, upheld)
        for i, ((received, upheld), end) in enumerate(zip(counts, ends, strict=True))
    )


def _quarter_end(index: int) -> date:
    return [date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31), date(2026, 3, 31),
            date(2026, 6, 30), date(2026, 9, 30)][index]


def test_complaints_rising_on_three_consecutive_returns_raise_a_concern():
    trigger = fired(RisingComplaintsRaiseAConcern(), complaints((1, 0), (3, 0), (6, 0)))

    assert trigger.rule == "complaints-rising"
    assert trigger.evidence == ("kpi-1", "kpi-2", "kpi-3")
    assert trigger.summary == (
        "Complaints rose return on return over the last three returns: 1 in the period to "
        "30 June 2025, 3 in the period to 30 September 2025 and 6 in the period to "
        "31 December 2025."
    )


@pytest.mark.parametrize("counts", [
    ((1, 0), (3, 0), (3, 0)),  # rising, then flat
    ((1, 0), (6, 0), (3, 0)),  # rising, then recovering
    ((6, 0), (3, 0), (1, 0)),  # falling
])
def test_complaints_that_do_not_rise_on_each_return_raise_no_concern(counts):
    assert RisingComplaintsRaiseAConcern().check(complaints(*counts)) is None


def test_two_returns_are_not_yet_a_pattern_of_complaints():
    assert RisingComplaintsRaiseAConcern().check(complaints((1, 0), (9, 0))) is None


def test_the_latest_return_is_read_against_the_two_before_it_whatever_came_earlier():
    history = complaints((9, 0), (1, 0), (3, 0), (6, 0))

    assert fired(RisingComplaintsRaiseAConcern(), history).evidence == ("kpi-2", "kpi-3", "kpi-4")


def test_returns_are_read_in_period_order_and_a_redelivered_return_counts_once():
    a, b, c = (ComplaintCounts(f"kpi-{i}", _quarter_end(i), n) for i, n in enumerate((1, 3, 6)))

    history = ComplaintHistory([c, a, b, c])

    assert history.returns == (a, b, c)
    assert RisingComplaintsRaiseAConcern().check(history) is not None


def test_three_complaints_upheld_within_twelve_months_raise_a_concern():
    history = complaints((2, 1), (3, 0), (4, 2))

    trigger = fired(UpheldComplaintsRaiseAConcern(), history)

    assert trigger.rule == "complaints-upheld"
    assert trigger.evidence == ("kpi-1", "kpi-3")  # only the returns with upheld complaints
    assert trigger.summary == (
        "3 complaints were upheld in the 12 months to 31 December 2025, across 2 returns, "
        "reaching the limit of 3."
    )


def test_two_complaints_upheld_within_twelve_months_raise_no_concern():
    assert UpheldComplaintsRaiseAConcern().check(complaints((2, 1), (3, 0), (4, 1))) is None


def test_a_return_ending_twelve_months_before_the_latest_falls_outside_the_window():
    counts = ((1, 1), (1, 1), (1, 1))
    outside = (date(2025, 6, 30), date(2025, 12, 31), date(2026, 6, 30))
    inside = (date(2025, 7, 1), date(2025, 12, 31), date(2026, 6, 30))

    assert UpheldComplaintsRaiseAConcern().check(complaints(*counts, ends=outside)) is None
    assert UpheldComplaintsRaiseAConcern().check(complaints(*counts, ends=inside)) is not None


def test_a_later_return_with_nothing_upheld_does_not_raise_the_same_concern_again():
    before = fired(UpheldComplaintsRaiseAConcern(), complaints((2, 1), (3, 0), (4, 2)))
    after = fired(UpheldComplaintsRaiseAConcern(), complaints((2, 1), (3, 0), (4, 2), (1, 0)))

    assert after.dedup_key == before.dedup_key


# Breakdown of service and alleged breach of contract (000), as the officer categorised them.


def report(category: str | None = None, source: str = "operational-staff",
           safety: bool = False, impact: Decimal | None = None, report_id: str = "rep-1",
           description: str = "Four packages handed back at a week's notice.") -> ReportedConcern:
    return ReportedConcern(
        report_id=report_id, source=source, description=description, safety_at_risk=safety,
        category=category, reported_on=date(2026, 3, 3), budget_impact=impact,
    )


def test_a_service_breakdown_with_a_significant_budget_impact_is_a_serious_concern():
    trigger = fired(ServiceBreakdownRaisesAConcern(),
                    report("service breakdown", impact=Decimal(10000)))

    assert trigger.rule == "service-breakdown"
    assert trigger.category == "service breakdown"
    assert trigger.severity is Severity.SERIOUS
    assert trigger.evidence == ("rep-1",)
    assert trigger.summary == (
        "Breakdown of service reported by operational staff on 3 March 2026, with an estimated "
        "budget impact of £10,000: Four packages handed back at a week's notice."
    )


def test_a_service_breakdown_just_under_ten_thousand_pounds_is_a_moderate_concern():
    trigger = fired(ServiceBreakdownRaisesAConcern(),
                    report("service breakdown", impact=Decimal("9999.99")))

    assert trigger.severity is Severity.MODERATE
    assert "£9,999.99" in trigger.summary


def test_a_service_breakdown_not_yet_costed_is_moderate_unless_people_are_at_risk():
    rule = ServiceBreakdownRaisesAConcern()

    not_costed = fired(rule, report("Service-Breakdown"))
    unsafe = fired(rule, report("service_breakdown", safety=True))

    assert not_costed.severity is Severity.MODERATE
    assert "with no estimate of its budget impact yet" in not_costed.summary
    assert (unsafe.severity, unsafe.safety_at_risk) == (Severity.SERIOUS, True)


def test_a_report_of_another_kind_is_no_service_breakdown_or_breach():
    assert ServiceBreakdownRaisesAConcern().check(report("staffing", impact=Decimal(50000))) is None
    assert AllegedBreachOfContractRaisesAConcern().check(report(None)) is None


def test_an_alleged_breach_of_the_contracts_terms_is_a_serious_concern():
    trigger = fired(AllegedBreachOfContractRaisesAConcern(),
                    report("alleged breach of contract", source="whistleblowing",
                           description="Staff paid below the contracted hourly rate"))

    assert trigger.rule == "alleged-breach"
    assert trigger.category == "breach of contract"
    assert trigger.severity is Severity.SERIOUS
    assert trigger.summary == (
        "Alleged breach of the contract's terms reported by a whistleblower on 3 March 2026: "
        "Staff paid below the contracted hourly rate."
    )


def test_a_council_may_treat_alleged_breaches_as_moderate_until_investigated():
    rule = AllegedBreachOfContractRaisesAConcern(severity="moderate")

    assert fired(rule, report("breach of contract")).severity is Severity.MODERATE


# Repeated overdue returns (004 App. 4 §9): three within twelve months by default.


def overdue(*due: date) -> OverdueHistory:
    return OverdueHistory(OverdueReturn(f"req-{d.isoformat()}", d) for d in due)


def test_three_returns_overdue_within_twelve_months_raise_a_concern():
    history = overdue(date(2025, 8, 15), date(2025, 12, 15), date(2026, 4, 15))

    trigger = fired(RepeatedOverdueReturnsRaiseAConcern(), history)

    assert trigger.rule == "repeated-overdue-returns"
    assert trigger.evidence == ("req-2025-08-15", "req-2025-12-15", "req-2026-04-15")
    assert trigger.summary == (
        "Three returns were overdue in the 12 months to 15 April 2026 (due 15 August 2025, "
        "15 December 2025 and 15 April 2026), reaching the limit of 3."
    )


def test_two_overdue_returns_in_twelve_months_raise_no_concern():
    assert RepeatedOverdueReturnsRaiseAConcern().check(
        overdue(date(2025, 12, 15), date(2026, 4, 15))) is None


def test_a_return_due_exactly_twelve_months_before_the_latest_is_outside_the_window():
    rule = RepeatedOverdueReturnsRaiseAConcern()

    assert rule.check(overdue(date(2025, 4, 15), date(2025, 8, 15), date(2026, 4, 15))) is None
    assert rule.check(overdue(date(2025, 4, 16), date(2025, 8, 15), date(2026, 4, 15)))


def test_an_overdue_notice_delivered_twice_counts_once():
    twice = OverdueHistory([OverdueReturn("req-1", date(2025, 8, 15)),
                            OverdueReturn("req-1", date(2025, 8, 15)),
                            OverdueReturn("req-2", date(2026, 4, 15))])

    assert RepeatedOverdueReturnsRaiseAConcern().check(twice) is None


def test_twelve_months_before_the_end_of_february_in_a_leap_year():
    assert months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)


# A worsening trend across three consecutive returns (000; 004 App. 3: prior returns reviewed).


def scores(*values: str, prefix: str = "cmr") -> ScoreHistory:
    ends = (date(2025, 4, 15), date(2025, 8, 15), date(2025, 12, 15), date(2026, 4, 15))
    return ScoreHistory(
        ReturnScore(f"{prefix}-{i + 1}", ends[i], Decimal(v)) for i, v in enumerate(values)
    )


def test_a_score_falling_on_each_of_three_consecutive_returns_raises_a_concern():
    assert fired(WorseningTrendRaisesAConcern(), scores("92", "85.5", "78")).summary == (
        "The risk score fell return on return over the last three returns, by 14 points in all: "
        "92% in the period to 15 April 2025, 85.5% in the period to 15 August 2025 and 78% in "
        "the period to 15 December 2025."
    )


def test_a_score_falling_over_three_returns_is_read_return_by_return():
    rule = WorseningTrendRaisesAConcern()

    first, second, third = scores("92"), scores("92", "85.5"), scores("92", "85.5", "78")

    assert rule.check(first) is None
    assert rule.check(second) is None
    trigger = fired(rule, third)
    assert trigger.rule == "worsening-trend"
    assert trigger.category == "worsening trend"
    assert trigger.severity is Severity.MODERATE
    assert trigger.evidence == ("cmr-1", "cmr-2", "cmr-3")


def test_a_flat_score_over_three_returns_raises_no_concern():
    assert WorseningTrendRaisesAConcern().check(scores("80", "80", "80")) is None


def test_a_recovering_score_over_three_returns_raises_no_concern():
    assert WorseningTrendRaisesAConcern().check(scores("80", "70", "78")) is None


def test_a_fall_then_a_flat_return_is_not_a_fall_on_each_return():
    assert WorseningTrendRaisesAConcern().check(scores("90", "85", "85")) is None


def test_a_fall_of_more_than_ten_points_across_three_returns_raises_a_concern():
    trigger = fired(WorseningTrendRaisesAConcern(), scores("90", "79.99", "79.99"))

    assert trigger.summary == (
        "The risk score fell by 10.01 points over the last three returns, more than the 10 "
        "points allowed: 90% in the period to 15 April 2025, 79.99% in the period to "
        "15 August 2025 and 79.99% in the period to 15 December 2025."
    )


def test_a_fall_of_exactly_ten_points_without_a_fall_on_each_return_raises_no_concern():
    assert WorseningTrendRaisesAConcern().check(scores("90", "80", "80")) is None


def test_a_part_recovery_still_well_below_where_it_was_three_returns_ago_raises_a_concern():
    assert WorseningTrendRaisesAConcern().check(scores("90", "60", "75")) is not None


def test_only_the_latest_three_returns_are_read_for_the_trend():
    rule = WorseningTrendRaisesAConcern()

    assert rule.check(scores("70", "95", "96", "97")) is None
    assert fired(rule, scores("99", "95", "94", "93")).evidence == ("cmr-2", "cmr-3", "cmr-4")


def test_a_council_may_read_the_trend_over_four_returns():
    rule = WorseningTrendRaisesAConcern(returns=4, drop_above=Decimal(20))

    assert rule.check(scores("92", "85", "78")) is None
    assert rule.check(scores("92", "85", "78", "77")) is not None


# Concerns reported by people (004 §9, §15), assessed into concerns.


@pytest.mark.parametrize("source, safety, severity", [
    ("operational-staff", True, Severity.SERIOUS),
    ("whistleblowing", False, Severity.SERIOUS),
    ("adult-support-and-protection", False, Severity.SERIOUS),
    ("complaint", False, Severity.MODERATE),
    ("operational-staff", False, Severity.MODERATE),
    ("lay-assessor", False, Severity.MODERATE),
])
def test_a_reported_concern_is_serious_when_safety_whistleblowing_or_asp(source, safety, severity):
    trigger = fired(ReportedConcernRaisesAConcern(), report(source=source, safety=safety))

    assert trigger.rule == "reported-concern"
    assert trigger.severity is severity
    assert trigger.safety_at_risk is safety


def test_a_family_complaint_is_a_moderate_complaint_concern_in_their_words():
    trigger = fired(ReportedConcernRaisesAConcern(), report(
        source="complaint", description="Mum's  tea-time visit was missed twice this week"))

    assert trigger.category == "complaint"
    assert trigger.evidence == ("rep-1",)
    assert trigger.summary == (
        "Concern reported by a complainant on 3 March 2026: Mum's tea-time visit was missed "
        "twice this week."
    )


def test_a_concern_for_peoples_safety_says_so_in_its_summary():
    trigger = fired(ReportedConcernRaisesAConcern(), report(
        source="adult-support-and-protection", safety=True, description="Unexplained bruising."))

    assert trigger.category == "adult support and protection"
    assert trigger.summary == (
        "Concern reported by the adult support and protection team on 3 March 2026: "
        "Unexplained bruising. People's safety may be at risk."
    )


def test_the_officers_category_names_the_concern():
    trigger = fired(ReportedConcernRaisesAConcern(), report("medication_errors"))

    assert trigger.category == "medication errors"


def test_a_long_description_is_cut_short_in_the_summary():
    trigger = fired(ReportedConcernRaisesAConcern(), report(description="word " * 200))

    assert len(trigger.summary) < 400
    assert trigger.summary.endswith("…")


@pytest.mark.parametrize("category, rule", [
    ("service breakdown", "service-breakdown"),
    ("alleged breach of contract", "alleged-breach"),
    ("staffing", "reported-concern"),
    (None, "reported-concern"),
])
def test_one_report_raises_one_concern_under_the_default_rules(category, rule):
    triggered = triggers_for(report(category, impact=Decimal(20000)))

    assert [t.rule for t in triggered] == [rule]


def test_without_the_breach_rules_a_breakdown_report_is_still_assessed():
    rule = ReportedConcernRaisesAConcern(handled_elsewhere=frozenset())

    assert fired(rule, report("service breakdown")).category == "service breakdown"


# Every rule: fires on the same evidence the same way, and never twice for the same evidence.

Scenario = Callable[[str], tuple[Rule, object]]

def from_another_council(category: str, prefix: str) -> IntelligenceFromAnotherCouncil:
    return IntelligenceFromAnotherCouncil(f"{prefix}-received", "Fife Council", category,
                                          "CS2003001234", date(2026, 5, 1), grade=2)


SCENARIOS: dict[str, Scenario] = {
    "significant-risk-band": lambda p: (
        SignificantRiskBandRaisesAConcern(),
        ScoredReturnReading(f"{p}-ret", date(2026, 6, 30), Decimal("40"), Band.SIGNIFICANT_RISK,
                            {"finance": Rating.RED})),
    "red-section": lambda p: (
        RedSectionRaisesAConcern(),
        ScoredReturnReading(f"{p}-ret", date(2026, 6, 30), Decimal("80"),
                            Band.NO_SIGNIFICANT_RISK, {"finance": Rating.RED})),
    "inspection-grade-3-or-below": lambda p: (
        GradeThreeOrBelowRaisesAConcern(), care_inspectorate(3, f"{p}-evt", setting="3")),
    "cqc-requires-improvement-or-inadequate": lambda p: (
        RequiresImprovementOrInadequateRaisesAConcern(), cqc("inadequate", f"{p}-evt")),
    "regulator-no-longer-registered": lambda p: (
        NoLongerRegisteredRaisesAConcern(), closure(f"{p}-evt")),
    "missed-visits": lambda p: (
        MissedVisitsAboveLimitRaiseAConcern(), visit_month(missed=20, event_id=f"{p}-evt")),
    "poor-punctuality": lambda p: (
        PunctualityBelowTargetRaisesAConcern(), visit_month(late=200, event_id=f"{p}-evt")),
    "short-notice-cancellations": lambda p: (
        ShortNoticeCancellationsAboveLimitRaiseAConcern(),
        visit_month(cancellations=9, event_id=f"{p}-evt")),
    "staff-turnover": lambda p: (
        HighStaffTurnoverRaisesAConcern(), turnover(20, return_id=f"{p}-ret")),
    "staff-absence": lambda p: (
        HighStaffAbsenceRaisesAConcern(),
        AbsenceFigures(f"{p}-ret", date(2026, 7, 31), 40, 8, True)),
    "serious-incidents": lambda p: (
        SeriousIncidentsRaiseAConcern(), incidents(4, serious=2, return_id=f"{p}-ret")),
    "incidents-up": lambda p: (
        IncidentsUpOnThePreviousReturnRaiseAConcern(),
        incidents(4, previous=1, return_id=f"{p}-ret", previous_id=f"{p}-prev")),
    "complaints-rising": lambda p: (
        RisingComplaintsRaiseAConcern(), complaints((1, 0), (2, 0), (5, 0), prefix=p)),
    "complaints-upheld": lambda p: (
        UpheldComplaintsRaiseAConcern(), complaints((3, 2), (4, 2), prefix=p)),
    "service-breakdown": lambda p: (
        ServiceBreakdownRaisesAConcern(),
        report("service breakdown", impact=Decimal(40000), report_id=f"{p}-rep")),
    "alleged-breach": lambda p: (
        AllegedBreachOfContractRaisesAConcern(),
        report("breach of contract", report_id=f"{p}-rep")),
    "repeated-overdue-returns": lambda p: (
        RepeatedOverdueReturnsRaiseAConcern(),
        OverdueHistory(OverdueReturn(f"{p}-req-{m}", date(2025, m, 15)) for m in (2, 6, 10))),
    "worsening-trend": lambda p: (
        WorseningTrendRaisesAConcern(), scores("90", "80", "70", prefix=p)),
    "reported-concern": lambda p: (
        ReportedConcernRaisesAConcern(), report(source="complaint", report_id=f"{p}-rep")),
    # What another council shares under an agreement (issue 20).
    **{rule.name: (lambda p, rule=rule: (rule, from_another_council(rule.category, p)))
       for rule in SHARED_RULES},
}


def closure(event_id: str = "evt-closed", regulator: str = "care-inspectorate",
            closed_on: date | None = None) -> ServiceClosure:
    return ServiceClosure(event_id, regulator, "CS2003000164", "RUTHRIESTON-1", "Inactive",
                          closed_on)


def test_a_contracted_service_no_longer_registered_raises_a_serious_concern():
    # Issue 21: "the regulator shows this service as no longer registered".
    trigger = NoLongerRegisteredRaisesAConcern().check(closure())

    assert trigger is not None
    assert (trigger.severity, trigger.safety_at_risk, trigger.evidence) == (
        Severity.SERIOUS, False, ("evt-closed",))
    assert trigger.summary == (
        "The regulator shows this service as no longer registered: the Care Inspectorate lists "
        "CS2003000164 (contract RUTHRIESTON-1) as inactive.")


def test_a_cqc_deregistration_says_since_when():
    trigger = NoLongerRegisteredRaisesAConcern().check(
        closure(regulator="cqc", closed_on=date(2016, 11, 28)))

    assert trigger is not None and trigger.summary.endswith("as inactive since 28 November 2016.")


def test_every_default_rule_has_a_firing_scenario_here():
    assert set(SCENARIOS) == {rule.name for rule in DEFAULT_RULES}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_same_evidence_gives_the_same_trigger_and_dedup_key(name):
    rule, reading = SCENARIOS[name]("a")
    _, redelivered = SCENARIOS[name]("a")

    first, again = fired(rule, reading), fired(rule, redelivered)

    assert rule.name == name == first.rule
    assert first == again
    assert first.dedup_key == dedup_key_for(first.rule, first.evidence)
    assert first.evidence and all(item.startswith("a-") for item in first.evidence)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_different_evidence_gives_a_different_dedup_key(name):
    rule, reading = SCENARIOS[name]("a")
    _, other = SCENARIOS[name]("b")

    assert fired(rule, reading).dedup_key != fired(rule, other).dedup_key


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_summary_is_plain_english(name):
    rule, reading = SCENARIOS[name]("a")
    trigger = fired(rule, reading)

    assert trigger.summary[0].isupper() or trigger.summary[0].isdigit()
    assert trigger.summary.endswith((".", "…"))
    assert "_" not in trigger.summary
    assert not re.search(r"\d{4}-\d{2}-\d{2}", trigger.summary), "dates are written 15 April 2025"
    assert not re.search(r"None|Decimal|Fraction|\d\.\d{3}", trigger.summary)
    assert trigger.severity in {"moderate", "serious"}
    assert trigger.category == trigger.category.lower() and "_" not in trigger.category


def test_two_rules_on_the_same_evidence_raise_two_different_concerns():
    figures = visit_month(missed=20, late=200, cancellations=9)

    keys = {trigger.dedup_key for trigger in triggers_for(figures)}

    assert len(keys) == 3


# The trigger itself, and the registry.


def test_the_dedup_key_ignores_the_order_and_repeats_of_the_evidence():
    assert dedup_key_for("incidents-up", ("r1", "r2")) == dedup_key_for(
        "incidents-up", ("r2", "r1", "r2"))
    assert dedup_key_for("incidents-up", ("r1", "r2")) != dedup_key_for("trend", ("r1", "r2"))


def test_evidence_ids_with_separators_in_them_never_collide():
    assert dedup_key_for("rule", ("a:b", "c")) != dedup_key_for("rule", ("a", "b:c"))


def test_a_trigger_rests_on_evidence_and_cannot_be_changed():
    with pytest.raises(ValueError, match="event or return ids"):
        Trigger("rule", "category", Severity.MODERATE, "Summary.", False, ())
    trigger = Trigger("rule", "category", "serious", "Summary.", False, ("e1", "e1"))

    assert trigger.severity is Severity.SERIOUS
    assert trigger.evidence == ("e1",)
    with pytest.raises(FrozenInstanceError):
        trigger.summary = "changed"  # type: ignore[misc]


def test_the_registry_holds_every_trigger_of_section_six_once():
    names = [rule.name for rule in DEFAULT_RULES]

    # The sixteen triggers of 000, the two readings of a return's own analysis, a contracted
    # service the regulator no longer registers (issue 21), and one rule for each category of
    # fact another council may share (issue 20).
    assert len(names) == len(set(names)) == 24
    assert set(rules.__all__) >= {type(rule).__name__ for rule in DEFAULT_RULES}


def test_a_reading_is_put_only_to_the_rules_that_read_its_kind():
    figures = visit_month(missed=20, late=200, cancellations=9)

    assert {t.rule for t in triggers_for(figures)} == {
        "missed-visits", "poor-punctuality", "short-notice-cancellations"}
    assert triggers_for("not a reading") == []


def test_a_rule_is_found_by_its_name():
    assert isinstance(rule_named("worsening-trend"), WorseningTrendRaisesAConcern)
    with pytest.raises(KeyError):
        rule_named("no-such-rule")


@pytest.mark.parametrize("make", [
    lambda: MissedVisitsAboveLimitRaiseAConcern(limit_percent=Decimal(-1)),
    lambda: MissedVisitsAboveLimitRaiseAConcern(limit_percent=0.1),
    lambda: PunctualityBelowTargetRaisesAConcern(minimum_percent=101),
    lambda: ShortNoticeCancellationsAboveLimitRaiseAConcern(limit=-1),
    lambda: RisingComplaintsRaiseAConcern(returns=1),
    lambda: WorseningTrendRaisesAConcern(returns=1),
    lambda: UpheldComplaintsRaiseAConcern(limit=0),
    lambda: RepeatedOverdueReturnsRaiseAConcern(within_months=0),
    lambda: GradeThreeOrBelowRaisesAConcern(threshold=True),
    lambda: AllegedBreachOfContractRaisesAConcern(severity="minor"),
])
def test_a_threshold_that_makes_no_sense_is_refused(make):
    with pytest.raises(ValueError):
        make()
