"""A provider's risk profile, as an officer would describe it (domain-rules.md §5-6).

Each return is scored once under the council's model, read against the provider's earlier
returns, put to the poor-performance rules, and the provider placed on the likelihood x impact
matrix; a change of level is recorded as `RiskLevelAssessed` for intake.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.risk.application.answers import answers_of
from services.risk.domain.configuration import (
    DEFAULT_CONFIGURATION,
    RiskConfiguration,
    configuration_from_dict,
)
from services.risk.domain.readings import ReturnFacts
from services.risk.domain.risk_profile import (
    AnalysisAlreadyHeld,
    AnalysisNotHeld,
    ReturnNotScored,
    RiskProfile,
)
from services.risk.domain.rules import (
    OverdueHistory,
    OverdueReturn,
    ReportedConcern,
    VisitMonth,
    dedup_key_for,
)
from shared.contracts.forms import example
from shared.domain import InvalidInput, Missing, Refused

pytestmark = pytest.mark.unit

LEVEL_1 = ("leadership_and_management", "sustainability", "finance", "safety_and_quality",
           "outcomes")
GREEN = dict.fromkeys(LEVEL_1, "green")
AMBER_FINANCE = {**GREEN, "finance": "amber"}  # 90%
UNSAFE = {**GREEN, "safety_and_quality": "red", "finance": "red"}  # 60%
POOR = {**GREEN, "finance": "red", "sustainability": "red", "outcomes": "red"}  # 40%
QUARTER_ENDS = (date(2025, 9, 30), date(2025, 12, 31), date(2026, 3, 31), date(2026, 6, 30))


def opened(provider_id: str = "oakwood", service_type: str | None = "care-home") -> RiskProfile:
    profile = RiskProfile(provider_id=provider_id)
    if service_type:
        profile.note_contract("OAK-1", service_type, DEFAULT_CONFIGURATION, "corr-0", "env-0")
    profile.collect_events()
    return profile


def submit(profile: RiskProfile, return_id: str, sections: dict[str, str], *,
           period_end: date | None = None, answers: dict[str, Any] | None = None,
           form: str = "cmr-level-1", corrects: str | None = None,
           config: RiskConfiguration = DEFAULT_CONFIGURATION) -> list:
    end = period_end or QUARTER_ENDS[len(profile.returns) % len(QUARTER_ENDS)]
    start = date(end.year, end.month - 2, 1)
    facts = ReturnFacts(return_id, form, start, end, answers_of(form, answers or {}))
    profile.score_return(facts, answers or {}, sections, corrects, config, reread, "corr-1",
                         f"env-{return_id}")
    return profile.collect_events()


def reread(return_id: str, form: str, answers: dict[str, Any]):
    """The application's reading of a kept return's answers, without its cache."""
    return answers_of(form, answers)


def names(events: list) -> list[str]:
    return [type(e).__name__ for e in events]


def of_type(events: list, name: str) -> list:
    return [e for e in events if type(e).__name__ == name]


def test_a_providers_profile_has_one_id_whoever_opens_it():
    assert RiskProfile(provider_id="oakwood").id == RiskProfile.create_id("oakwood")
    assert RiskProfile.create_id("oakwood") != RiskProfile.create_id("elmbank")


# Scoring -------------------------------------------------------------------------------------


def test_a_scored_return_records_its_score_band_explanation_model_and_indicators():
    profile = opened()
    answers = example("cmr-level-1")

    scored = submit(profile, "r1", AMBER_FINANCE, answers=answers)[0]

    assert type(scored).__name__ == "ReturnScored"
    assert scored.score == Decimal("90.00")
    assert scored.band == "75-99%"
    assert scored.explanation == ["Finance rated amber: 10 points"]
    assert scored.deductions == [
        {"reason": "Finance rated amber", "points": Decimal("10.00"), "rule": "section-rating"}]
    assert scored.model_version == "sections-and-answers-2"
    assert scored.section_ratings == AMBER_FINANCE
    assert scored.indicators["compliance"]["asp_training_up_to_date"] is True
    assert set(scored.indicators["intelligence"]) >= {"management_changes"}
    assert (scored.correlation_id, scored.causation_id) == ("corr-1", "env-r1")
    assert (profile.latest_score, profile.latest_band) == (Decimal("90.00"), "75-99%")


def test_an_answer_below_a_contract_threshold_costs_points_and_says_so():
    answers = example("cmr-level-1")
    answers["adult_support_and_protection"]["training_compliance_percent"] = 70

    scored = submit(opened(), "r1", GREEN, answers=answers)[0]

    assert scored.score == Decimal("95.00")
    assert scored.explanation == ["ASP training 70% is below the 80% threshold: 5 points"]


def test_a_first_return_has_no_previous_score_or_change():
    scored = submit(opened(), "r1", GREEN)[0]

    assert (scored.previous_score, scored.change) == (None, None)


def test_a_later_return_is_read_against_the_previous_score():
    # "prior returns also being reviewed ... to identify any trends" (004 App. 3).
    profile = opened()
    submit(profile, "r1", GREEN)

    scored = submit(profile, "r2", UNSAFE)[0]

    assert (scored.previous_score, scored.change) == (Decimal("100.00"), Decimal("-40.00"))


def test_an_improving_return_shows_a_positive_change():
    profile = opened()
    submit(profile, "r1", UNSAFE)

    scored = submit(profile, "r2", AMBER_FINANCE)[0]

    assert (scored.previous_score, scored.change) == (Decimal("60.00"), Decimal("30.00"))


def test_a_late_return_for_an_earlier_period_does_not_replace_the_latest_score():
    profile = opened()
    submit(profile, "june", GREEN, period_end=date(2026, 6, 30))

    scored = submit(profile, "march", UNSAFE, period_end=date(2026, 3, 31))[0]

    assert scored.previous_score is None  # nothing came before March
    assert profile.latest_score == Decimal("100.00")


def test_a_return_is_scored_once_however_often_it_arrives():
    profile = opened()
    submit(profile, "r1", UNSAFE)

    assert submit(profile, "r1", GREEN) == []
    assert profile.scored_returns == ["r1"]
    assert profile.latest_score == Decimal("60.00")


def test_a_correction_takes_the_place_of_the_return_it_corrects():
    profile = opened()
    submit(profile, "r1", GREEN, period_end=date(2026, 3, 31))
    submit(profile, "r2", POOR, period_end=date(2026, 6, 30))

    scored = submit(profile, "r2-fixed", AMBER_FINANCE, period_end=date(2026, 6, 30),
                    corrects="r2")[0]

    assert scored.previous_score == Decimal("100.00")  # read against March, not the original
    assert [r["return_id"] for r in profile.current_returns()] == ["r1", "r2-fixed"]
    assert profile.returns["r2"]["superseded_by"] == "r2-fixed"
    assert profile.latest_score == Decimal("90.00")


# Concerns from a return's analysis --------------------------------------------------------------


def test_an_all_green_return_raises_no_concern():
    profile = opened()

    assert of_type(submit(profile, "r1", GREEN), "ConcernRaised") == []
    assert profile.open_concerns == []


def test_the_example_return_raises_no_concern_and_reads_as_low_risk():
    # A routine notification to the Care Inspectorate (a fall, no injury) is not serious.
    profile = opened()

    events = submit(profile, "r1", GREEN, answers=example("cmr-level-1"))

    assert of_type(events, "ConcernRaised") == []
    assert profile.risk_level == "low"


def test_a_return_with_red_safety_raises_a_safety_concern_resting_on_the_return():
    profile = opened()

    concern = of_type(submit(profile, "r1", UNSAFE), "ConcernRaised")[0]

    assert concern.rule == "red-section"
    assert concern.category == "safety"
    assert concern.severity == "serious"
    assert concern.safety_at_risk is True
    assert concern.source == "return analysis"
    assert concern.summary.endswith("rated 2 sections red: finance and safety and quality.")
    assert concern.evidence == ["r1"]
    assert concern.concern_id == dedup_key_for("red-section", ("r1",))
    assert profile.open_concerns == [concern.concern_id]


def test_a_return_below_50_with_red_sections_raises_two_concerns():
    concerns = of_type(submit(opened(), "r1", POOR), "ConcernRaised")

    assert [c.rule for c in concerns] == ["significant-risk-band", "red-section"]
    assert len({c.concern_id for c in concerns}) == 2


def test_a_score_falling_over_three_consecutive_returns_raises_a_worsening_trend_concern():
    profile = opened()
    submit(profile, "q1", GREEN)
    submit(profile, "q2", AMBER_FINANCE)

    concerns = of_type(submit(profile, "q3", {**GREEN, "finance": "amber",
                                              "outcomes": "amber"}), "ConcernRaised")

    (trend,) = concerns
    assert trend.rule == "worsening-trend"
    assert trend.evidence == ["q1", "q2", "q3"]
    assert "100% in the period to 30 September 2025" in trend.summary
    assert "80% in the period to 31 March 2026" in trend.summary


def test_a_score_that_falls_then_holds_raises_no_trend_concern():
    profile = opened()
    submit(profile, "q1", GREEN)
    submit(profile, "q2", AMBER_FINANCE)

    assert of_type(submit(profile, "q3", AMBER_FINANCE), "ConcernRaised") == []


def cmr(complaints: int = 1, upheld: int = 0, incidents: int = 2, serious: int = 0,
        on_leave: int = 1) -> dict[str, Any]:
    answers = example("cmr-level-1")
    answers["comments_compliments_complaints"].update(complaints=complaints,
                                                      complaints_upheld=upheld)
    answers["incidents_and_accidents"].update(incidents=incidents, serious_incidents=serious)
    answers["staffing"]["staff_on_long_term_leave"] = on_leave
    return answers


def test_complaints_rising_on_three_consecutive_returns_raise_a_concern():
    profile = opened()
    submit(profile, "q1", GREEN, answers=cmr(complaints=1))
    submit(profile, "q2", GREEN, answers=cmr(complaints=2))

    concerns = of_type(submit(profile, "q3", GREEN, answers=cmr(complaints=4)),
                       "ConcernRaised")

    assert [c.rule for c in concerns] == ["complaints-rising"]
    assert concerns[0].evidence == ["q1", "q2", "q3"]


def test_incidents_up_on_the_previous_return_raise_a_concern_on_both_returns():
    profile = opened()
    submit(profile, "q1", GREEN, answers=cmr(incidents=2))

    concerns = of_type(submit(profile, "q2", GREEN, answers=cmr(incidents=5)),
                       "ConcernRaised")

    assert [c.rule for c in concerns] == ["incidents-up"]
    assert concerns[0].evidence == ["q1", "q2"]


def test_a_serious_incident_in_a_return_puts_people_at_risk():
    concerns = of_type(submit(opened(), "q1", GREEN, answers=cmr(serious=1)), "ConcernRaised")

    assert [(c.rule, c.safety_at_risk) for c in concerns] == [("serious-incidents", True)]


def test_staff_absence_above_ten_percent_of_the_complement_raises_a_concern():
    # The example's staff complement is 42: 5 on long-term leave is 11.9%.
    concerns = of_type(submit(opened(), "q1", GREEN, answers=cmr(on_leave=5)),
                       "ConcernRaised")

    assert [c.rule for c in concerns] == ["staff-absence"]


def test_staff_turnover_in_a_kpi_return_above_thirty_percent_a_year_raises_a_concern():
    answers = example("kpi")
    answers["kpi6"].update(headcount_start=40, headcount_end=40, leavers=12)  # 120% a year

    concerns = of_type(submit(opened(), "k1", {"kpi6_staff_turnover": "red"}, form="kpi",
                              answers=answers), "ConcernRaised")

    assert "staff-turnover" in [c.rule for c in concerns]


def test_the_same_evidence_never_raises_the_same_concern_twice():
    profile = opened()
    figures = VisitMonth(event_id="evt-1", contract_reference="OAK-1", month=date(2026, 5, 1),
                         planned=1000, delivered=970, missed=30, late=10,
                         short_notice_cancellations=0)

    first = profile.assess(figures, "call monitoring", DEFAULT_CONFIGURATION, "c", "evt-1")
    again = profile.assess(figures, "call monitoring", DEFAULT_CONFIGURATION, "c", "evt-1")

    assert (first, again) == (1, 0)
    assert [entry["rule"] for entry in profile.log.values()] == ["missed-visits"]


def test_a_red_safety_section_again_in_the_next_return_updates_the_open_concern():
    # One concern per matter (issue 18): the next return red on safety is more evidence.
    profile = opened()
    submit(profile, "q1", UNSAFE)
    events = submit(profile, "q2", UNSAFE)

    [concern] = profile.log.values()
    assert (concern["evidence"], concern["occurrences"]) == (["q1", "q2"], 2)
    assert of_type(events, "ConcernRaised") == []
    [recurred] = of_type(events, "ConcernRecurred")
    assert (recurred.concern_id, recurred.new_evidence) == (concern["entry_id"], ["q2"])


# One concern per matter: a repeated trigger updates the open concern (issue 18) --------------


def overdue(profile: RiskProfile, *months: int) -> list:
    for month in months:
        profile.note_overdue(f"req-{month}", date(2025, month, 15), DEFAULT_CONFIGURATION, "c",
                             f"env-{month}")
    return profile.collect_events()


def concerns(profile: RiskProfile) -> list[dict[str, Any]]:
    return [entry for entry in profile.log.values() if entry["kind"] == "concern"]


def test_each_further_overdue_return_updates_the_open_concern_instead_of_raising_another():
    profile = opened()

    events = overdue(profile, 2, 4, 6, 8, 10)

    [concern] = concerns(profile)
    assert concern["occurrences"] == 3
    assert concern["evidence"] == ["req-2", "req-4", "req-6", "req-8", "req-10"]
    assert concern["summary"].startswith("Five returns were overdue in the 12 months to "
                                         "15 October 2025")
    assert len(of_type(events, "ConcernRaised")) == 1
    recurred = of_type(events, "ConcernRecurred")
    assert [(e.new_evidence, e.occurrences) for e in recurred] == [
        (["req-8"], 2), (["req-10"], 3)]
    assert [r["evidence"] for r in concern["recurrences"]] == [["req-8"], ["req-10"]]


def test_a_trigger_resting_on_evidence_the_concern_holds_changes_nothing():
    profile = opened()
    overdue(profile, 2, 4, 6, 8)

    again = profile.assess(OverdueHistory([OverdueReturn(f"req-{m}", date(2025, m, 15))
                                           for m in (4, 6, 8)]),
                           "return calendar", DEFAULT_CONFIGURATION, "c", "env-x")

    assert again == 0 and profile.collect_events() == []


def test_once_the_concern_is_closed_the_matter_raises_a_new_one():
    profile = opened()
    overdue(profile, 2, 4, 6)
    [first] = concerns(profile)
    profile.resolve(first["entry_id"], "returns now on time", "Jo", datetime.now(UTC), "c")

    events = overdue(profile, 8)

    assert len(of_type(events, "ConcernRaised")) == 1
    assert [c["status"] for c in concerns(profile)] == ["closed", "open"]


def test_a_different_matter_still_raises_its_own_concern():
    profile = opened()
    submit(profile, "q1", UNSAFE)  # red safety: a safety concern
    submit(profile, "q2", {**GREEN, "finance": "red"})  # red finance only: a quality concern

    assert sorted((c["category"], c["evidence"][0]) for c in concerns(profile)) == [
        ("quality", "q2"), ("safety", "q1")]


def test_a_recurrence_that_puts_safety_at_risk_makes_the_concern_a_safety_one():
    profile = opened()
    # Two reports the officer filed under the same category are one matter.
    first = ReportedConcern("rep-1", "operational-staff", "Meals late", False, "meals")
    later = ReportedConcern("rep-2", "operational-staff",
                            "A resident was left without food all day", True, "meals")
    profile.assess(first, "operational staff", DEFAULT_CONFIGURATION, "c", "env-1")
    profile.assess(later, "operational staff", DEFAULT_CONFIGURATION, "c", "env-2")

    [concern] = concerns(profile)
    assert (concern["severity"], concern["safety_at_risk"], concern["occurrences"]) == (
        "serious", True, 2)
    assert "A resident was left without food all day" in concern["summary"]
    assert "Meals late" in concern["first_summary"]


def test_a_council_can_switch_a_rule_off():
    config = configuration_from_dict({"rules": {"red-section": False}})

    assert of_type(submit(opened(), "r1", UNSAFE, config=config), "ConcernRaised") == []


# The provider's risk level on the matrix ----------------------------------------------------------


@pytest.mark.parametrize(("sections", "level"), [
    (GREEN, "low"),  # 100%: likelihood 1 x impact 4
    (AMBER_FINANCE, "low"),  # 90%: no significant risk
    ({**GREEN, "finance": "amber", "outcomes": "amber", "sustainability": "amber"},
     "medium"),  # 70%: moderate risk, likelihood 3 x 4
    (POOR, "high"),  # 40%: significant risk and a serious concern, 5 x 4
])
def test_a_care_homes_first_score_places_it_on_the_matrix(sections, level):
    profile = opened()

    assessed = of_type(submit(profile, "r1", sections), "RiskLevelAssessed")[0]

    assert (assessed.previous_level, assessed.level) == (None, level)
    assert (assessed.correlation_id, assessed.causation_id) == ("corr-1", "env-r1")
    assert profile.risk_level == level


def test_the_assessment_says_how_the_level_was_reached():
    profile = opened()
    submit(profile, "r1", GREEN)

    assessed = of_type(submit(profile, "r2", POOR), "RiskLevelAssessed")[0]

    assert (assessed.previous_level, assessed.level) == ("low", "high")
    assert (assessed.likelihood, assessed.impact) == (5, 4)
    assert assessed.reason.startswith("likelihood 5 (almost certain) x impact 4 (major) = 20")
    assert "latest return in the band below 50%" in assessed.reason


def test_the_same_score_is_a_lower_risk_for_an_advice_line_than_for_a_care_home():
    sections = {**GREEN, "finance": "amber", "outcomes": "amber", "sustainability": "amber"}
    care_home, advice = opened("a", "care-home"), opened("b", "information-advice-and-support")

    submit(care_home, "r1", sections)
    submit(advice, "r1", sections)

    assert (care_home.risk_level, advice.risk_level) == ("medium", "low")


def test_a_score_that_leaves_the_level_as_it_was_records_no_assessment():
    profile = opened()
    submit(profile, "r1", GREEN)

    assert names(submit(profile, "r2", AMBER_FINANCE)) == ["ReturnScored"]


def test_resolving_the_serious_concern_lowers_the_level():
    profile = opened()
    submit(profile, "r1", UNSAFE)
    assert profile.risk_level == "high"  # 60% with people's safety at risk
    (concern,) = profile.open_concerns

    profile.resolve(concern, "safety plan in place and verified on a visit", "Jo Officer",
                    datetime(2026, 7, 1, tzinfo=UTC), "corr-2")
    profile.reassess(DEFAULT_CONFIGURATION, "corr-2", "corr-2")

    assert profile.risk_level == "medium"


def test_a_contract_noted_after_an_assessment_reassesses_the_impact():
    profile = opened(service_type=None)
    submit(profile, "r1", {**GREEN, "finance": "amber", "outcomes": "amber",
                           "sustainability": "amber"})
    assert profile.risk_level == "medium"  # an unknown service reads as moderate impact: 3 x 3

    profile.note_contract("ADV-1", "information-advice-and-support", DEFAULT_CONFIGURATION,
                          "corr-2", "env-2")

    assert profile.risk_level == "low"


# Re-scoring under a new model ------------------------------------------------------------------


def test_rescoring_under_a_new_model_keeps_both_scores():
    profile = opened()
    submit(profile, "r1", AMBER_FINANCE)
    submit(profile, "r2", AMBER_FINANCE)
    council = configuration_from_dict({"scoring_model": {"version": "council-2",
                                                         "points": {"amber": "0"}}})

    rescored = profile.rescore(council.model, "Jo Officer", council, reread, "corr-9")
    events = profile.collect_events()

    assert rescored == ["r1", "r2"]
    again = of_type(events, "ReturnScored")
    assert [(e.score, e.previous_score, e.rescored_by) for e in again] == [
        (Decimal("80.00"), Decimal("90.00"), "Jo Officer")] * 2
    assert [s["model_version"] for s in profile.returns["r1"]["scores"]] == [
        "sections-and-answers-2", "council-2"]
    assert profile.latest_score == Decimal("80.00")


def test_rescoring_twice_under_the_same_model_changes_nothing():
    profile = opened()
    submit(profile, "r1", AMBER_FINANCE)
    council = configuration_from_dict({"scoring_model": {"version": "council-2"}})
    profile.rescore(council.model, "Jo Officer", council, reread, "corr-9")
    profile.collect_events()

    assert profile.rescore(council.model, "Jo Officer", council, reread, "corr-10") == []
    assert profile.collect_events() == []


# Holding a return's analysis (002: "received, not yet analysed") -------------------------------

AT = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
THREE_AMBER = {**GREEN, "finance": "amber", "outcomes": "amber", "sustainability": "amber"}


def hold(profile: RiskProfile, return_id: str, reason: str = "officer to analyse by hand",
         config: RiskConfiguration = DEFAULT_CONFIGURATION) -> list:
    profile.hold_analysis(return_id, reason, "Jo Officer", AT, "corr-hold")
    profile.reassess(config, "corr-hold", "corr-hold")
    return profile.collect_events()


def release(profile: RiskProfile, return_id: str,
            config: RiskConfiguration = DEFAULT_CONFIGURATION) -> list:
    profile.release_analysis(return_id, "Jo Officer", AT, "corr-release")
    profile.review_scores(config, "corr-release")
    return profile.collect_events()


def test_a_held_return_leaves_the_latest_score_and_band_until_it_is_released():
    profile = opened()
    submit(profile, "june", GREEN)
    submit(profile, "september", UNSAFE)

    hold(profile, "september")

    assert profile.returns["september"]["held"] is True
    assert (profile.latest_score, profile.latest_band) == (Decimal("100.00"), "100%")
    release(profile, "september")
    assert profile.returns["september"]["held"] is False
    assert (profile.latest_score, profile.latest_band) == (Decimal("60.00"), "50-74%")


def test_holding_and_releasing_record_who_why_and_when():
    profile = opened()
    submit(profile, "r1", AMBER_FINANCE)

    (held,) = of_type(hold(profile, "r1", "the contracts team will analyse it"), "AnalysisHeld")
    (released,) = of_type(release(profile, "r1"), "AnalysisReleased")

    assert (held.return_id, held.reason, held.by, held.at, held.correlation_id) == (
        "r1", "the contracts team will analyse it", "Jo Officer", AT, "corr-hold")
    assert (released.return_id, released.by, released.correlation_id) == (
        "r1", "Jo Officer", "corr-release")
    assert profile.returns["r1"]["holds"] == [{
        "reason": "the contracts team will analyse it", "held_by": "Jo Officer", "held_at": AT,
        "released_by": "Jo Officer", "released_at": AT}]


def test_a_held_return_is_not_its_providers_only_score():
    profile = opened()
    submit(profile, "r1", AMBER_FINANCE)

    hold(profile, "r1")

    assert (profile.latest_score, profile.latest_band) == (None, None)
    assert profile.latest_return()["return_id"] == "r1"  # what the provider last told us


def test_concerns_a_held_return_raised_stand():
    # Holding means an officer has not yet analysed the return, not that its evidence is wrong:
    # the concern rests on what the return said, and only an officer closes it, with a reason.
    profile = opened()
    submit(profile, "r1", UNSAFE)
    raised = list(profile.open_concerns)

    events = hold(profile, "r1")

    assert raised and profile.open_concerns == raised
    assert of_type(events, "ConcernResolved") == []


def test_holding_the_latest_return_reassesses_the_level_and_releasing_it_restores_it():
    profile = opened()
    submit(profile, "r1", GREEN)
    submit(profile, "r2", THREE_AMBER)
    assert profile.risk_level == "medium"

    (lowered,) = of_type(hold(profile, "r2"), "RiskLevelAssessed")
    (raised,) = of_type(release(profile, "r2"), "RiskLevelAssessed")

    assert (lowered.previous_level, lowered.level) == ("medium", "low")
    assert (raised.previous_level, raised.level) == ("low", "medium")


def test_a_held_return_is_left_out_of_the_trend_until_it_is_released():
    profile = opened()
    submit(profile, "q1", GREEN)
    submit(profile, "q2", AMBER_FINANCE)
    hold(profile, "q2")

    scored = submit(profile, "q3", {**GREEN, "finance": "amber", "outcomes": "amber"})

    assert of_type(scored, "ConcernRaised") == []  # 100% then 80%: two scores are no trend
    assert scored[0].previous_score == Decimal("100.00")  # from q1: q2's score does not count
    (trend,) = of_type(release(profile, "q2"), "ConcernRaised")
    assert trend.rule == "worsening-trend"
    assert trend.evidence == ["q1", "q2", "q3"]
    assert of_type(hold_and_release(profile, "q2"), "ConcernRaised") == []  # raised once


def hold_and_release(profile: RiskProfile, return_id: str) -> list:
    hold(profile, return_id)
    return release(profile, return_id)


def test_a_held_returns_answers_are_still_read_against_the_next_return():
    # What the provider reported stands: incidents up on the held return still count.
    profile = opened()
    submit(profile, "r1", GREEN, answers=cmr(incidents=2))
    hold(profile, "r1")

    concerns = of_type(submit(profile, "r2", GREEN, answers=cmr(incidents=6)), "ConcernRaised")

    assert [c.rule for c in concerns] == ["incidents-up"]


def test_holding_a_return_not_scored_is_refused_as_missing():
    profile = opened()
    submit(profile, "r1", GREEN)

    with pytest.raises(ReturnNotScored) as refused:
        profile.hold_analysis("r9", "to analyse", "Jo Officer", AT, "corr-hold")

    assert isinstance(refused.value, Missing) and refused.value.field == "return_id"


def test_holding_a_held_return_again_is_refused():
    profile = opened()
    submit(profile, "r1", GREEN)
    hold(profile, "r1")

    with pytest.raises(AnalysisAlreadyHeld) as refused:
        profile.hold_analysis("r1", "to analyse", "Jo Officer", AT, "corr-hold")

    assert isinstance(refused.value, Refused)
    assert profile.collect_events() == []


def test_releasing_a_return_not_held_is_refused():
    profile = opened()
    submit(profile, "r1", GREEN)

    with pytest.raises(AnalysisNotHeld) as refused:
        profile.release_analysis("r1", "Jo Officer", AT, "corr-release")

    assert isinstance(refused.value, Refused)


def test_a_hold_needs_a_reason():
    profile = opened()
    submit(profile, "r1", GREEN)

    with pytest.raises(InvalidInput) as refused:
        profile.hold_analysis("r1", "  ", "Jo Officer", AT, "corr-hold")

    assert refused.value.field == "reason"


def test_a_held_return_rescored_under_a_new_model_stays_held():
    profile = opened()
    submit(profile, "r1", GREEN)
    submit(profile, "r2", AMBER_FINANCE)
    hold(profile, "r2")
    council = configuration_from_dict({"scoring_model": {"version": "council-2",
                                                         "points": {"amber": "0"}}})

    assert profile.rescore(council.model, "Jo Officer", council, reread, "corr-9") == ["r1", "r2"]
    assert profile.returns["r2"]["held"] is True
    assert profile.latest_score == Decimal("100.00")
