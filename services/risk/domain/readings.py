"""What a return says to the poor-performance rules, read against the provider's earlier returns.

"Prior returns also being reviewed ... to identify any trends" (004 App. 3): each return is
turned into the plain readings the rules of §6 take, some of them built from the provider's
earlier returns of the same form (a CMR is compared with CMRs, a KPI return with KPI returns,
so two forms covering the same months never count the same complaints twice).

- CMR LEVEL 1: incidents and the serious incidents among them (section 2c; notifications to
  the Care Inspectorate are not read as serious, since care services notify routine events such
  as a fall without injury), complaints received and upheld (section 4), and staff absence (6a:
  staff on long-term leave against the staff complement of the sustainability section).
- Self-assessment: incidents this period.
- KPI return: complaints (KPI3) and staff turnover (KPI6).

The score history and the scored return itself are read by the risk profile, which knows the
scores. A reading the return's form does not give is simply not made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.risk.domain.answers import ReturnAnswers
from services.risk.domain.rules import (
    AbsenceFigures,
    ComplaintCounts,
    ComplaintHistory,
    IncidentFigures,
    TurnoverFigures,
)
from shared.vocabulary import StaffingLevel


@dataclass(frozen=True)
class ReturnFacts:
    """A return as risk reads it: which form, which period, and its answers."""

    return_id: str
    form: str
    period_start: date
    period_end: date
    answers: ReturnAnswers


def readings_for(current: ReturnFacts, earlier: Sequence[ReturnFacts]) -> list[object]:
    """Every reading the return gives, those about trends read against `earlier` returns."""
    same_form = [r for r in earlier if r.form == current.form and
                 r.period_end < current.period_end]
    found = [
        incident_figures(current, same_form),
        complaint_history(current, same_form),
        turnover_figures(current),
        absence_figures(current),
    ]
    return [reading for reading in found if reading is not None]


def _incidents(facts: ReturnFacts) -> IncidentFigures | None:
    answers = facts.answers
    if answers.incidents is None:
        return None
    return IncidentFigures(facts.return_id, facts.period_end, answers.incidents,
                           answers.serious_incidents)


def incident_figures(current: ReturnFacts, earlier: Sequence[ReturnFacts]) -> \
        IncidentFigures | None:
    """This return's incidents, with the latest earlier return's of the same form as `previous`."""
    figures = _incidents(current)
    if figures is None:
        return None
    before = [f for r in sorted(earlier, key=lambda r: r.period_end)
              if (f := _incidents(r)) is not None]
    return IncidentFigures(figures.return_id, figures.period_end, figures.incidents,
                           figures.serious_incidents, before[-1] if before else None)


def _complaints(facts: ReturnFacts) -> ComplaintCounts | None:
    answers = facts.answers
    if answers.complaints is None:
        return None
    return ComplaintCounts(facts.return_id, facts.period_end, answers.complaints,
                           answers.complaints_upheld)


def complaint_history(current: ReturnFacts, earlier: Sequence[ReturnFacts]) -> \
        ComplaintHistory | None:
    """The complaints of this return and the earlier ones of the same form, oldest first."""
    latest = _complaints(current)
    if latest is None:
        return None
    return ComplaintHistory([*(c for r in earlier if (c := _complaints(r)) is not None), latest])


def turnover_figures(facts: ReturnFacts) -> TurnoverFigures | None:
    """KPI6: headcount at the start and end of the period, and leavers."""
    headcount = facts.answers.headcount
    if headcount is None:
        return None
    return TurnoverFigures(facts.return_id, facts.period_start, facts.period_end,
                           headcount.start, headcount.end, headcount.leavers)


def absence_figures(facts: ReturnFacts) -> AbsenceFigures | None:
    """CMR 6a: staff on long-term leave against the staff complement, and shortages."""
    answers = facts.answers
    if answers.staff_complement is None or answers.staff_on_long_term_leave is None:
        return None
    return AbsenceFigures(facts.return_id, facts.period_end, answers.staff_complement,
                          answers.staff_on_long_term_leave,
                          answers.staffing == StaffingLevel.SHORTAGES_LIMITING_SERVICE)
