"""The operators' routes: liveness, readiness and Prometheus metrics (issue 19).

`/health/live` and `/health/ready` are open, as probes need. `/metrics` tells how busy each
store is, so it answers only callers on this machine (a scraper beside the process) or one
sending `Authorization: Bearer <ASSURE_METRICS_TOKEN>` when that is set.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from assure.security import from_this_machine
from shared.observability import tracing
from shared.observability.context import Correlated
from shared.observability.health import readiness
from shared.observability.metrics import CONTENT_TYPE, Metrics, TimedRequests
from shared.settings import AssureSettings

router = APIRouter(tags=["system"])


def install(app: FastAPI, settings: AssureSettings | None) -> None:
    app.state.metrics = Metrics(app.state.services)
    app.state.ready_max_lag = settings.ready_max_lag if settings else 5000
    app.state.metrics_token = settings.metrics_token if settings else ""
    app.add_middleware(TimedRequests, histogram=app.state.metrics.requests)
    app.add_middleware(Correlated)
    app.include_router(router)
    if settings is not None:
        tracing.configure(settings)
    tracing.instrument(app)


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process answers: nothing more is checked, so a busy system is not restarted."""
    return {"status": "live"}


@router.get("/health/ready", response_model=None)
async def ready(request: Request) -> JSONResponse:
    """200 when every service here can work now (NATS connected, relays running, nothing
    lagging past the limit); 503 naming what is not, otherwise."""
    ok, services = await readiness(request.app.state.services,
                                   getattr(request.app.state, "runtimes", ()),
                                   request.app.state.ready_max_lag)
    return JSONResponse({"status": "ready" if ok else "not ready", "services": services},
                        status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus's text format: requests, events, lags, consumers, dead letters, store size."""
    token = request.app.state.metrics_token
    sent = request.headers.get("authorization", "")
    allowed = from_this_machine(request) or (
        token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()))
    if not allowed:
        return JSONResponse({"detail": "metrics are for this machine, or a scraper sending the "
                             "bearer token ASSURE_METRICS_TOKEN"}, status_code=403)
    body = await request.app.state.metrics.render(getattr(request.app.state, "runtimes", ()))
    return Response(body, media_type=CONTENT_TYPE)
