"""What intake knew of a provider at a moment, from its aggregates replayed to that moment."""

from __future__ import annotations

from typing import Any

from services.intake.domain.contract import Contract
from services.intake.domain.provider import Provider
from services.intake.domain.return_request import ReturnRequest


def summary(aggregates: list[Any]) -> dict[str, Any]:
    """The provider, its contracts at their monitoring levels, and the returns still owed."""
    provider = next((a for a in aggregates if isinstance(a, Provider)), None)
    return {
        "provider": None if provider is None else {
            "name": provider.name,
            "suspended": bool(getattr(provider, "suspended_by_escalation", None)),
        },
        "contracts": [
            {"reference": c.reference, "service_type": c.service_type,
             "monitoring_level": getattr(c, "level", None), "annual_value": c.annual_value,
             "assessed_risk": c.assessed_risk, "ended_on": getattr(c, "ended_on", None)}
            for c in aggregates if isinstance(c, Contract)
        ],
        "returns_owed": [
            {"contract_reference": r.contract_reference, "form": r.form,
             "period_start": r.period_start, "period_end": r.period_end, "due_on": r.due_on,
             "status": r.status.value}
            for r in aggregates
            if isinstance(r, ReturnRequest) and r.status.value in ("requested", "overdue")
        ],
    }
