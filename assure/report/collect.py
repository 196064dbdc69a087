"""Reads the report's facts from the running services' applications (as the gateway has them).

Intake and risk are read through their public application methods; escalation is read from its
stored events by event class name (`escalation_facts.py`), so its rewrite changes one function.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from assure.report.escalation_facts import escalation_facts
from assure.report.facts import ContractFact, Facts, RequestFact, ReturnFact
from services.intake.return_log import LogFilter
from services.risk.domain.indicators import indicators_for
from shared.eventstore import NotFound, ServiceApplication

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


def collect(apps: Mapping[str, ServiceApplication]) -> Facts:
    """Everything the governance report needs, from the services running here."""
    intake: Any = apps.get("intake")
    if intake is None:
        raise NotFound("the governance report reads intake's contracts and returns, and intake "
                       "does not run here")
    contracts = intake.contracts()
    scores = _risk_readings(apps.get("risk"))
    interventions, escalations = escalation_facts(apps.get("escalation"))
    return Facts(
        contracts=tuple(_contract(c) for c in contracts),
        requests=tuple(_request(row) for row in intake.return_log(LogFilter())),
        returns=tuple(_returns(intake, contracts, scores)),
        interventions=interventions,
        escalations=escalations,
        as_at=intake.today(),
        notes=(TIME_NOTE, PENDING_NOTE),
    )


def today(apps: Mapping[str, ServiceApplication]) -> date:
    """The council's calendar date (intake's clock), else the date today."""
    intake: Any = apps.get("intake")
    return intake.today() if intake is not None else date.today()


def _contract(contract: Any) -> ContractFact:
    return ContractFact(contract.reference, contract.provider_id, contract.service_type,
                        contract.start_date, contract.end_date)


def _request(row: Any) -> RequestFact:
    return RequestFact(row.contract_reference, row.form, row.due_on, row.submitted_on,
                       len(row.reminders))


def _risk_readings(risk: Any) -> dict[str, tuple[str, bool]]:
    """Each scored return's latest band, and whether an officer holds its analysis."""
    if risk is None:
        return {}
    return {return_id: (record["scores"][-1]["band"], record["held"])
            for profile in risk.profiles() for return_id, record in profile.returns.items()}


def _returns(intake: Any, contracts: list[Any],
             scores: dict[str, tuple[str, bool]]) -> list[ReturnFact]:
    found = []
    for contract in contracts:
        for received in intake.returns_for(contract.reference):
            indicators = indicators_for(received.form, received.answers)
            band, held = scores.get(str(received.id), (None, False))
            found.append(ReturnFact(
                return_id=str(received.id), contract_reference=received.contract_reference,
                form=received.form, submitted_on=received.submitted_on,
                compliance=indicators.compliance, intelligence=indicators.intelligence,
                band=band, analysis_pending=held,
                superseded=received.corrected_by is not None,
            ))
    return found
