"""A return's answers as risk reads them: typed, by attribute, None where the form does not ask.

The application parses each submitted return once by its form and fills these in
(services/risk/application/answers.py); the scoring rules (`model.py`), the readings for the
poor-performance rules (`readings.py`) and 002's indicators (`indicators.py`) read them by
attribute. Which question of which form gives each answer:

- ASP training and supervision percentages: CMR sections 5 and 6b, and the self-assessment.
- Staffing position: CMR 6a, the self-assessment and LEVEL 2's service update.
- Incidents: CMR 2c (with the serious ones and those not notified to the Care Inspectorate)
  and the self-assessment's incidents this period.
- Complaints: CMR section 4 and KPI3. Staff turnover figures: KPI6. Staff complement and staff
  on long-term leave: CMR sustainability and 6a. Staff files: CMR 6d.
- 002's indicators: reviews (CMR 2b), surveys (CMR 3, LEVEL 2 feedback gathered), mandatory
  training (CMR 6c), management changes and capacity concerns (CMR and self-assessment),
  outcomes (the self-assessment's share met, the CMR's outcomes rating, the outcomes achieved
  of LEVEL 2, LEVEL 3 and KPI1) and LEVEL 3's feedback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.vocabulary import Rating, StaffingLevel


@dataclass(frozen=True)
class OutcomesAchieved:
    """Outcomes reported: how many were achieved of how many."""

    achieved: int
    of: int


@dataclass(frozen=True)
class Headcount:
    """KPI6: staff at the start and end of the period, and leavers."""

    start: int
    end: int
    leavers: int


@dataclass(frozen=True)
class StaffFiles:
    """CMR 6d: whether the staff files checked show each safer recruitment check."""

    pvg_checks: bool
    references: bool
    sssc_registration: bool
    hourly_rate_evidenced: bool


@dataclass(frozen=True)
class ReturnAnswers:
    """What a return says to risk; None where its form does not ask."""

    asp_training_percent: Decimal | None = None
    supervision_percent: Decimal | None = None
    staffing: StaffingLevel | None = None
    incidents: int | None = None
    serious_incidents: int = 0
    incidents_not_notified: int = 0
    complaints: int | None = None
    complaints_upheld: int = 0
    headcount: Headcount | None = None
    staff_complement: int | None = None
    staff_on_long_term_leave: int | None = None
    staff_files: StaffFiles | None = None
    six_monthly_reviews_up_to_date: bool | None = None
    surveys_done: bool | None = None
    mandatory_training_up_to_date: bool | None = None
    management_changes: bool | None = None
    capacity_concerns: bool | None = None
    outcomes_met_percent: Decimal | None = None
    outcomes_rating: Rating | None = None
    outcomes_achieved: OutcomesAchieved | None = None
    feedback: str | None = None


NOTHING_SAID = ReturnAnswers()
# Reads a return risk keeps (its id, form and answers as sent) into its answers: the
# application's parser, handed to the profile for the returns it reads again.
AnswersOf = Callable[[str, str, Mapping[str, Any]], ReturnAnswers]
