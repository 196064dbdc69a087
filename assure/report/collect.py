"""Reads the report's facts for a period from the governance view (assure/reporting).

The view is fed only by the integration events the services publish; each query selects the
period's rows through an index, so the report's cost follows the period, not the history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from assure.report.facts import Facts
from assure.report.period import Period
from shared.eventstore import ServiceApplication

TIME_NOTE = (
    "Returns are counted by the date intake received them and requests by their due date, on "
    "the council's calendar clock; interventions and escalations by the time escalation "
    "recorded them."
)
PENDING_NOTE = (
    "A return counts as analysed once risk has scored it, unless an officer holds its analysis "
    "(the council has not yet done it): a held return is left out of the band table until it "
    "is released; its indicators still count."
)


def collect(view: Any, period: Period, as_at: date | None) -> Facts:
    """Everything the governance report needs for `period`, from the view."""
    start, end = period.start, period.end
    return Facts(
        contracts=tuple(view.contracts(start, end)),
        requests=tuple(view.requests(start, end)),
        returns=tuple(view.returns(start, end)),
        interventions=tuple(view.interventions(start, end)),
        escalations=tuple(view.escalations(start, end)),
        as_at=as_at,
        notes=(TIME_NOTE, PENDING_NOTE),
    )


def today(apps: Mapping[str, ServiceApplication]) -> date:
    """The council's calendar date (intake's clock), else the date today."""
    intake: Any = apps.get("intake")
    return intake.today() if intake is not None else date.today()
