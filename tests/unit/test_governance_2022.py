"""The 2022 data set gives 002's tables under Assure's own form ratings and scoring model.

No I/O: each provider's answers go through the self-assessment form, risk's default model and
002's indicator readers, and the report is computed from the results. The end-to-end test
(tests/e2e/test_dataset_2022.py) loads the same data through the HTTP API.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from assure.datasets import round_2022 as dataset
from assure.datasets.load_2022 import provider_id, reference
from assure.report.facts import ContractFact, Facts, RequestFact, ReturnFact
from assure.report.governance import GovernanceReport, governance_report
from assure.report.period import Period, last_complete
from services.intake.domain.section_ratings import section_ratings
from services.risk.application.answers import answers_of
from services.risk.domain.answers import ReturnAnswers
from services.risk.domain.indicators import indicators_for
from services.risk.domain.model import DEFAULT_MODEL, score
from shared.contracts.forms import SelfAssessment

pytestmark = pytest.mark.unit

ROUND_HALF = Period(date(2021, 4, 1), date(2021, 9, 30))
ROSTER = (("care-home", dataset.CARE_HOMES), ("care-at-home", dataset.CARE_AT_HOME))

# 002's tables, in the order of risk's COMPLIANCE and INTELLIGENCE indicators.
COMPLIANCE_002 = {
    "care-home": ["60", "30", "76.7", "23.3", "73.3", "63.3", "66.7"],
    "care-at-home": ["53.3", "30", "76.7", "20", "73.3", "63.3", "66.7"],
}
INTELLIGENCE_002 = {
    "care-home": ["36.7", "60", "78.3", "16.7", "33.3"],
    "care-at-home": ["66.7", "43.3", "70", "56.7", "33.3"],
}
BANDS_002 = {"care-home": (0, 23, 7, 0), "care-at-home": (0, 15, 14, 0)}


def scored(partner: dataset.Partner, index: int) -> tuple[ReturnAnswers, dict, str]:
    form = SelfAssessment.model_validate(dataset.answers(partner, index))
    answers = answers_of(form.form, form.model_dump(mode="json"))
    sections = section_ratings(form)
    return answers, sections, score(DEFAULT_MODEL, sections, answers).band.value


RECEIVED_ON = date(2021, 9, 10)


def facts_of_the_round() -> Facts:
    """As the loader leaves them: every contract still in the round asked for its SAQ, the one
    not received overdue and reminded once, the one not yet analysed held in risk."""
    contracts, requests, returns = [], [], []
    for service_type, partners in ROSTER:
        for index, partner in enumerate(partners):
            ended = dataset.ENDED_ON if partner.status == dataset.EXCLUDED else None
            contracts.append(ContractFact(reference(partner), provider_id(partner),
                                          service_type, date(2019, 4, 1), ended))
            if partner.status == dataset.EXCLUDED:
                continue
            missing = partner.status == dataset.NOT_RECEIVED
            requests.append(RequestFact(reference(partner), "self-assessment", dataset.SAQ_DUE,
                                        None if missing else RECEIVED_ON, reminders=int(missing)))
            if missing:
                continue
            answers, sections, band = scored(partner, index)
            found = indicators_for("self-assessment", answers, sections)
            returns.append(ReturnFact(
                f"{index}", reference(partner), "self-assessment", RECEIVED_ON,
                found.compliance, found.intelligence, band,
                analysis_pending=partner.status == dataset.ANALYSIS_PENDING))
    return Facts(tuple(contracts), tuple(requests), tuple(returns), as_at=dataset.CLOCK_ENDS)


@pytest.fixture(scope="module")
def report() -> GovernanceReport:
    return governance_report(ROUND_HALF, facts_of_the_round())


def percents(shares) -> list[str]:
    return [f"{s.percent.normalize():f}" for s in shares]


def test_the_data_set_loads_in_the_default_half_year_of_its_clock():
    assert last_complete(dataset.CLOCK_ENDS) == ROUND_HALF
    assert all(day in ROUND_HALF for day in dataset.RECEIPT_DAYS)
    # Asked for on the day the round goes out, due in the half-year, overdue by the clock's end.
    assert dataset.ROUND_ISSUED <= max(dataset.RECEIPT_DAYS) <= dataset.SAQ_DUE
    assert dataset.SAQ_DUE in ROUND_HALF and dataset.SAQ_DUE < dataset.CLOCK_ENDS
    ids = [provider_id(p) for _, partners in ROSTER for p in partners]
    assert len(ids) == len(set(ids)) == 62


@pytest.mark.parametrize("service_type", ["care-home", "care-at-home"])
def test_the_band_table_is_002s(report, service_type):
    section = report.section(service_type)
    assert tuple(count for _, count in section.bands) == BANDS_002[service_type]


def test_who_was_in_scope_returned_and_was_analysed(report):
    homes, at_home = report.section("care-home").returns, report.section("care-at-home").returns
    assert (homes.contracts_in_scope, homes.contracts_ended, homes.returned,
            homes.analysed, homes.without_return) == (31, 1, 30, 30, 0)
    assert (at_home.contracts_in_scope, at_home.contracts_ended, at_home.returned,
            at_home.analysed, at_home.not_analysed, at_home.without_return) == (
        31, 0, 30, 29, 1, 1)


def test_the_saqs_asked_for_received_outstanding_and_chased(report):
    # The home whose ownership passed to the council was not asked (002 §3.3); the one care at
    # home provider that sent none is overdue and was reminded (002 §3.5).
    homes, at_home = report.section("care-home").returns, report.section("care-at-home").returns
    assert (homes.requested, homes.requested_received, homes.outstanding, homes.chased) == (
        30, 30, 0, 0)
    assert (at_home.requested, at_home.requested_received, at_home.outstanding,
            at_home.chased) == (31, 30, 1, 1)


@pytest.mark.parametrize("service_type", ["care-home", "care-at-home"])
def test_the_compliance_percentages_are_002s(report, service_type):
    section = report.section(service_type)
    assert percents(section.compliance) == COMPLIANCE_002[service_type]
    assert {s.of for s in section.compliance} == {30}


def test_the_intelligence_percentages_are_002s_where_whole_providers_can_give_them(report):
    assert percents(report.section("care-at-home").intelligence) == INTELLIGENCE_002[
        "care-at-home"]
    homes = percents(report.section("care-home").intelligence)
    # 002's 78.3% of 30 care homes would be 23.49 homes; 23 (76.7%) is the nearest whole
    # number (see assure/report/README.md). Every other figure is 002's.
    assert homes == ["36.7", "60", "76.7", "16.7", "33.3"]
    assert [Decimal(p) * 30 / 100 for p in INTELLIGENCE_002["care-home"]][2] == Decimal("23.49")


def test_no_self_assessment_scores_100_or_below_50_and_none_rates_red():
    bands = Counter()
    for _, partners in ROSTER:
        for index, partner in enumerate(partners):
            if partner.status in (dataset.EXCLUDED, dataset.NOT_RECEIVED):
                continue
            bands[scored(partner, index)[2]] += 1
    assert set(bands) == {"75-99%", "50-74%"}
    assert sum(bands.values()) == 60
