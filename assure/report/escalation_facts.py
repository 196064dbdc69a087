"""Interventions and escalations, read from escalation's stored events by event class name.

Escalation is being reworked, so the report does not lean on its application's methods: it
walks the store's notification log and folds the events it knows by name
(`<Aggregate>.<Event>`), ignoring the rest. If the service's events change, this is the one
function to adapt.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.utils import TopicError

from assure.report.facts import EscalationFact, InterventionFact

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
