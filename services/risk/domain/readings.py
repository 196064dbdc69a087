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
scores. Answers are read defensively (`indicators.read_number`): a reading the form does not give
is simply not made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.risk.domain.indicators import (
    CMR_LEVEL_1,
    KPI,
    SELF_ASSESSMENT,
    STAFFING_POSITION,
    Path,
    read_choice,
    read_number,
)
from services.risk.domain.rules import (
    AbsenceFigures,
    ComplaintCounts,
    ComplaintHistory,
    IncidentFigures,
    TurnoverFigures,
)
from shared.contracts.forms.common import StaffingLevel


@dataclass(frozen=True)
class ReturnFacts:
    """A return as risk keeps it: which form, which period, and its answers."""

    return_id: str
    form: str
    period_start: date
    period_end: date
    answers: Mapping[str, Any] = field(hash=False)


# Where each form records the counts the rules read: (this count, the serious among them).
INCIDENTS: dict[str, tuple[Path, Path | None]] = {
    CMR_LEVEL_1: (("incidents_and_accidents", "incidents"),
                  ("incidents_and_accidents", "serious_incidents")),
    SELF_ASSESSMENT: (("incidents_this_period",), None),
}
COMPLAINTS: dict[str, tuple[Path, Path]] = {
    CMR_LEVEL_1: (("comments_compliments_complaints", "complaints"),
                  ("comments_compliments_complaints", "complaints_upheld")),
    KPI: (("kpi3", "complaints_received"), ("kpi3", "complaints_upheld")),
}


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


def _count(answers: Mapping[str, Any], path: Path | None) -> int | None:
    number = read_number(answers, path)
    return int(number) if number is not None and number == int(number) else None


def _incidents(facts: ReturnFacts) -> IncidentFigures | None:
    paths = INCIDENTS.get(facts.form)
    if paths is None or (count := _count(facts.answers, paths[0])) is None:
        return None
    serious = _count(facts.answers, paths[1]) or 0
    return IncidentFigures(facts.return_id, facts.period_end, count, serious)


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
    paths = COMPLAINTS.get(facts.form)
    if paths is None or (received := _count(facts.answers, paths[0])) is None:
        return None
    return ComplaintCounts(facts.return_id, facts.period_end, received,
                           _count(facts.answers, paths[1]) or 0)


def complaint_history(current: ReturnFacts, earlier: Sequence[ReturnFacts]) -> \
        ComplaintHistory | None:
    """The complaints of this return and the earlier ones of the same form, oldest first."""
    latest = _complaints(current)
    if latest is None:
        return None
    return ComplaintHistory([*(c for r in earlier if (c := _complaints(r)) is not None), latest])


def turnover_figures(facts: ReturnFacts) -> TurnoverFigures | None:
    """KPI6: headcount at the start and end of the period, and leavers."""
    if facts.form != KPI:
        return None
    start, end, leavers = (_count(facts.answers, ("kpi6", key))
                           for key in ("headcount_start", "headcount_end", "leavers"))
    if start is None or end is None or leavers is None:
        return None
    return TurnoverFigures(facts.return_id, facts.period_start, facts.period_end, start, end,
                           leavers)


def absence_figures(facts: ReturnFacts) -> AbsenceFigures | None:
    """CMR 6a: staff on long-term leave against the staff complement, and shortages."""
    if facts.form != CMR_LEVEL_1:
        return None
    complement = _count(facts.answers, ("sustainability", "staff_complement"))
    on_leave = _count(facts.answers, ("staffing", "staff_on_long_term_leave"))
    if complement is None or on_leave is None:
        return None
    position = read_choice(facts.answers, STAFFING_POSITION[CMR_LEVEL_1])
    return AbsenceFigures(facts.return_id, facts.period_end, complement, on_leave,
                          position == StaffingLevel.SHORTAGES_LIMITING_SERVICE)
