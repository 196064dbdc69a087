"""Plain-English wording of notifications, with no more personal data than needed."""

from __future__ import annotations

from functools import singledispatch

from shared.contracts import escalation, intake, risk
from shared.contracts.envelope import IntegrationEvent
from shared.uk import long_date


@singledispatch
def compose(event: IntegrationEvent) -> tuple[str, str]:
    """Subject line and body for an event."""
    return event.event_type, f"{event.event_type} for provider {event.provider_id}."


@compose.register
def _(event: risk.ConcernRaised) -> tuple[str, str]:
    urgency = "URGENT - people's safety may be at risk. " if event.safety_at_risk else ""
    subject = f"{urgency}Concern raised about provider {event.provider_id}"
    body = (
        f"{urgency}A {event.severity.value} {event.category} concern was raised from "
        f"{event.source}: {event.summary}. Concern reference {event.concern_id}."
    )
    return subject, body


@compose.register
def _(event: intake.ReturnRequested) -> tuple[str, str]:
    period = f"{long_date(event.period_start)} to {long_date(event.period_end)}"
    return (
        f"Return requested for contract {event.contract_reference}: due {long_date(event.due_on)}",
        f"Please send your {_form_name(event.form)} for {period} by {long_date(event.due_on)}. "
        "The form and a worked example are on your return page.",
    )


@compose.register
def _(event: intake.ReturnOverdue) -> tuple[str, str]:
    return (
        f"Reminder: return overdue for contract {event.contract_reference}",
        f"Your {_form_name(event.form)} was due on {long_date(event.due_on)} and has not been "
        "received. Please send it as soon as you can, or tell your contract manager why not.",
    )


def _form_name(form: str) -> str:
    names = {
        "cmr-level-1": "contract monitoring return",
        "return-level-2": "six-monthly monitoring return",
        "return-level-3": "annual monitoring return",
        "kpi": "KPI return",
        "self-assessment": "self-assessment questionnaire",
    }
    return names.get(form, "return")


@compose.register
def _(event: escalation.EscalationProposed) -> tuple[str, str]:
    return (
        f"Approval needed: {event.step} for provider {event.provider_id}",
        f"{_proposer(event.proposed_by)} proposed a {event.step} ({event.reason}). A second, "
        "authorised "
        f"person must approve or reject it. Escalation reference {event.escalation_id}.",
    )


@compose.register
def _(event: escalation.EscalationApproved) -> tuple[str, str]:
    return (
        f"Approved: {event.step} for provider {event.provider_id}",
        f"{event.approved_by} ({event.approver_role.replace('_', ' ')}) approved the "
        f"{event.step}. Escalation reference {event.escalation_id}.",
    )


def _proposer(proposed_by: str) -> str:
    # Steps the system proposes itself carry a machine name; people read who stands behind it.
    if proposed_by.startswith("assure:"):
        return "Assure, following the council's proportionality policy,"
    return proposed_by
