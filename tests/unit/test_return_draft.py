"""A draft return: kept, replaced, discarded once sent, and never told to other services."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.application.integration import to_integration
from services.intake.domain.return_draft import ReturnDraft

pytestmark = pytest.mark.unit


def draft() -> ReturnDraft:
    return ReturnDraft(provider_id="oakwood", contract_reference="oakwood-c1",
                       form="cmr-level-1", period_start=date(2026, 4, 1),
                       period_end=date(2026, 7, 31), answers={"finance": {}}, by="Manager",
                       correlation_id="c")


def test_saving_again_replaces_the_answers_and_a_sent_draft_is_done_with():
    d = draft()
    d.save_answers({"finance": {"income": "1"}}, "Deputy", "c")
    assert (d.answers, d.saved_by, d.open) == ({"finance": {"income": "1"}}, "Deputy", True)
    d.discard_as_submitted("return-1", "c")
    d.discard_as_submitted("return-2", "c")  # once only
    assert (d.open, d.submitted_as) == (False, "return-1")
    d.save_answers({}, "Manager", "c")  # a new draft for the same period: a correction, say
    assert d.open


def test_a_draft_is_private_to_intake_so_it_is_never_scored():
    d = draft()
    d.save_answers({}, "Manager", "c")
    d.discard_as_submitted("return-1", "c")
    assert [to_integration(e) for e in d.collect_events()] == [None, None, None]


def test_the_same_contract_form_and_period_is_the_same_draft():
    assert ReturnDraft.create_id("oakwood-c1", "cmr-level-1", date(2026, 4, 1),
                                 date(2026, 7, 31)) == draft().id
    assert ReturnDraft.create_id("oakwood-c1", "kpi", date(2026, 4, 1),
                                 date(2026, 7, 31)) != draft().id
