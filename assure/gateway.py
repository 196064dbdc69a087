"""One HTTP entry point for the services running in this process, with OpenAPI docs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse

from assure.asyncapi import asyncapi_json
from assure.services import ALL
from shared.eventstore import ServiceApplication
from shared.http import ProviderId, install_error_handlers
from shared.messaging.relay import OUTBOX

DESCRIPTION = (
    "Contract monitoring and quality assurance for commissioned social care. Each service's "
    "routes sit under its name: /intake, /risk, /escalation, /notify."
)


def create_app(apps: dict[str, ServiceApplication]) -> FastAPI:
    app = FastAPI(title="Assure", version="0.1.0", description=DESCRIPTION)
    app.state.services = apps
    install_error_handlers(app)
    for service in ALL:
        if service.name in apps:
            app.include_router(service.router, prefix=f"/{service.name}")

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

    @app.get("/history/{provider_id}", tags=["system"])
    def history(provider_id: ProviderId) -> list[dict[str, Any]]:
        """A provider's events from every service here, merged in time order."""
        return merge([service.history(provider_id) for service in apps.values()])

    @app.get("/asyncapi.json", tags=["system"], response_class=Response)
    def asyncapi() -> Response:
        """The AsyncAPI catalogue of integration events."""
        return Response(asyncapi_json(), media_type="application/json")

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def index() -> str:
        return (
            "<h1>Assure</h1><p>The API is documented at <a href='/docs'>/docs</a>; the events "
            "at <a href='/asyncapi.json'>/asyncapi.json</a>.</p>"
        )

    return app


def merge(histories: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    entries = [entry for history in histories for entry in history]
    return sorted(entries, key=lambda entry: (entry["time"], entry["service"]))
