"""One HTTP entry point for the services running in this process, with OpenAPI docs."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Response
from fastapi.responses import HTMLResponse

from assure import api_docs, console, operations
from assure.audit import audit_router
from assure.headers import SecurityHeaders
from assure.report.api import router as reports_router
from assure.reporting.api import router as views_router
from assure.security import guarded, provider_finder, sign_in_router, verifier_for
from assure.services import ALL
from shared.eventstore import ServiceApplication
from shared.http import install_error_handlers, reading_the_clock
from shared.messaging.relay import OUTBOX
from shared.security.guard import Guard
from shared.settings import AssureSettings

DESCRIPTION = (
    "Contract monitoring and quality assurance for commissioned social care. Each service's "
    "routes sit under its name: /intake, /risk, /escalation, /notify."
)


# Request bodies: evidence files may be 10 MB; nothing else needs more than 1 MB. The import
# routes set their own, larger limit beside their documented one (intake's entrypoints).
MAX_BODY = {"intake": 11 * 1024 * 1024}
DEFAULT_MAX_BODY = 1024 * 1024


def create_app(apps: dict[str, ServiceApplication],
               settings: AssureSettings | None = None) -> FastAPI:
    """The entry point; with settings whose `auth_required` is on (the default), every route
    but health, docs and sign-in needs a bearer token and a role the matrix allows."""
    app = FastAPI(title="Assure", version="0.1.0", description=DESCRIPTION,
                  docs_url=None, redoc_url=None)
    app.add_middleware(SecurityHeaders)
    app.state.services = apps
    api_docs.install(app)
    app.state.trusted_proxies = settings.trusted_proxy_networks if settings else ()
    app.state.sign_in_required = bool(settings is not None and settings.auth_required)
    install_error_handlers(app)
    guard = None
    if settings is not None and settings.auth_required:
        guard = Guard(verifier_for(settings), provider_finder(apps))
        app.include_router(sign_in_router(settings), max_body_size=DEFAULT_MAX_BODY)
    for service in ALL:
        if service.name in apps:
            app.include_router(service.router, prefix=f"/{service.name}",
                               dependencies=[*guarded(guard, f"/{service.name}"),
                                             Depends(reading_the_clock(service.name))],
                               max_body_size=MAX_BODY.get(service.name, DEFAULT_MAX_BODY))

    @app.get("/health", tags=["system"])
    def health() -> dict[str, Any]:
        """Each store's last notification and how far its relay has published."""
        return {
            "status": "ok",
            "services": {
                name: {
                    "recorded": service.recorder.max_notification_id() or 0,
                    "published": service.position(OUTBOX),
                }
                for name, service in apps.items()
            },
        }

    app.include_router(audit_router(apps), dependencies=guarded(guard, ""),
                       max_body_size=DEFAULT_MAX_BODY)
    app.include_router(reports_router, dependencies=guarded(guard, ""),
                       max_body_size=DEFAULT_MAX_BODY)
    app.include_router(views_router, dependencies=guarded(guard, ""),
                       max_body_size=DEFAULT_MAX_BODY)
    operations.install(app, settings)

    if settings is not None:
        console.install(app, settings)

    @app.get("/asyncapi.json", tags=["system"], response_class=Response)
    def asyncapi() -> Response:
        """The AsyncAPI catalogue of integration events."""
        # FastStream makes it: imported when it is asked for, not on every start.
        from assure.asyncapi import asyncapi_json

        return Response(asyncapi_json(), media_type="application/json")

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def index() -> str:
        return (
            "<!DOCTYPE html><html lang='en-GB'><title>Assure</title><h1>Assure</h1><p>"
            "<a href='/console/'>Sign in to the console</a>. The API is documented at "
            "<a href='/docs'>/docs</a>; the events at <a href='/asyncapi.json'>/asyncapi.json"
            "</a>.</p></html>"
        )

    return app
