"""Integration-event contracts: the only things that cross NATS."""

from shared.contracts import escalation, intake, notify, risk, sharing
from shared.contracts.envelope import (
    Envelope,
    IntegrationEvent,
    UnknownEventType,
    registered_contracts,
    subject_for,
    unwrap,
    wrap,
)

__all__ = [
    "Envelope",
    "IntegrationEvent",
    "UnknownEventType",
    "escalation",
    "intake",
    "notify",
    "registered_contracts",
    "risk",
    "sharing",
    "subject_for",
    "unwrap",
    "wrap",
]
