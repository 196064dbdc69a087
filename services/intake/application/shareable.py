"""Which of our facts an agreement may share, read from the integration event that states it:
suspensions, decommissions and breach notices from escalation, serious concerns from risk."""

from __future__ import annotations

from functools import singledispatch

from services.intake.domain.shareable_facts import RECEIVED_RULE_PREFIX, Fact
from shared.contracts import escalation, risk
from shared.contracts.envelope import Envelope, IntegrationEvent
from shared.vocabulary import Category


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
