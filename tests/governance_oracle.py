"""The governance report's facts as the report read them before its view (issue 15): from the
services' applications and escalation's stored events. Kept as the oracle the view is tested
against: for the same history both must give the same report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from eventsourcing.utils import TopicError

from assure.report.facts import (
    ContractFact,
    EscalationFact,
    Facts,
    InterventionFact,
    RequestFact,
    ReturnFact,
)
from services.intake.application.return_log import LogFilter
from services.risk.application.answers import answers_of
from services.risk.domain.indicators import indicators_for
from shared.eventstore import NotFound, ServiceApplication


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
    )


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
        # In the order intake recorded them (its history index keeps first appearances in
        # order): of two received the same day the report counts the later recorded.
        for received in intake.returns_for(contract.reference):
            indicators = indicators_for(received.form, answers_of(received.form, received.answers),
                                        received.sections)
            band, held = scores.get(str(received.id), (None, False))
            found.append(ReturnFact(
                return_id=str(received.id), contract_reference=received.contract_reference,
                form=received.form, submitted_on=received.submitted_on,
                compliance=indicators.compliance, intelligence=indicators.intelligence,
                band=band, analysis_pending=held,
                superseded=received.corrected_by is not None,
            ))
    return found


PAGE = 500
# Events that put an intervention at a level; most carry it as `level`, a suspension implies it.
LEVEL_IMPLIED = {"Suspended": "enforce"}
CLOSING = {"Closed", "Decommissioned"}


def escalation_facts(
    app: Any,
) -> tuple[tuple[InterventionFact, ...], tuple[EscalationFact, ...]]:
    """Every intervention (with its changes of level) and every escalation in the store."""
    if app is None:
        return (), ()
    interventions: dict[str, dict[str, Any]] = {}
    escalations: dict[str, dict[str, Any]] = {}
    for event in _events(app):
        aggregate, _, name = type(event).__qualname__.rpartition(".")
        key, on = str(event.originator_id), event.timestamp.date()
        if aggregate == "Intervention":
            _fold_intervention(interventions, key, name, on, event)
        elif aggregate == "Escalation":
            _fold_escalation(escalations, key, name, on, event)
    return (
        tuple(InterventionFact(intervention_id=k, **v) for k, v in interventions.items()
              if "opened_on" in v),
        tuple(EscalationFact(escalation_id=k, **v) for k, v in escalations.items()
              if "proposed_on" in v),
    )


def _events(app: Any) -> Any:
    position = 0
    while page := app.recorder.select_notifications(start=position, limit=PAGE,
                                                    inclusive_of_start=False):
        for notification in page:
            position = notification.id
            try:
                yield app.mapper.to_domain_event(notification)
            except TopicError:  # an event class no longer there: not one the report counts
                continue


def _fold_intervention(found: dict[str, dict[str, Any]], key: str, name: str, on: date,
                       event: Any) -> None:
    if name == "Opened":
        found[key] = {"provider_id": event.provider_id, "opened_on": on, "levels": (),
                      "contract_reference": getattr(event, "contract_reference", None)}
    record = found.get(key)
    if record is None:
        return
    level = getattr(event, "level", None) or LEVEL_IMPLIED.get(name)
    if isinstance(level, str):
        record["levels"] = (*record["levels"], (on, level))
    if name in CLOSING:
        record["closed_on"] = on


def _fold_escalation(found: dict[str, dict[str, Any]], key: str, name: str, on: date,
                     event: Any) -> None:
    if name == "Proposed":
        found[key] = {"provider_id": event.provider_id, "step": str(event.step),
                      "proposed_on": on}
    elif name == "Approved" and key in found:
        found[key]["approved_on"] = on
