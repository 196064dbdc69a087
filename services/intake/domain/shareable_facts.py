"""Which of our facts an agreement with another council may share: suspensions, decommissions
and breach notices from escalation, serious concerns from risk (never one raised by reading
another council's fact), each named by what it rests on so its withdrawal finds it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import singledispatch
from typing import Any

from shared.contracts import escalation, risk
from shared.contracts.envelope import Envelope, IntegrationEvent
from shared.contracts.sharing import Category

# Concerns raised here by the rules that read another council's facts (risk's `shared-*`
# rules) are never shared on: two councils would otherwise echo one fact back and forth.
RECEIVED_RULE_PREFIX = "shared-"


@dataclass(frozen=True)
class Fact:
    """A fact of ours that an agreement may share: its category, what it rests on (the key its
    withdrawal finds it by), its day, its plain values and any free text."""

    category: Category
    source: str
    occurred_on: date
    details: dict[str, Any]
    text: str | None = None
    contract_reference: str | None = None  # only this contract's service, if set


# Which of our facts an agreement may share ------------------------------------------------------


@singledispatch
def fact_from(event: IntegrationEvent, envelope: Envelope | None) -> Fact | None:
    """Upstream events that are not a shareable fact share nothing."""
    return None


@fact_from.register
def _(event: escalation.ProviderSuspended, envelope: Envelope | None) -> Fact:
    return Fact(Category.SUSPENSION, f"suspension:{event.escalation_id}", event.on, {})


@fact_from.register
def _(event: escalation.ProviderDecommissioned, envelope: Envelope | None) -> Fact:
    return Fact(Category.DECOMMISSION, f"decommission:{event.escalation_id}", event.on, {},
                contract_reference=event.contract_reference)


@fact_from.register
def _(event: escalation.BreachNoticeIssued, envelope: Envelope | None) -> Fact:
    return Fact(Category.BREACH_NOTICE, f"breach-notice:{event.notice_id}", event.issued_on,
                {"due_on": event.comply_by}, text=event.deficiency)


@fact_from.register
def _(event: risk.ConcernRaised, envelope: Envelope | None) -> Fact | None:
    if event.severity is not risk.Severity.SERIOUS or (event.rule or "").startswith(
            RECEIVED_RULE_PREFIX) or envelope is None:
        return None
    return Fact(Category.SERIOUS_CONCERN, f"concern:{event.concern_id}", envelope.time.date(),
                {"severity": event.severity.value}, text=event.summary)
