"""risk's HTTP routes: a provider's current risk profile."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from services.risk.application import RiskAssessment
from shared.http import ProviderId, application_of, operations_router

router = APIRouter(tags=["risk"])
router.include_router(operations_router("risk"))
App = Annotated[RiskAssessment, Depends(application_of("risk"))]


class RiskView(BaseModel):
    provider_id: str
    latest_score: Decimal | None
    latest_band: str | None
    returns_scored: int
    open_concerns: list[str]


@router.get("/providers/{provider_id}/risk", response_model=RiskView)
def provider_risk(app: App, provider_id: ProviderId) -> RiskView:
    """The provider's latest risk score (higher means lower risk), band and open concerns."""
    profile = app.profile(provider_id)
    return RiskView(
        provider_id=provider_id,
        latest_score=profile.latest_score,
        latest_band=profile.latest_band,
        returns_scored=len(profile.scored_returns),
        open_concerns=profile.open_concerns,
    )
