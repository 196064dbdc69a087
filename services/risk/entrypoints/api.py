"""risk's HTTP routes: a provider's risk profile and its issues and risk log."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, ConfigDict, Field

from services.risk.application import RiskAssessment
from services.risk.domain.risk_profile import RiskProfile
from shared.http import CorrelationId, ProviderId, application_of, operations_router

router = APIRouter(tags=["risk"])
router.include_router(operations_router("risk"))
App = Annotated[RiskAssessment, Depends(application_of("risk"))]
Text = Annotated[str, Field(min_length=1, max_length=5000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class RiskView(BaseModel):
    provider_id: str
    latest_score: Decimal | None
    latest_band: str | None
    risk_level: str | None
    returns_scored: int
    open_concerns: list[str]

    @classmethod
    def of(cls, profile: RiskProfile) -> RiskView:
        return cls(
            provider_id=profile.provider_id, latest_score=profile.latest_score,
            latest_band=profile.latest_band, risk_level=profile.risk_level,
            returns_scored=len(profile.scored_returns), open_concerns=profile.open_concerns,
        )


class Intelligence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Annotated[str, Field(min_length=1, max_length=64)]
    summary: Text
    source: Annotated[str, Field(min_length=1, max_length=64)]
    recorded_by: Name


class LogUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    by: Name


@router.get("/providers/{provider_id}/risk", response_model=RiskView)
def provider_risk(app: App, provider_id: ProviderId) -> RiskView:
    """The provider's latest risk score (higher means lower risk), band and open concerns."""
    return RiskView.of(app.profile(provider_id))


@router.get("/providers/{provider_id}/log")
def provider_log(app: App, provider_id: ProviderId) -> list[dict[str, Any]]:
    """The provider's issues and risk log: concerns and intelligence, follow-up and actions."""
    return list(app.profile(provider_id).log.values())


@router.post("/providers/{provider_id}/log", status_code=201)
def record_intelligence(
    app: App, provider_id: ProviderId, body: Intelligence, correlation: CorrelationId,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, Any]:
    """Log an item of intelligence (recording the same key again changes nothing)."""
    return app.record_intelligence(provider_id, idempotency_key or correlation, body.category,
                                   body.summary, body.source, body.recorded_by, correlation)


_CHANGES = {"follow-up": "agree_follow_up", "actions": "record_action", "resolve": "resolve"}


@router.post("/providers/{provider_id}/log/{entry_id}/{change}")
def update_log(
    app: App, provider_id: ProviderId, entry_id: str,
    change: Literal["follow-up", "actions", "resolve"], body: LogUpdate,
    correlation: CorrelationId,
) -> dict[str, Any]:
    """Agree the follow-up, record an action taken, or resolve the entry with a reason."""
    profile = app.update_log(provider_id, entry_id, _CHANGES[change], body.text, body.by,
                             correlation)
    return profile.entry(entry_id)


@router.get("/log")
def all_logs(
    app: App, open_only: bool = True,
    band: Literal["100%", "75-99%", "50-74%", "below 50%"] | None = None,
) -> list[dict[str, Any]]:
    """Every provider's log entries, filtered by the provider's band and open entries."""
    rows = []
    for profile in app.profiles():
        if band and profile.latest_band != band:
            continue
        for entry in profile.log.values():
            if not open_only or entry["status"] == "open":
                rows.append({"provider_id": profile.provider_id, "band": profile.latest_band,
                             **entry})
    return rows
