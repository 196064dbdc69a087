"""What each published integration event writes into the governance view.

An `eventsourcing.projection.Projection` over the view (a tracking recorder): it turns an event,
in its envelope, into rows, and the view commits them with the event's tracking position. Only
published integration events are read, never a service's private store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from functools import singledispatch
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from assure.reporting.view import Applied, GovernanceViewMixin, Row
from shared.contracts import escalation, intake, notify, risk
from shared.contracts.envelope import Envelope, IntegrationEvent, unwrap

ENFORCE = escalation.Level.ENFORCE.value


class GovernanceProjection(Projection[Any]):
    """Keeps the governance report's view from the streams of intake, risk, escalation and
    notify."""

    name = "governance"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Applies one envelope on its own (tests; the feed applies batches)."""
        self.view.apply([applied(domain_event, tracking)], f"{tracking.application_name}!", 0)

    def process_batch(self, batch: Sequence[Applied], stream_name: str, stream_seq: int) -> int:
        return self.view.apply(batch, stream_name, stream_seq)

    @property
    def governance(self) -> GovernanceViewMixin:
        return self.view


def applied(envelope: Envelope, tracking: Tracking) -> Applied:
    """The rows one envelope writes, with its tracking position."""
    return Applied(tracking.application_name, tracking.notification_id,
                   rows_for(unwrap(envelope), envelope, tracking.notification_id))


@singledispatch
def rows_for(event: IntegrationEvent, envelope: Envelope, position: int) -> list[Row]:
    """Events the report does not count write nothing (their position is still tracked)."""
    return []


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _on(envelope: Envelope) -> str:
    """The day the producer recorded the event (UTC), as the report has always counted
    interventions and escalations."""
    return envelope.time.date().isoformat()


# intake ---------------------------------------------------------------------------------------


@rows_for.register
def _(event: intake.ContractAwarded, envelope: Envelope, position: int) -> list[Row]:
    return [Row("INSERT INTO {contracts} VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (event.contract_reference, event.provider_id, event.service_type,
                 event.start_date.isoformat(), _iso(event.end_date)))]


@rows_for.register
def _(event: intake.ContractEnded, envelope: Envelope, position: int) -> list[Row]:
    return [Row("INSERT INTO {contract_ends} VALUES (?, ?) ON CONFLICT (reference) DO UPDATE "
                "SET ended_on = excluded.ended_on",
                (event.contract_reference, event.ended_on.isoformat()))]


@rows_for.register
def _(event: intake.ReturnRequested, envelope: Envelope, position: int) -> list[Row]:
    return [Row("INSERT INTO {requests} VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (event.request_id, event.contract_reference, event.form,
                 event.due_on.isoformat()))]


@rows_for.register
def _(event: intake.ReturnSubmitted, envelope: Envelope, position: int) -> list[Row]:
    # Version 1 messages carry no calendar date: the day it was recorded is the nearest.
    on = (event.submitted_on or event.submitted_at.date()).isoformat()
    rows = [Row("INSERT INTO {returns} VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (event.return_id, event.contract_reference, event.form, on, position))]
    if event.request_id:  # the first return for a request fulfils it; corrections do not
        rows.append(Row("INSERT INTO {fulfilments} VALUES (?, ?) ON CONFLICT DO NOTHING",
                        (event.request_id, on)))
    if event.corrects:
        rows.append(Row("INSERT INTO {corrections} VALUES (?) ON CONFLICT DO NOTHING",
                        (event.corrects,)))
    return rows


# notify: a provider reminded of an overdue return is how the return log counts it chased.


@rows_for.register
def _(event: notify.NotificationDelivered, envelope: Envelope, position: int) -> list[Row]:
    if (event.about_event_type != "ReturnOverdue" or not event.reference
            or not event.recipient.startswith("provider-")):
        return []
    return [Row("INSERT INTO {reminders} VALUES (?) ON CONFLICT DO NOTHING", (event.reference,))]


# risk -----------------------------------------------------------------------------------------


@rows_for.register
def _(event: risk.RiskScored, envelope: Envelope, position: int) -> list[Row]:
    indicators = event.indicators
    return [Row(
        "INSERT INTO {scores} AS cur VALUES (?, ?, ?, ?, ?) ON CONFLICT (return_id) DO UPDATE SET "
        "band = excluded.band, compliance = excluded.compliance, "
        "intelligence = excluded.intelligence, position = excluded.position "
        "WHERE excluded.position > cur.position",
        (event.return_id, event.band.value,
         json.dumps(indicators.compliance if indicators else {}),
         json.dumps(indicators.intelligence if indicators else {}), position))]


def _held(return_id: str, held: bool, position: int) -> list[Row]:
    return [Row(
        "INSERT INTO {holds} AS cur VALUES (?, ?, ?) ON CONFLICT (return_id) DO UPDATE SET "
        "held = excluded.held, position = excluded.position "
        "WHERE excluded.position > cur.position", (return_id, int(held), position))]


@rows_for.register
def _(event: risk.ReturnAnalysisHeld, envelope: Envelope, position: int) -> list[Row]:
    return _held(event.return_id, True, position)


@rows_for.register
def _(event: risk.ReturnAnalysisReleased, envelope: Envelope, position: int) -> list[Row]:
    return _held(event.return_id, False, position)


# escalation -----------------------------------------------------------------------------------


def _level(intervention_id: str, level: str, envelope: Envelope, position: int) -> Row:
    return Row("INSERT INTO {levels} VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
               (intervention_id, position, _on(envelope), level))


@rows_for.register
def _(event: escalation.InterventionOpened, envelope: Envelope, position: int) -> list[Row]:
    return [Row("INSERT INTO {interventions} VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (event.intervention_id, event.provider_id, event.contract_reference,
                 _on(envelope))),
            _level(event.intervention_id, event.level.value, envelope, position)]


@rows_for.register(escalation.InterventionConcernAdded)
@rows_for.register(escalation.InterventionConcernRecurred)
@rows_for.register(escalation.PolicyOverridden)
@rows_for.register(escalation.InterventionStepTaken)
@rows_for.register(escalation.DeadlineMissed)
def _(event: Any, envelope: Envelope, position: int) -> list[Row]:
    return [_level(event.intervention_id, event.level.value, envelope, position)]


@rows_for.register
def _(event: escalation.ProviderSuspended, envelope: Envelope, position: int) -> list[Row]:
    return [_level(event.intervention_id, ENFORCE, envelope, position)]  # suspension is Enforce


@rows_for.register(escalation.InterventionClosed)
@rows_for.register(escalation.ProviderDecommissioned)
def _(event: Any, envelope: Envelope, position: int) -> list[Row]:
    return [Row("INSERT INTO {closures} VALUES (?, ?) ON CONFLICT DO NOTHING",
                (event.intervention_id, _on(envelope)))]


@rows_for.register
def _(event: escalation.EscalationProposed, envelope: Envelope, position: int) -> list[Row]:
    return [Row("INSERT INTO {escalations} VALUES (?, ?, ?, ?, NULL) ON CONFLICT (escalation_id) "
                "DO UPDATE SET provider_id = excluded.provider_id, step = excluded.step, "
                "proposed_on = excluded.proposed_on",
                (event.escalation_id, event.provider_id, event.step, _on(envelope)))]


@rows_for.register
def _(event: escalation.EscalationApproved, envelope: Envelope, position: int) -> list[Row]:
    return [Row("INSERT INTO {escalations} (escalation_id, approved_on) VALUES (?, ?) "
                "ON CONFLICT (escalation_id) DO UPDATE SET approved_on = excluded.approved_on",
                (event.escalation_id, _on(envelope)))]
