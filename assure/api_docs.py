"""The API documentation pages: /docs (Swagger UI), its OAuth2 redirect, and /redoc.

Swagger UI is served from its npm package (`swagger-ui-dist`, installed with the console's by
`npm ci --prefix assure/console`) and started by a static file, so /docs works without
reaching a CDN and runs under the same Content-Security-Policy as the console, no inline
script. ReDoc has no such package here: /redoc loads it from a CDN (jsDelivr) and gets a policy
of its own allowing that CDN and inline styles; it stays blank where the CDN cannot be
reached.
"""

from __future__ import annotations

import logging
from html import escape

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import FileResponse, HTMLResponse, Response

from assure.console import HERE as CONSOLE

log = logging.getLogger(__name__)
SWAGGER_UI = CONSOLE / "node_modules" / "swagger-ui-dist"
# The package's files the pages use, and nothing else of it (not its demo page); and ours
# that starts it, kept with the console's static files.
ASSETS = {
    "swagger-ui-bundle.js": (SWAGGER_UI / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (SWAGGER_UI / "swagger-ui.css", "text/css"),
    "oauth2-redirect.js": (SWAGGER_UI / "oauth2-redirect.js", "text/javascript"),
    "favicon-32x32.png": (SWAGGER_UI / "favicon-32x32.png", "image/png"),
    "api-docs.js": (CONSOLE / "static" / "api-docs.js", "text/javascript"),
}
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
CDN = "https://cdn.jsdelivr.net"
REDOC_POLICY = (f"default-src 'self'; script-src 'self' {CDN}; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
                "object-src 'none'; base-uri 'self'; form-action 'self'; "
                "frame-ancestors 'none'")


def install(app: FastAPI) -> None:
    """Adds the pages; the app is made with `docs_url=None, redoc_url=None`."""
    if not SWAGGER_UI.is_dir():
        log.warning("Swagger UI's files are missing (%s), so /docs stays blank: run `npm ci "
                    "--prefix assure/console` once, as the README says", SWAGGER_UI)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui(request: Request) -> str:
        root = escape(request.scope.get("root_path", ""))
        return (
            "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
            f"<title>{escape(app.title)} – API documentation</title>"
            f"<link rel='stylesheet' href='{root}/docs/assets/swagger-ui.css'>"
            f"<link rel='icon' href='{root}/docs/assets/favicon-32x32.png'></head><body>"
            f"<div id='swagger-ui' data-openapi-url='{root}{app.openapi_url}' "
            f"data-oauth2-redirect-url='{root}{OAUTH2_REDIRECT}'></div>"
            f"<script src='{root}/docs/assets/swagger-ui-bundle.js'></script>"
            f"<script src='{root}/docs/assets/api-docs.js'></script></body></html>")

    @app.get(OAUTH2_REDIRECT, include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui_redirect(request: Request) -> str:
        root = escape(request.scope.get("root_path", ""))
        return ("<!DOCTYPE html><html lang='en-GB'><title>Signing in</title><body>"
                f"<script src='{root}/docs/assets/oauth2-redirect.js'></script></body></html>")

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def swagger_ui_asset(name: str) -> Response:
        found, kind = ASSETS.get(name, (None, ""))
        if found is None or not found.is_file():
            return Response(status_code=404)
        return FileResponse(found, media_type=kind,
                            headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(openapi_url=f"{request.scope.get('root_path', '')}"
                                          f"{app.openapi_url}",
                              title=f"{app.title} - ReDoc", with_google_fonts=False)
        page.headers["Content-Security-Policy"] = REDOC_POLICY
        return page
