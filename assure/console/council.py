"""Signing in at the council's identity provider: sending the person there, and their return
with a code for their tokens (`council_sign_in` speaks the protocol; `session` keeps them)."""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from assure.console import session
from assure.console.council_sign_in import SignInFailed
from assure.console.navigation import start_page
from assure.console.rendering import render
from assure.console.sessions import PENDING_SECONDS, Session, Tokens
from assure.security import sign_in_limited
from shared.security.tokens import NotAuthenticated

log = logging.getLogger(__name__)
router = APIRouter()
CONSOLE = session.CONSOLE
SIGN_IN_COOKIE = "assure_sign_in"  # the state of a sign-in under way at the provider


def too_many(request: Request) -> Response | None:
    """Sign-in attempts from one address are limited, as the API's are (assure.security)."""
    try:
        sign_in_limited(request)
    except HTTPException as refused:
        return render(request, "message.html", status=refused.status_code,
                      heading="Too many attempts to sign in",
                      message="Wait a minute, then try again.")
    return None


def console_url(request: Request, path: str) -> str:
    """An address of the console as the browser knows it (the configured redirect URL's
    origin behind a proxy, else the address of this request)."""
    configured = request.app.state.console_settings.oidc_redirect_url
    base = configured.split("/console/", 1)[0] if configured else str(request.base_url)
    return base.rstrip("/") + path


def _redirect_uri(request: Request) -> str:
    settings = request.app.state.console_settings
    return settings.oidc_redirect_url or console_url(request, "/console/signed-in")


def to_the_identity_provider(request: Request, next_page: str) -> Response:
    """Sends the person to the provider's sign-in, keeping what the return must match."""
    try:
        url, state, pending = session.identity_provider(request).begin(
            _redirect_uri(request), next_page)
    except (SignInFailed, OSError, ValueError, KeyError):
        return _cannot_sign_in(request, "The council’s sign-in service did not answer.")
    session.store(request).begin_sign_in(state, pending)
    response = RedirectResponse(url, 303)
    # Lax, not strict: the browser must send it back when the provider (another site) sends
    # the person here; it names only this sign-in, for ten minutes.
    response.set_cookie(SIGN_IN_COOKIE, state, httponly=True, samesite="lax", path=CONSOLE,
                        secure=request.url.scheme == "https", max_age=PENDING_SECONDS)
    return response


def _cannot_sign_in(request: Request, why: str, status: int = 502) -> Response:
    return render(request, "message.html", status=status, heading="You could not be signed in",
                  message=f"{why} Try signing in again; if it happens again, tell the team "
                  "that looks after Assure.")


@router.get("/signed-in")
def signed_in(request: Request, state: str = "", code: str = "", error: str = "",
              iss: str | None = None) -> Response:
    """The identity provider sends the person back here with a code for their tokens."""
    refused = too_many(request)
    if refused is not None:
        return refused
    started = request.cookies.get(SIGN_IN_COOKIE, "")
    pending = (session.store(request).take_sign_in(state)
               if state and secrets.compare_digest(state, started) else None)
    if pending is None:
        return _cannot_sign_in(request, "This sign-in was not started here, or took more than "
                               "ten minutes.", 400)
    if iss is not None and iss != request.app.state.console_settings.auth_issuer:
        # RFC 9207: a code from another provider than ours is never exchanged (mix-up).
        return _cannot_sign_in(request, "The answer came from another sign-in service.", 400)
    if error or not code:
        return _cannot_sign_in(request, "The council’s sign-in service did not sign you in.",
                               400)
    try:
        tokens = session.identity_provider(request).finish(code, _redirect_uri(request), pending)
    except SignInFailed:
        return _cannot_sign_in(request, "The council’s sign-in service gave an answer that "
                               "could not be checked.")
    return _welcome(request, tokens, pending.next)


def _welcome(request: Request, tokens: Tokens, next_page: str) -> Response:
    try:
        who = session.verifier(request).identity(tokens.access_token)
    except NotAuthenticated as refused:
        log.warning("a council sign-in was refused: %s", refused)  # says which claim or check
        return _cannot_sign_in(request, "Your account has no role in Assure.", 403)
    to = next_page or start_page(who.role)
    # A page of ours moves the person on, not a redirect: after a redirect chain that began at
    # the provider's site, browsers hold back the strict session cookie.
    response = render(request, "signed_in.html", to=to)
    session.start(response, request, tokens)
    response.delete_cookie(SIGN_IN_COOKIE, path=CONSOLE)
    return response


def end_session_address(request: Request, ended: Session | None) -> str | None:
    """Where to end the person's session at the provider too, if it offers that."""
    if ended is None or not session.council_sign_in(request.app.state.console_settings):
        return None
    try:
        return session.identity_provider(request).end_session_url(
            ended.tokens.id_token, console_url(request, "/console/sign-in"))
    except (OSError, ValueError, KeyError):
        return None
