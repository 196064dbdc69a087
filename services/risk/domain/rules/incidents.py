"""Incidents: serious incidents recorded, and incidents up on the previous return.

000 lists "the level of serious incidents recorded" as a poor-performance example; 002 counts
"incidents up on the pre-period" among the compliance indicators, each return read against the
provider's earlier ones (004 App. 3). A LEVEL 1 return counts its serious incidents (death or
serious injury, 004 §15) in section 2c; notifications to the Care Inspectorate are not read as
serious, since services notify routine events too (`readings.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from services.risk.domain.rules.trigger import Trigger, plural, whole
from shared.uk import long_date
from shared.vocabulary import Severity


@dataclass(frozen=True)
class IncidentFigures:
    """One return's incident counts, with the provider's previous return's where there is one."""

    return_id: str
    period_end: date
    incidents: int
    serious_incidents: int = 0
    previous: IncidentFigures | None = None


@dataclass(frozen=True)
class SeriousIncidentsRaiseAConcern:
    """More than `limit` serious incidents in a return raises a serious concern (000).

    Default: 0, so a single serious incident is enough. Serious incidents are about people's
    safety (004 §15, "serious adverse incidents (death, serious injury)").
    """

    limit: int = 0
    name: ClassVar[str] = "serious-incidents"
    reads: ClassVar[type] = IncidentFigures

    def __post_init__(self) -> None:
        whole(self.limit, "limit")

    def check(self, figures: IncidentFigures) -> Trigger | None:
        if figures.serious_incidents <= self.limit:
            return None
        above = f", above the limit of {self.limit}" if self.limit else ""
        were = "was" if figures.serious_incidents == 1 else "were"
        return Trigger(
            rule=self.name,
            category="serious incidents",
            severity=Severity.SERIOUS,
            summary=(
                f"{plural(figures.serious_incidents, 'serious incident')} {were} recorded in the "
                f"return for the period to {long_date(figures.period_end)}{above}."
            ),
            safety_at_risk=True,
            evidence=(figures.return_id,),
        )


@dataclass(frozen=True)
class IncidentsUpOnThePreviousReturnRaiseAConcern:
    """Incidents up by more than `rise_above` on the previous return raise a concern (002, 000).

    Default: 0, so any rise counts, as 002's "incidents up on the pre-period" reads.
    """

    rise_above: int = 0
    name: ClassVar[str] = "incidents-up"
    reads: ClassVar[type] = IncidentFigures

    def __post_init__(self) -> None:
        whole(self.rise_above, "rise_above")

    def check(self, figures: IncidentFigures) -> Trigger | None:
        previous = figures.previous
        if previous is None or figures.incidents - previous.incidents <= self.rise_above:
            return None
        return Trigger(
            rule=self.name,
            category="incidents",
            severity=Severity.MODERATE,
            summary=(
                f"Incidents rose from {previous.incidents} in the return for the period to "
                f"{long_date(previous.period_end)} to {figures.incidents} in the return for "
                f"the period to {long_date(figures.period_end)}."
            ),
            safety_at_risk=False,
            evidence=(previous.return_id, figures.return_id),
        )
