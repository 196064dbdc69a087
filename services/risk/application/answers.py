"""A return's answers parsed once by its form and turned into what risk reads (`ReturnAnswers`).

Intake validated the answers against the form before it published them, so they parse; answers
that do not (a form risk has no model for, or a body from before a form changed) say nothing,
as a question the form does not ask says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from services.risk.domain.answers import (
    NOTHING_SAID,
    Headcount,
    OutcomesAchieved,
    ReturnAnswers,
    StaffFiles,
)
from shared.contracts.forms import (
    FORM_VERSIONS,
    FORMS,
    CmrLevel1,
    KpiReturn,
    Level2Return,
    Level3Return,
    SelfAssessment,
)
from shared.contracts.forms.common import Achievement, OutcomeReport


def answers_of(form: str, answers: Mapping[str, Any], version: int | None = None) -> ReturnAnswers:
    """The answers of a return on `form` (its latest version unless `version` is given)."""
    model = FORMS.get(form) if version is None else FORM_VERSIONS.get((form, version))
    reader = _READERS.get(form)
    if model is None or reader is None:
        return NOTHING_SAID
    try:
        return reader(model.model_validate(answers))
    except ValidationError:
        return NOTHING_SAID


def _cmr(record: CmrLevel1) -> ReturnAnswers:
    incidents = record.incidents_and_accidents
    complaints = record.comments_compliments_complaints
    files = record.safer_recruitment
    return ReturnAnswers(
        asp_training_percent=Decimal(record.adult_support_and_protection
                                     .training_compliance_percent),
        supervision_percent=Decimal(record.supervision_and_appraisal
                                    .supervision_compliance_percent),
        staffing=record.staffing.position,
        incidents=incidents.incidents,
        serious_incidents=incidents.serious_incidents,
        incidents_not_notified=sum(not note.notified_to_care_inspectorate
                                   for note in incidents.notable_incidents),
        complaints=complaints.complaints,
        complaints_upheld=complaints.complaints_upheld,
        staff_complement=record.sustainability.staff_complement,
        staff_on_long_term_leave=record.staffing.staff_on_long_term_leave,
        staff_files=StaffFiles(files.pvg_checks, files.references, files.sssc_registration,
                               files.hourly_rate_evidenced),
        six_monthly_reviews_up_to_date=record.reviews.six_monthly_reviews_up_to_date,
        surveys_done=record.satisfaction_surveys.surveys_done,
        mandatory_training_up_to_date=record.mandatory_training.up_to_date,
        management_changes=record.leadership_and_management.management_changes,
        capacity_concerns=record.sustainability.capacity_concerns,
        outcomes_rating=record.outcomes.rating,
    )


def _self_assessment(saq: SelfAssessment) -> ReturnAnswers:
    return ReturnAnswers(
        asp_training_percent=Decimal(saq.asp_training_percent),
        supervision_percent=Decimal(saq.supervisions_up_to_date_percent),
        staffing=saq.staffing,
        incidents=saq.incidents_this_period,
        management_changes=saq.management_changes,
        capacity_concerns=saq.capacity_or_vacancy_concerns,
        outcomes_met_percent=Decimal(saq.personal_outcomes_met_percent),
    )


def _achieved(outcomes: tuple[OutcomeReport, ...]) -> OutcomesAchieved:
    return OutcomesAchieved(sum(o.achieved is Achievement.ACHIEVED for o in outcomes),
                            len(outcomes))


def _level_2(level_2: Level2Return) -> ReturnAnswers:
    return ReturnAnswers(
        staffing=level_2.service_update.staffing,
        surveys_done=level_2.involvement_and_feedback.feedback_gathered,
        outcomes_achieved=_achieved(level_2.delivery_against_contract.outcomes),
    )


def _level_3(level_3: Level3Return) -> ReturnAnswers:
    return ReturnAnswers(outcomes_achieved=_achieved(level_3.outcomes),
                         feedback=level_3.feedback)


def _kpi(kpi: KpiReturn) -> ReturnAnswers:
    outcomes, complaints, turnover = kpi.kpi1, kpi.kpi3, kpi.kpi6
    return ReturnAnswers(
        outcomes_achieved=None if outcomes is None else OutcomesAchieved(
            outcomes.outcomes_achieved, outcomes.outcomes_set),
        complaints=None if complaints is None else complaints.complaints_received,
        complaints_upheld=0 if complaints is None else complaints.complaints_upheld,
        headcount=None if turnover is None else Headcount(
            turnover.headcount_start, turnover.headcount_end, turnover.leavers),
    )


_READERS: dict[str, Callable[[Any], ReturnAnswers]] = {
    CmrLevel1.form: _cmr,
    SelfAssessment.form: _self_assessment,
    Level2Return.form: _level_2,
    Level3Return.form: _level_3,
    KpiReturn.form: _kpi,
}
