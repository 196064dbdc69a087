"""Return forms: the typed, versioned contract between a provider and intake (domain-rules §4).

Each form is a frozen pydantic model naming its `form` and `version`, covering one period: it
carries the provider's answers and checks them, and judges nothing. The rules that rate a
return's sections, which intake publishes and risk scores, are intake's
(services/intake/domain/section_ratings.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from shared.contracts.forms import cmr_level_1, kpi, level_2, level_3, self_assessment
from shared.contracts.forms.cmr_level_1 import CmrLevel1
from shared.contracts.forms.common import FormModel
from shared.contracts.forms.kpi import KpiReturn
from shared.contracts.forms.level_2 import Level2Return
from shared.contracts.forms.level_3 import Level3Return
from shared.contracts.forms.self_assessment import SelfAssessment
from shared.vocabulary import LEVEL_FORMS, UnknownForm, form_for_level

__all__ = [
    "FORMS",
    "FORM_VERSIONS",
    "LEVEL_FORMS",
    "CmrLevel1",
    "FormModel",
    "KpiReturn",
    "Level2Return",
    "Level3Return",
    "SelfAssessment",
    "UnknownForm",
    "example",
    "form_for_level",
    "parse_form",
]


_MODELS: tuple[type[FormModel], ...] = (
    CmrLevel1, Level2Return, Level3Return, KpiReturn, SelfAssessment,
)
_EXAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    CmrLevel1.form: cmr_level_1.example,
    Level2Return.form: level_2.example,
    Level3Return.form: level_3.example,
    KpiReturn.form: kpi.example,
    SelfAssessment.form: self_assessment.example,
}

FORM_VERSIONS: dict[tuple[str, int], type[FormModel]] = {
    (model.form, model.version): model for model in _MODELS
}
FORMS: dict[str, type[FormModel]] = {
    form: FORM_VERSIONS[(form, version)]
    for form, version in sorted(FORM_VERSIONS)  # the latest version of each name wins
}
# Which form each monitoring level is sent (LEVEL_FORMS, form_for_level) is plain vocabulary that
# intake's domain reads too, so it lives in shared.vocabulary and is re-exported here (issue 17).


def parse_form(form: str, version: int, data: dict[str, Any]) -> FormModel:
    """Validates a return body against the named form and version."""
    try:
        model = FORM_VERSIONS[(form, version)]
    except KeyError:
        known = ", ".join(f"{name} v{v}" for name, v in sorted(FORM_VERSIONS))
        raise UnknownForm(f"no form {form!r} version {version}; known: {known}") from None
    return model.model_validate(data)


def example(
    form: str, period_start: date | None = None, period_end: date | None = None
) -> dict[str, Any]:
    """A valid, realistic body for the latest version of `form`, with nothing of concern.

    Given a period, the example is moved into it: every date keeps its distance from the start
    of the period and is kept inside it, so a provider sees the return it actually owes.
    """
    try:
        body = _EXAMPLES[form]()
    except KeyError:
        raise UnknownForm(f"no form {form!r}; known: {', '.join(sorted(FORMS))}") from None
    if period_start is None or period_end is None:
        return body
    shift = period_start - date.fromisoformat(body["period_start"])
    moved = _move_dates(body, shift, period_start, period_end)
    moved["period_start"], moved["period_end"] = period_start.isoformat(), period_end.isoformat()
    return moved


def _move_dates(value: Any, shift: timedelta, first: date, last: date) -> Any:
    if isinstance(value, dict):
        return {k: _move_dates(v, shift, first, last) for k, v in value.items()}
    if isinstance(value, list):
        return [_move_dates(v, shift, first, last) for v in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            moved = date.fromisoformat(value) + shift
        except ValueError:
            return value
        return min(max(moved, first), last).isoformat()
    return value
