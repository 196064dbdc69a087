"""Routes for a provider's timeline and briefing, and for noticing deadlines that passed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.escalation.entrypoints.common import App
from shared.clock import check_sane
from shared.http import CorrelationId, IsoDate, ProviderId

router = APIRouter(tags=["escalation"])


@router.get("/providers/{provider_id}/timeline")
def timeline(app: App, provider_id: ProviderId) -> dict[str, Any]:
    """The timeline of events since concerns became significant and persistent (000)."""
    found = app.timeline(provider_id)
    return {
        "provider_id": provider_id,
        "started": found.started,
        "started_at": found.started_at,
        "why": found.why,
        "entries": [vars(entry) for entry in found.entries],
    }


@router.get("/providers/{provider_id}/briefing")
def briefing(app: App, provider_id: ProviderId, as_of: IsoDate | None = None) -> dict[str, Any]:
    """A briefing for service managers, commissioners and heads of service, at any point."""
    made = app.briefing(provider_id, as_of or app.clock())
    return {
        "provider_id": provider_id,
        "as_of": made.as_of,
        "timeline_started": made.timeline.started,
        "interventions": [vars(s) for s in made.standings],
        "text": made.text,
    }


@router.post("/deadlines/check")
def check_deadlines(
    app: App, correlation: CorrelationId, today: IsoDate | None = None
) -> dict[str, Any]:
    """Records every deadline passed unmet by `today` (the council's date if not given), once."""
    checked = app.check_deadlines(check_sane(today or app.clock(), "today"), correlation)
    return {
        "today": checked.today,
        "missed": checked.missed,
        "breach_notices_failed": checked.notices_failed,
    }
