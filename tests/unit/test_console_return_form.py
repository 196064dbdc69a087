"""The provider portal's return form: every form's answers go onto the page and come back
as the API reads them, and what the API refuses lands beside the field it names."""

from __future__ import annotations

from typing import Any

import pytest

from assure.console.return_form import (
    Schema,
    answers_from,
    fields_of,
    problems_on,
    shown,
    slots_in_answers,
    slots_in_post,
)
from shared.contracts.forms import FORMS, example

pytestmark = pytest.mark.unit


def posted_page(form: str, answers: dict[str, Any]) -> dict[str, Any]:
    """What a browser sends back for a page showing these answers, untouched."""
    schema = Schema(FORMS[form].model_json_schema())
    posted: dict[str, Any] = {}
    for f in fields_of(schema.groups(slots_in_answers(answers))):
        value = shown(f, answers)
        if f.kind == "date":
            posted.update({f"{f.path}.{part}": text for part, text in value.items()})
        elif value not in ("", []):
            posted[f.path] = value
    return posted


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_forms_answers_go_onto_the_page_and_come_back_the_same(form):
    sent = example(form)
    schema = Schema(FORMS[form].model_json_schema())
    posted = posted_page(form, sent) | {"period_start": sent["period_start"],
                                        "period_end": sent["period_end"]}
    back = answers_from(schema.groups(slots_in_post(posted)), posted)
    assert FORMS[form].model_validate(back) == FORMS[form].model_validate(sent)


def test_a_blank_answer_is_left_out_and_a_wrong_number_is_kept_as_typed():
    schema = Schema(FORMS["cmr-level-1"].model_json_schema())
    posted = posted_page("cmr-level-1", example("cmr-level-1"))
    posted["leadership_and_management.summary"] = "  "
    posted["sustainability.vacancies"] = "a few"
    posted["finance.income"] = "£412,000.50"
    answers = answers_from(schema.groups(slots_in_post(posted)), posted)
    assert "summary" not in answers["leadership_and_management"]
    assert answers["sustainability"]["vacancies"] == "a few"
    assert answers["finance"]["income"] == "412000.50"


def test_what_the_api_refuses_is_named_beside_its_field_in_page_order():
    schema = Schema(FORMS["cmr-level-1"].model_json_schema())
    fields = fields_of(schema.groups(slots_in_answers(example("cmr-level-1"))))
    messages, errors = problems_on(fields, {
        "answers.sustainability.vacancies": "Input should be greater than or equal to 0",
        "answers.adult_support_and_protection.training_compliance_percent.decimal":
            "Input should be a valid decimal",
        "answers.introduction_and_matters_arising.meeting_date":
            "the date 1 March 2026 is outside the period",
        "answers.staffing": "Field required",
    })
    assert errors == [
        {"text": "Sustainability: vacancies must be 0 or more",
         "href": "#sustainability-vacancies"},
        {"text": "1. Introduction and matters arising: meeting date: the date 1 March 2026 is "
                 "outside the period",
         "href": "#introduction_and_matters_arising-meeting_date-day"},
        {"text": "5. Adult support and protection: training compliance percent must be a "
                 "number, like 12.5",
         "href": "#adult_support_and_protection-training_compliance_percent"},
        {"text": "6a. Staffing: select position", "href": "#staffing-position"},
    ]
    assert messages["sustainability.vacancies"] == errors[0]["text"]
