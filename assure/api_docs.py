"""The API documentation pages (/docs, its OAuth2 redirect, /redoc), FastAPI's own, each
answered with a Content-Security-Policy of its own.

Swagger UI and ReDoc come from a CDN (jsDelivr) and are started by an inline script, which the
console's policy forbids. Their pages show no records, only the OpenAPI description, so they
get a looser policy: the CDN's scripts and styles, inline styles (both libraries set them as
they draw), and of inline scripts only the exact ones FastAPI wrote, by hash, so an injected
script still does not run. Where the CDN cannot be reached the page stays blank; the API
itself and /openapi.json do not depend on it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

CDN = "https://cdn.jsdelivr.net"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install(app: FastAPI) -> None:
    """Adds the pages; the app is made with `docs_url=None, redoc_url=None`."""

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return with_own_policy(get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}"))

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return with_own_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return with_own_policy(get_redoc_html(openapi_url=f"{root}{app.openapi_url}",
                                              title=f"{app.title} - ReDoc",
                                              with_google_fonts=False))


def with_own_policy(page: HTMLResponse) -> HTMLResponse:
    """The page, allowed its own inline scripts (by hash) and the CDN, nothing else."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(page.body.decode()))
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {CDN} {hashes}; "
        f"style-src 'self' {CDN} 'unsafe-inline'; img-src 'self' data: {CDN} "
        "https://fastapi.tiangolo.com; worker-src 'self' blob:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    return page
