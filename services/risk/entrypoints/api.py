"""risk's HTTP routes: a provider's risk profile and its issues and risk log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.risk.application import RiskAssessment
from services.risk.application.views import Listed, Page, ProfileFilter, RiskView, Standing
from services.risk.domain.indicators import Indicators, shares_saying_yes
from shared.http import CorrelationId, ProviderId, application_of, operations_router
from shared.security.actor import Actor
from shared.vocabulary import COMPLIANCE
from shared.vocabulary import INDICATOR_LABELS as LABELS

router = APIRouter(tags=["risk"])
router.include_router(operations_router("risk"))
App = Annotated[RiskAssessment, Depends(application_of("risk"))]
Text = Annotated[str, Field(min_length=1, max_length=5000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
ReturnId = Annotated[str, Path(min_length=1, max_length=100, description="The return's id")]


class Hold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


class Release(BaseModel):
    """Nothing to say: who releases the hold is the signed-in person."""

    model_config = ConfigDict(extra="forbid")


SCORE_FIELDS = ("return_id", "form", "period_start", "period_end", "corrects", "superseded_by",
                "indicators", "scores", "held", "holds")


def score_view(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in SCORE_FIELDS}


class Rescore(BaseModel):
    """Nothing to say: who asks for the rescore is the signed-in person."""

    model_config = ConfigDict(extra="forbid")


class Intelligence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Annotated[str, Field(min_length=1, max_length=64)]
    summary: Text
    source: Annotated[str, Field(min_length=1, max_length=64)]


class LogUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text


@router.get("/providers/{provider_id}/risk", response_model=RiskView)
def provider_risk(app: App, provider_id: ProviderId) -> RiskView:
    """The provider's latest risk score (higher means lower risk), band and open concerns."""
    return RiskView.of(app.profile(provider_id))


@router.get("/providers/{provider_id}/scores")
def provider_scores(app: App, provider_id: ProviderId) -> list[dict[str, Any]]:
    """Every return scored, by period, with every score it was given (oldest first), the
    explanation of each, the return's indicators, and whether its analysis is held."""
    return [score_view(record) for record in sorted(app.profile(provider_id).returns.values(),
                                                    key=lambda r: (r["period_end"], r["order"]))]


@router.post("/providers/{provider_id}/returns/{return_id}/hold")
def hold_analysis(app: App, provider_id: ProviderId, return_id: ReturnId, body: Hold,
                  correlation: CorrelationId, actor: Actor) -> dict[str, Any]:
    """Hold a return's analysis: until it is released its score leaves the provider's latest
    score and band, the trend and the risk level (concerns it raised stand)."""
    return score_view(app.hold_analysis(provider_id, return_id, body.reason, actor.display,
                                        correlation))


@router.post("/providers/{provider_id}/returns/{return_id}/release")
def release_analysis(app: App, provider_id: ProviderId, return_id: ReturnId, body: Release,
                     correlation: CorrelationId, actor: Actor) -> dict[str, Any]:
    """Release a held analysis: the return's score counts again."""
    return score_view(app.release_analysis(provider_id, return_id, actor.display, correlation))


@router.post("/providers/{provider_id}/rescore")
def rescore(app: App, provider_id: ProviderId, body: Rescore,
            correlation: CorrelationId, actor: Actor) -> dict[str, Any]:
    """Score the provider's returns again under the council's current model; the earlier
    scores stay in the history. Returns already scored under it are left as they are."""
    rescored = app.rescore(provider_id, actor.display, correlation)
    return {"model_version": app.configuration.model.version, "rescored": rescored,
            "risk": RiskView.of(app.profile(provider_id))}


@router.get("/indicators")
def indicators(app: App) -> dict[str, Any]:
    """002's indicators across providers: of those whose latest return says, the share saying
    yes to each (to one decimal place), worded as the governance report words them."""
    latest = app.latest_indicators()
    shares = shares_saying_yes(Indicators(r["compliance"], r["intelligence"]) for r in latest)
    return {
        "providers": len(latest),
        "indicators": [{"indicator": name, "wording": LABELS[name], "percent_saying_yes": share,
                        "kind": "compliance" if name in COMPLIANCE else "intelligence"}
                       for name, share in shares.items()],
    }


