"""The governance report: the balanced scorecard of 002 for a period, per service type (§9).

A pure function of plain facts (`facts.py`): for each service type with contracts live in the
period, the returns due, received and outstanding; each compliance indicator as a share of
providers; the risk-score band table; each intelligence indicator as a share; interventions
open by level at the period's end; escalations raised and approved in the period.

How it counts (written down in assure/report/README.md):

- A provider partner is a contract, as 002 counts them. Each contract counts once, by its
  latest monitoring return received in the period (KPI returns are not monitoring returns;
  a corrected return gives way to its correction).
- Indicators are shares of the contracts whose return says (analysed or not, as 002 counts
  the questionnaires completed); the band table counts only returns analysed: scored by risk
  and not held by the council.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from assure.report.facts import ContractFact, Facts, RequestFact, ReturnFact
from assure.report.period import Period
from shared.contracts.escalation import Level
from shared.contracts.risk import Band
from shared.vocabulary import COMPLIANCE, INTELLIGENCE, ServiceType
from shared.vocabulary import INDICATOR_LABELS as LABELS

KPI_FORM = "kpi"
# As 002 heads its sections; other service types read as their names do.
SERVICE_LABELS: dict[str, str] = {
    ServiceType.CARE_HOME.value: "Care homes",
    ServiceType.CARE_AT_HOME.value: "Care and support at home",
}


def service_label(service_type: str) -> str:
    return SERVICE_LABELS.get(service_type) or service_type.replace("-", " ").capitalize()


@dataclass(frozen=True)
class Share:
    """How many of the providers whose return says, say yes; as a percentage to 1 dp (002)."""

    indicator: str
    wording: str
    yes: int
    of: int

    @property
    def percent(self) -> Decimal | None:
        if not self.of:
            return None
        exact = Decimal(self.yes) * 100 / self.of
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Returns:
    """Returns for the period: asked for and received, per contract of one service type."""

    contracts_in_scope: int  # live at some time in the period
    contracts_ended: int  # of those, ended by the period's end (out of scope from then)
    requested: int  # returns the council asked for that fell due in the period
    requested_received: int
    outstanding: int  # asked for, due in the period, not received
    chased: int  # outstanding with a reminder sent
    returned: int  # contracts with a monitoring return received in the period
    without_return: int  # contracts still live at the end with none received in the period
    analysed: int  # of those returned, scored by risk and not held

    @property
    def not_analysed(self) -> int:
        return self.returned - self.analysed


@dataclass(frozen=True)
class ServiceTypeReport:
    service_type: str
    label: str
    returns: Returns
    compliance: tuple[Share, ...]
    bands: tuple[tuple[str, int], ...]
    intelligence: tuple[Share, ...]
    interventions_open: tuple[tuple[str, int], ...]
    escalations_raised: int
    escalations_approved: int

    @property
    def band_total(self) -> int:
        return sum(count for _, count in self.bands)


@dataclass(frozen=True)
class GovernanceReport:
    period: Period
    as_at: date | None
    sections: tuple[ServiceTypeReport, ...]
    notes: tuple[str, ...] = ()

    def section(self, service_type: str) -> ServiceTypeReport:
        return next(s for s in self.sections if s.service_type == service_type)


def governance_report(period: Period, facts: Facts) -> GovernanceReport:
    """The balanced scorecard of 002 for `period`, one section per service type."""
    in_scope = [c for c in facts.contracts if c.live_during(period.start, period.end)]
    order = {kind.value: index for index, kind in enumerate(ServiceType)}
    kinds = sorted({c.service_type for c in in_scope}, key=lambda k: (order.get(k, 99), k))
    per_kind = _by_service_type(facts, in_scope)
    sections = tuple(_section(kind, period, per_kind[kind], in_scope) for kind in kinds)
    return GovernanceReport(period, facts.as_at, sections, facts.notes)


def _by_service_type(facts: Facts, in_scope: list[ContractFact]) -> dict[str, Facts]:
    """The returns and requests of each service type's contracts, sorted once, so each section
    reads its own and not every one (the same figures; tens of thousands of rows at scale)."""
    kind_of = {c.reference: c.service_type for c in in_scope}
    returns: dict[str, list[ReturnFact]] = defaultdict(list)
    requests: dict[str, list[RequestFact]] = defaultdict(list)
    for found in facts.returns:
        returns[kind_of.get(found.contract_reference, "")].append(found)
    for asked in facts.requests:
        requests[kind_of.get(asked.contract_reference, "")].append(asked)
    return {kind: replace(facts, returns=tuple(returns[kind]), requests=tuple(requests[kind]))
            for kind in set(kind_of.values())}


def _section(kind: str, period: Period, facts: Facts,
             in_scope: list[ContractFact]) -> ServiceTypeReport:
    contracts = {c.reference: c for c in in_scope if c.service_type == kind}
    latest = latest_returns(facts.returns, set(contracts), period)
    providers = {c.provider_id for c in contracts.values()}
    escalations = [e for e in facts.escalations if e.provider_id in providers]
    return ServiceTypeReport(
        service_type=kind,
        label=service_label(kind),
        returns=_returns(contracts, latest, facts, period),
        compliance=tuple(_share(name, latest.values(), "compliance") for name in COMPLIANCE),
        bands=_bands(latest.values()),
        intelligence=tuple(_share(name, latest.values(), "intelligence")
                           for name in INTELLIGENCE),
        interventions_open=_interventions_open(facts, contracts, period.end),
        escalations_raised=sum(e.proposed_on in period for e in escalations),
        escalations_approved=sum(e.approved_on in period for e in escalations),
    )


def latest_returns(returns: Iterable[ReturnFact], references: set[str],
                   period: Period) -> dict[str, ReturnFact]:
    """Each contract's latest monitoring return received in the period (corrections win).

    `returns` come in the order they were recorded: of two received the same day the later
    recorded counts, as risk's dashboard takes the last recorded for a provider's latest."""
    latest: dict[str, ReturnFact] = {}
    for found in returns:
        if (found.contract_reference not in references or found.form == KPI_FORM
                or found.submitted_on not in period):
            continue
        held = latest.get(found.contract_reference)
        if held is None or _rank(found) >= _rank(held):
            latest[found.contract_reference] = found
    return latest


def _rank(found: ReturnFact) -> tuple[bool, date]:
    return (not found.superseded, found.submitted_on)


def is_analysed(found: ReturnFact) -> bool:
    return found.band is not None and not found.analysis_pending


def _returns(contracts: dict[str, ContractFact], latest: dict[str, ReturnFact], facts: Facts,
             period: Period) -> Returns:
    requests = [r for r in facts.requests
                if r.contract_reference in contracts and r.due_on in period]
    received = [r for r in requests if r.submitted_on is not None]
    outstanding = [r for r in requests if r.submitted_on is None]
    live_at_end = [ref for ref, c in contracts.items() if not c.ended_by(period.end)]
    return Returns(
        contracts_in_scope=len(contracts),
        contracts_ended=len(contracts) - len(live_at_end),
        requested=len(requests),
        requested_received=len(received),
        outstanding=len(outstanding),
        chased=sum(r.reminders > 0 for r in outstanding),
        returned=len(latest),
        without_return=sum(ref not in latest for ref in live_at_end),
        analysed=sum(is_analysed(r) for r in latest.values()),
    )


def _share(name: str, returns: Iterable[ReturnFact], kind: str) -> Share:
    said = [getattr(r, kind).get(name) for r in returns]
    answers = [value for value in said if value is not None]
    return Share(name, LABELS[name], sum(answers), len(answers))


def _bands(returns: Iterable[ReturnFact]) -> tuple[tuple[str, int], ...]:
    analysed = [r.band for r in returns if is_analysed(r)]
    return tuple((band.value, analysed.count(band.value)) for band in Band)


def _interventions_open(facts: Facts, contracts: dict[str, ContractFact],
                        day: date) -> tuple[tuple[str, int], ...]:
    providers = {c.provider_id for c in contracts.values()}
    levels = []
    for intervention in facts.interventions:
        # An intervention about one contract counts under that contract's service type; one
        # about the provider counts under each service type the provider delivers.
        if intervention.contract_reference is not None:
            ours = intervention.contract_reference in contracts
        else:
            ours = intervention.provider_id in providers
        level = intervention.level_on(day) if ours else None
        if level is not None:
            levels.append(level)
    return tuple((level.value, levels.count(level.value)) for level in Level)
