"""The governance report (issue 7 part 5) against a small data set whose answers are known."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest

from assure.report.csv_export import to_csv
from assure.report.facts import (
    ContractFact,
    EscalationFact,
    Facts,
    InterventionFact,
    RequestFact,
    ReturnFact,
)
from assure.report.governance import governance_report, latest_returns
from assure.report.html import to_html
from assure.report.layout import to_dict
from assure.report.pdf import to_pdf
from assure.report.period import Length, Period, last_complete, period_for
from shared.domain import InvalidInput

pytestmark = pytest.mark.unit

HALF = Period(date(2025, 4, 1), date(2025, 9, 30))
IN, BEFORE, AFTER = date(2025, 6, 2), date(2025, 3, 3), date(2025, 10, 6)
YES = dict.fromkeys(("six_monthly_reviews_up_to_date", "personal_outcomes_met"), True)
NO = dict.fromkeys(("six_monthly_reviews_up_to_date", "personal_outcomes_met"), False)


def returned(ref: str, band: str | None = "75-99%", on: date = IN, **kw) -> ReturnFact:
    return ReturnFact(return_id=f"{ref}-{on}-{kw.get('form', 'saq')}", contract_reference=ref,
                      form=kw.pop("form", "self-assessment"), submitted_on=on, band=band,
                      compliance=kw.pop("compliance", YES),
                      intelligence=kw.pop("intelligence", {"management_changes": True}), **kw)


def known_facts() -> Facts:
    """Four care homes (one ended in the period), two care at home, a day centre long gone."""
    contracts = (
        ContractFact("CH1", "p1", "care-home", date(2020, 4, 1)),
        ContractFact("CH2", "p2", "care-home", date(2020, 4, 1)),
        ContractFact("CH3", "p3", "care-home", date(2025, 5, 1)),
        ContractFact("CH4", "p4", "care-home", date(2020, 4, 1), date(2025, 7, 31)),
        ContractFact("AH1", "p1", "care-at-home", date(2020, 4, 1)),
        ContractFact("AH2", "p5", "care-at-home", date(2020, 4, 1)),
        ContractFact("DC1", "p6", "day-services", date(2020, 4, 1), date(2024, 3, 31)),
    )
    requests = (
        RequestFact("CH1", "cmr-level-1", date(2025, 8, 15), date(2025, 8, 10)),
        RequestFact("CH2", "cmr-level-1", date(2025, 8, 15), None, reminders=1),
        RequestFact("CH3", "cmr-level-1", date(2025, 8, 15), None),
        RequestFact("CH1", "cmr-level-1", date(2025, 12, 15), None),  # due after the period
        RequestFact("AH1", "cmr-level-1", date(2025, 8, 15), date(2025, 8, 20)),
    )
    returns = (
        returned("CH1", "50-74%", on=date(2025, 4, 10), compliance=NO),  # an earlier return
        returned("CH1", "75-99%", on=date(2025, 8, 10), superseded=True),
        returned("CH1", "100%", on=date(2025, 8, 12)),  # the correction stands
        returned("CH1", "below 50%", on=date(2025, 8, 13), form="kpi"),  # not monitoring
        returned("CH2", "50-74%", compliance=NO, intelligence={"management_changes": False}),
        returned("CH3", "75-99%", on=BEFORE),  # received before the period
        returned("CH4", "75-99%", compliance={"six_monthly_reviews_up_to_date": True}),
        returned("AH1", "75-99%", analysis_pending=True),
        returned("AH2", None),  # received, not scored yet
    )
    interventions = (
        InterventionFact("i1", "p2", None, date(2025, 5, 1),
                         ((date(2025, 5, 1), "encourage"), (date(2025, 7, 1), "enable"))),
        InterventionFact("i2", "p1", "CH1", date(2025, 5, 1), ((date(2025, 5, 1), "enforce"),),
                         closed_on=date(2025, 9, 1)),
        InterventionFact("i3", "p1", None, date(2025, 6, 1), ((date(2025, 6, 1), "enforce"),)),
        InterventionFact("i4", "p2", None, AFTER, ((AFTER, "enforce"),)),
    )
    escalations = (
        EscalationFact("e1", "p2", "suspension", IN, date(2025, 6, 9)),
        EscalationFact("e2", "p4", "decommission", BEFORE, IN),
        EscalationFact("e3", "p5", "suspension", IN),
        EscalationFact("e4", "p2", "suspension", AFTER, AFTER),
    )
    return Facts(contracts, requests, returns, interventions, escalations, as_at=AFTER)


def test_each_service_type_live_in_the_period_has_its_section():
    report = governance_report(HALF, known_facts())
    assert [s.service_type for s in report.sections] == ["care-home", "care-at-home"]
    assert [s.label for s in report.sections] == ["Care homes", "Care and support at home"]


def test_returns_due_received_and_outstanding_come_from_requests_due_in_the_period():
    returns = governance_report(HALF, known_facts()).section("care-home").returns
    assert (returns.contracts_in_scope, returns.contracts_ended) == (4, 1)
    assert (returns.requested, returns.requested_received, returns.outstanding,
            returns.chased) == (3, 1, 2, 1)
    # CH1, CH2 and CH4 returned in the period; CH3's return came before it started.
    assert (returns.returned, returns.without_return) == (3, 1)
    assert (returns.analysed, returns.not_analysed) == (3, 0)


def test_the_band_table_counts_each_contracts_latest_standing_return_once():
    home = governance_report(HALF, known_facts()).section("care-home")
    assert home.bands == (("100%", 1), ("75-99%", 1), ("50-74%", 1), ("below 50%", 0))
    assert home.band_total == 3


def test_of_returns_received_the_same_day_the_last_recorded_counts():
    # Elm Court caught up three periods in one sitting: 100%, then 97.22%, then 94.44%. The
    # dashboard shows the last (risk's latest return); the report must count the same one.
    facts = known_facts()
    caught_up = tuple(
        replace(returned("CH2", band, compliance=NO), return_id=f"CH2-{n}")
        for n, band in enumerate(("100%", "75-99%", "75-99%")))
    facts = replace(facts, returns=tuple(r for r in facts.returns
                                         if r.contract_reference != "CH2") + caught_up)
    assert latest_returns(facts.returns, {"CH2"}, HALF)["CH2"].return_id == "CH2-2"
    home = governance_report(HALF, facts).section("care-home")
    assert home.bands == (("100%", 1), ("75-99%", 2), ("50-74%", 0), ("below 50%", 0))


def test_a_return_held_or_not_yet_scored_is_received_but_not_in_the_band_table():
    at_home = governance_report(HALF, known_facts()).section("care-at-home")
    assert (at_home.returns.returned, at_home.returns.analysed) == (2, 0)
    assert at_home.returns.not_analysed == 2
    assert at_home.band_total == 0
    # Its answers still count, as 002 counts every questionnaire completed.
    reviews = at_home.compliance[0]
    assert (reviews.yes, reviews.of, reviews.percent) == (2, 2, 100)


def test_indicators_are_shares_of_the_providers_whose_return_says():
    home = governance_report(HALF, known_facts()).section("care-home")
    reviews, outcomes = home.compliance[:2]
    assert (reviews.yes, reviews.of, str(reviews.percent)) == (2, 3, "66.7")
    assert (outcomes.yes, outcomes.of, str(outcomes.percent)) == (1, 2, "50.0")
    assert home.compliance[2].percent is None  # no return says
    changes = next(s for s in home.intelligence if s.indicator == "management_changes")
    assert (changes.yes, changes.of) == (2, 3)


def test_interventions_open_at_the_end_by_level_and_escalations_in_the_period():
    report = governance_report(HALF, known_facts())
    # i1 (p2, now enable) and i3 (p1, provider-wide) are open on 30 September; i2 closed.
    assert report.section("care-home").interventions_open == (
        ("encourage", 0), ("enable", 1), ("enforce", 1))
    assert report.section("care-at-home").interventions_open == (
        ("encourage", 0), ("enable", 0), ("enforce", 1))
    home = report.section("care-home")
    assert (home.escalations_raised, home.escalations_approved) == (1, 2)
    at_home = report.section("care-at-home")
    assert (at_home.escalations_raised, at_home.escalations_approved) == (1, 0)


def test_the_default_period_is_the_last_complete_half_year_or_year():
    assert last_complete(date(2021, 10, 1)) == Period(date(2021, 4, 1), date(2021, 9, 30))
    assert last_complete(date(2021, 9, 30)) == Period(date(2020, 10, 1), date(2021, 3, 31))
    assert last_complete(date(2022, 2, 1)) == Period(date(2021, 4, 1), date(2021, 9, 30))
    assert last_complete(date(2022, 4, 1)) == Period(date(2021, 10, 1), date(2022, 3, 31))
    assert last_complete(date(2022, 4, 1), Length.YEAR) == Period(date(2021, 4, 1),
                                                                  date(2022, 3, 31))
    assert period_for(date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 1)).end.year == 2025
    with pytest.raises(InvalidInput):
        period_for(date(2025, 1, 1), None, date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        Period(date(2025, 2, 1), date(2025, 1, 1))


def test_html_carries_the_tables_and_a_bar_chart_for_each():
    html = to_html(governance_report(HALF, known_facts()))
    assert "1 April 2025 to 30 September 2025" in html
    assert "<h2>Care homes</h2>" in html and "<h2>Care and support at home</h2>" in html
    assert html.count("<svg") == 6  # bands, compliance and intelligence, per service type
    assert "66.7% 6 monthly reviews for service users are up to date" in html
    assert "<th>Total</th><th class=\"n\">3</th>" in html


def test_csv_has_one_row_per_figure():
    rows = list(csv.DictReader(io.StringIO(to_csv(governance_report(HALF, known_facts())))))
    bands = [r for r in rows if r["Service type"] == "Care homes"
             and r["Table"] == "Risk score results"]
    assert [(r["Item"], r["Count"]) for r in bands] == [
        ("100%", "1"), ("75-99%", "1"), ("50-74%", "1"), ("below 50%", "0"), ("Total", "3")]
    reviews = next(r for r in rows if r["Table"] == "Compliance")
    assert (reviews["Count"], reviews["Of"], reviews["Percent"]) == ("2", "3", "66.7")
    assert rows[0]["Period start"] == "01/04/2025"


def test_pdf_and_json():
    report = governance_report(HALF, known_facts())
    assert to_pdf(report).startswith(b"%PDF")
    data = to_dict(report)
    assert data["period"] == {"start": "2025-04-01", "end": "2025-09-30",
                              "label": "1 April 2025 to 30 September 2025"}
    assert data["sections"][0]["bands"][0] == {"band": "100%", "providers": 1}
    assert data["sections"][0]["compliance"][0]["percent"] == 66.7


def test_a_period_with_no_live_contract_says_so_in_every_format():
    report = governance_report(Period(date(2010, 4, 1), date(2010, 9, 30)), known_facts())
    assert report.sections == ()
    assert "No contracts were live in this period" in to_html(report)
    assert to_pdf(report).startswith(b"%PDF")
    assert to_csv(report).count("\n") == 1