@router.get("/providers/{provider_id}/log")
def provider_log(app: App, provider_id: ProviderId) -> list[dict[str, Any]]:
    """The provider's issues and risk log: concerns and intelligence, follow-up and actions."""
    return list(app.profile(provider_id).log.values())


@router.post("/providers/{provider_id}/log", status_code=201)
def record_intelligence(
    app: App, provider_id: ProviderId, body: Intelligence, correlation: CorrelationId, actor: Actor,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, Any]:
    """Log an item of intelligence (recording the same key again changes nothing)."""
    return app.record_intelligence(provider_id, idempotency_key or correlation, body.category,
                                   body.summary, body.source, actor.display, correlation)


_CHANGES = {"follow-up": "agree_follow_up", "actions": "record_action", "resolve": "resolve"}


@router.post("/providers/{provider_id}/log/{entry_id}/{change}")
def update_log(
    app: App, provider_id: ProviderId, entry_id: str,
    change: Literal["follow-up", "actions", "resolve"], body: LogUpdate,
    correlation: CorrelationId, actor: Actor,
) -> dict[str, Any]:
    """Agree the follow-up, record an action taken, or resolve the entry with a reason."""
    profile = app.update_log(provider_id, entry_id, _CHANGES[change], body.text, actor.display,
                             correlation)
    return profile.entry(entry_id)


Band = Literal["100%", "75-99%", "50-74%", "below 50%"]
Level = Literal["low", "medium", "high"]
MonitoringLevel = Annotated[int | None, Query(ge=1, le=3)]
ServiceType = Annotated[str | None, Query(min_length=1, max_length=64)]
Limit = Annotated[int | None, Query(ge=1, le=10_000,
                                    description="At most this many rows (all if not given)")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip first")]
TOTAL = "X-Total-Count"  # how many rows the filters match, whatever the page


def listed(found: Listed) -> Response:
    """A page of a view's JSON documents as they are, with the count of all in a header."""
    return Response(found.json(), media_type="application/json",
                    headers={TOTAL: str(found.total)})


@router.get("/log", response_model=list[dict[str, Any]])
def all_logs(
    app: App, open_only: bool = True, band: Band | None = None, risk_level: Level | None = None,
    monitoring_level: MonitoringLevel = None, service_type: ServiceType = None,
    kind: Literal["concern", "intelligence"] | None = None, limit: Limit = None,
    offset: Offset = 0,
) -> Response:
    """Every provider's log entries, filtered by the provider's band, assessed risk level,
    contracts' monitoring level or service type, and by open entries and kind; worst provider
    first, paged by `limit` and `offset` (the count of all in X-Total-Count)."""
    where = ProfileFilter(band, risk_level, monitoring_level, service_type)
    return listed(app.log_across_providers(where, open_only, kind, Page(limit, offset)))


@router.get("/providers", response_model=list[Standing])
def providers_at_risk(
    app: App, band: Band | None = None, risk_level: Level | None = None,
    monitoring_level: MonitoringLevel = None, service_type: ServiceType = None,
    scored: Annotated[bool | None, Query(
        description="false: only the providers none of whose returns is scored yet; true: "
                    "only those with a band")] = None,
    limit: Limit = None, offset: Offset = 0,
) -> Response:
    """Every provider's latest score, band, trend against the score before it, risk level and
    open concerns, filtered like the log: the officers' dashboard, worst first (the lowest band,
    then the most open concerns, then the lowest score), paged by `limit` and `offset` (the
    count of all in X-Total-Count)."""
    where = ProfileFilter(band, risk_level, monitoring_level, service_type, scored)
    return listed(app.standings(where, Page(limit, offset)))
