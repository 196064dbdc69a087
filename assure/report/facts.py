"""What the governance report is computed from: plain facts read from the services' stores.

The report itself (`governance.py`) is a pure function of these, so it is tested without I/O;
`collect.py` reads them from the running applications.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ContractFact:
    """A contract, from intake: its service type and the dates it was live."""

    reference: str
    provider_id: str
    service_type: str
    start_date: date
    end_date: date | None = None

    def live_during(self, start: date, end: date) -> bool:
        return self.start_date <= end and (self.end_date is None or self.end_date >= start)

    def ended_by(self, day: date) -> bool:
        return self.end_date is not None and self.end_date <= day


@dataclass(frozen=True)
class RequestFact:
    """A return the council asked for (a row of the return log) and what became of it."""

    contract_reference: str
    form: str
    due_on: date
    submitted_on: date | None = None
    reminders: int = 0


@dataclass(frozen=True)
class ReturnFact:
    """A monitoring return received, its 002 indicators and the band risk scored it into.

    `band` is None while the return is not scored; `analysis_pending` is True while an officer
    holds its analysis in risk (the council has not yet done it; README: "not yet analysed").
    """

    return_id: str
    contract_reference: str
    form: str
    submitted_on: date
    compliance: dict[str, bool | None] = field(default_factory=dict)
    intelligence: dict[str, bool | None] = field(default_factory=dict)
    band: str | None = None
    analysis_pending: bool = False
    superseded: bool = False


@dataclass(frozen=True)
class InterventionFact:
    """An intervention on the Encourage / Enable / Enforce ladder, with each change of level."""

    intervention_id: str
    provider_id: str
    contract_reference: str | None
    opened_on: date
    levels: tuple[tuple[date, str], ...]
    closed_on: date | None = None

    def level_on(self, day: date) -> str | None:
        """The level the intervention stood at on `day`, or None if it was not open then."""
        if self.opened_on > day or (self.closed_on is not None and self.closed_on <= day):
            return None
        known = [level for changed_on, level in self.levels if changed_on <= day]
        return known[-1] if known else None


@dataclass(frozen=True)
class EscalationFact:
    """A serious step proposed (raised) and, if so, when a second person approved it."""

    escalation_id: str
    provider_id: str
    step: str
    proposed_on: date
    approved_on: date | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the report reads, as plain values."""

    contracts: tuple[ContractFact, ...] = ()
    requests: tuple[RequestFact, ...] = ()
    returns: tuple[ReturnFact, ...] = ()  # in the order intake recorded them (ties: latest wins)
    interventions: tuple[InterventionFact, ...] = ()
    escalations: tuple[EscalationFact, ...] = ()
    as_at: date | None = None
    notes: tuple[str, ...] = ()

