"""Each stored event of escalation told as one sentence in UK dates, for timelines."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from shared.uk import clause, long_date
from shared.uk import sentence as ended

Data = Mapping[str, Any]


def _uk(value: Any) -> str:
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, str):
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _issues(d: Data) -> str:
    issues = d.get("issues_raised") or []
    return f"; issues raised: {', '.join(issues)}" if issues else ""


def _who(name: str) -> str:
    # Steps the system proposes itself carry a machine name; people read what stands behind it.
    return "The proportionality policy" if name.startswith("assure:") else name


def _times(count: int) -> str:
    return {2: "twice now"}.get(count, f"{count} times now")


def _notes(d: Data) -> str:
    return f" ({d['notes']})" if d.get("notes") else ""


_INTERVENTION: dict[str, Callable[[Data], str]] = {
    "Opened": lambda d: (
        f"Intervention opened at {d['level'].title()}"
        + (f" by {d['opened_by']}" if d.get("opened_by") else " for a concern")
        + f": {ended(d['reason'])} Next step: {d['step']}"
    ),
    "ConcernAdded": lambda d: (
        f"A further {d['severity']} concern: {ended(d['summary'])} Level "
        f"{d['level'].title()}, next step: {d['step']}"
    ),
    "ConcernRecurred": lambda d: (
        f"The {d['severity']} concern came up again ({_times(d['occurrences'])}): "
        f"{ended(d['summary'])} Level {d['level'].title()}, next step: {d['step']}"
    ),
    "PolicyOverridden": lambda d: (
        f"{d['officer']} overrode the policy ({d['policy_level']}, "
        f"{d['policy_step']}) with {d['level']}, {d['step']}: {d['reason']}"
    ),
    "EngagementRecorded": lambda d: (
        f"The provider's engagement recorded by {d['recorded_by']} "
        f"on {_uk(d['on'])}: {d['engagement']}" + (f" ({d['note']})" if d.get("note") else "")
    ),
    "StepTaken": lambda d: (
        f"{d['step'].capitalize()} on {_uk(d['on'])} by {d['by']}"
        f"{_notes(d)}{_issues(d)}. Rating: {d['rating']}"
    ),
    "DeadlineMissed": lambda d: (
        f"Deadline missed: {d['deadline']}, due {_uk(d['due_on'])}. Next step: {d['next_step']}"
    ),
    "IssueEscalated": lambda d: (
        f"{d['raised_by']} escalated the issue to {', '.join(d['recipients'])}: {d['reason']}"
    ),
    "SeriousStepProposed": lambda d: f"{d['proposed_by']} proposed a {d['step']}: {d['reason']}",
    "SeriousStepDecided": lambda d: (
        f"The {d['step']} was "
        f"{'approved' if d['approved'] else 'not approved'} by {d['decided_by']}"
    ),
    "Suspended": lambda d: (
        f"Provider suspended on {_uk(d['on'])}, approved by {d['approved_by']}: no new awards"
    ),
    "Decommissioned": lambda d: f"Decommission approved by {d['approved_by']} on {_uk(d['on'])}",
    "Closed": lambda d: f"Intervention closed on {_uk(d['on'])} by {d['closed_by']}: {d['reason']}",
}
_PLAN: dict[str, Callable[[Data], str]] = {
    "Requested": lambda d: (
        f"Improvement plan requested on {_uk(d['requested_on'])} by "
        f"{d['requested_by']}: due by {_uk(d['plan_due'])}, reviewed by {_uk(d['review_due'])}, "
        f"targets met and a visit by {_uk(d['targets_due'])}"
    ),
    "Directed": lambda d: (
        f"Directed improvement plan issued on {_uk(d['directed_on'])} by "
        f"{d['directed_by']} with {len(d['actions'])} action(s): reviewed by "
        f"{_uk(d['review_due'])}, targets met by {_uk(d['targets_due'])}"
    ),
    "Received": lambda d: (
        f"Improvement plan received on {_uk(d['received_on'])} with "
        f"{len(d['actions'])} SMART action(s)"
    ),
    "Reviewed": lambda d: (
        f"Improvement plan reviewed on {_uk(d['reviewed_on'])}: "
        + ("on track" if d["on_track"] else "not on track")
        + _notes(d)
    ),
    "Achieved": lambda d: f"Improvement plan achieved on {_uk(d['on'])}{_notes(d)}",
    "NotAchieved": lambda d: f"Improvement plan not achieved ({_uk(d['on'])}){_notes(d)}",
}
_NOTICE: dict[str, Callable[[Data], str]] = {
    "Issued": lambda d: (
        f"Breach notice issued on {_uk(d['issued_on'])} by {d['issued_by']}: "
        f"{ended(d['deficiency'])} Action required: {clause(d['action_required'])}, by "
        f"{_uk(d['comply_by'])}"
    ),
    "Met": lambda d: f"Breach notice met on {_uk(d['on'])}",
    "Failed": lambda d: (
        f"Breach notice not met by {_uk(d['comply_by'])}: "
        f"{' or '.join(d['options'])} to be considered, and the regulator notified"
    ),
    "RegulatorNotified": lambda d: f"{d['regulator']} notified on {_uk(d['on'])} by {d['by']}",
}
_ESCALATION: dict[str, Callable[[Data], str]] = {
    "Proposed": lambda d: f"{_who(d['proposed_by'])} proposed a {d['step']} for approval",
    "Approved": lambda d: (
        f"The {d['step']} was approved by {d['approver']} ({d['role'].replace('_', ' ')})"
    ),
    "Rejected": lambda d: f"The {d['step']} was rejected by {d['approver']}: {d['reason']}",
    "Withdrawn": lambda d: (
        f"The proposed {d['step']} was withdrawn by {_who(d['by'])}: {d['reason']}"
    ),
}
_BY_AGGREGATE = {
    "Intervention": _INTERVENTION,
    "ImprovementPlan": _PLAN,
    "DirectedImprovementPlan": _PLAN,
    "BreachNotice": _NOTICE,
    "Escalation": _ESCALATION,
}


def sentence(aggregate: str, event: str, data: Data) -> str:
    """What happened, for a reader who was not there."""
    told = _BY_AGGREGATE.get(aggregate, {}).get(event)
    return told(data) if told else f"{aggregate} {event}"
