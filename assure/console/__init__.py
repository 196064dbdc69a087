"""The web console: the provider portal, the officers' workspace and the auditors' and
committee's views, in the GOV.UK Design System, served by the one HTTP entry point.

Pages are rendered on the server from the same HTTP API any client uses (`client.Api`), as the
signed-in person; the GOV.UK Frontend styles and scripts come from its npm package
(`npm ci --prefix assure/console`, see the README).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from assure.console import (
    approvals,
    audit,
    council,
    csrf,
    home,
    inbox,
    provider,
    reports,
    sharing,
    workspace,
)
from assure.console.client import ApiError
from assure.console.navigation import ROLE_NAMES
from assure.console.plain_words import Plain
from assure.console.rendering import render
from assure.console.session import SignInNeeded, Visitor, sign_in_redirect, visitor
from shared.settings import AssureSettings

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
GOVUK_FRONTEND = HERE / "node_modules" / "govuk-frontend" / "dist" / "govuk"
GDS_TRANSPORT = re.compile(rb"@font-face\s*\{[^}]*GDS Transport[^}]*\}")


def install(app: FastAPI, settings: AssureSettings) -> None:
    """Adds the console's pages under /console and its assets. Without the GOV.UK Frontend
    files the API still runs and the pages come unstyled, with a warning saying what to do."""
    if not GOVUK_FRONTEND.is_dir():
        log.warning("the console's GOV.UK Frontend files are missing (%s): run `npm ci "
                    "--prefix assure/console` once, as the README says", GOVUK_FRONTEND)
    app.state.console_settings = settings
    for area in (home, council, reports, provider, approvals, sharing, workspace, inbox,
                 audit):
        app.include_router(area.router, prefix="/console", include_in_schema=False,
                           dependencies=[Depends(csrf.checked)])

    @app.get("/console/assets/govuk-frontend.min.{kind}", include_in_schema=False)
    def frontend(kind: str) -> Response:
        found = GOVUK_FRONTEND / f"govuk-frontend.min.{kind}"
        if kind not in ("css", "js") or not found.is_file():
            return Response(status_code=404)
        body = found.read_bytes()
        if kind == "css":
            body = for_the_council(body)
        return Response(body, media_type="text/css" if kind == "css" else "text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})

    app.mount("/console/assets", StaticFiles(directory=GOVUK_FRONTEND / "assets",
                                             check_dir=False), name="console-govuk-assets")
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.exception_handler(SignInNeeded)
    async def needs_sign_in(_: Request, error: SignInNeeded) -> Response:
        return sign_in_redirect(error.wanted)

    @app.exception_handler(csrf.ForgedRequest)
    async def forged(request: Request, error: csrf.ForgedRequest) -> Response:
        """Nothing was done: say so, and how to send the form again."""
        log.warning("console %s %s refused: %s", request.method, request.url.path, error)
        return render(request, "message.html", _visitor_or_none(request), status=403,
                      heading="Your form was not sent",
                      message="Nothing was changed. The form was out of date or came from "
                              "another site. Go back, reload the page and try again.")

    @app.exception_handler(ApiError)
    async def refused(request: Request, error: ApiError) -> Response:
        """What a page could not do, said in words: 403 not yours, 404 not found, …"""
        who = _visitor_or_none(request)
        headings = {403: "You cannot see this page", 404: "Page not found",
                    409: "That cannot be done now", 401: "Sign in again"}
        return render(request, "message.html", who, status=error.status,
                      heading=headings.get(error.status, "Sorry, there is a problem"),
                      message=refusal_in_words(error, who))


# The API's guard names the route it refused ("a provider user may not GET /intake/providers"):
# right for an API client, not for a person reading a page.
ROUTE_REFUSED = re.compile(r"\bmay not (GET|POST|PUT|PATCH|DELETE) /")


def refusal_in_words(error: ApiError, who: Visitor | None) -> str:
    """What the API said, its UUIDs, ISO dates and form ids in words, unless it names a route;
    then what it means for the person."""
    if not ROUTE_REFUSED.search(error.message):
        return Plain({}).text(error.message)
    role = ROLE_NAMES.get(who.identity.role) if who else None
    return (f"Your role ({role}) does not give you access to this page." if role else
            "You do not have access to this page.") + \
        " If you need it for your work, ask an administrator."


def for_the_council(css: bytes) -> bytes:
    """The prebuilt stylesheet without GDS Transport's @font-face rules: the typeface is
    licensed for GOV.UK only, so Arial stands in and no page asks for the font files (which the
    rules name at /assets, where nothing is served). Editing the npm package's CSS as it is
    served spares a Sass build for one setting."""
    return GDS_TRANSPORT.sub(b"", css)


def _visitor_or_none(request: Request) -> Visitor | None:
    try:
        return visitor(request)
    except SignInNeeded:
        return None
