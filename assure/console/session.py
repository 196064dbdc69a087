"""Who is using the console: a session held on the server (`sessions.SessionStore`) whose
random id is the only thing in the browser's cookie, which scripts cannot read and other sites
cannot send. Each page checks the session's access token as the API checks it, refreshing it
at the council's identity provider when it is near its end; signing out or expiry ends it."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from assure.console.council_sign_in import CouncilIdentityProvider, SignInFailed
from assure.console.sessions import Session, SessionStore, Tokens
from assure.security import development_issuer, verifier_for
from shared.security.identity import Identity
from shared.security.tokens import NotAuthenticated, Verifier
from shared.settings import AssureSettings

log = logging.getLogger(__name__)
COOKIE = "assure_session"
FLASH = "assure_flash"
CONSOLE = "/console"


@dataclass(frozen=True)
class Visitor:
    identity: Identity
    token: str

    @property
    def is_provider(self) -> bool:
        return self.identity.provider_id is not None


class SignInNeeded(Exception):
    """Raised by a page for a visitor with no valid session; answered with the sign-in page."""

    def __init__(self, wanted: str) -> None:
        super().__init__(wanted)
        self.wanted = wanted


def sign_in_available(settings: AssureSettings) -> bool:
    """Development sign-in (any name, any role) is there only without a council issuer, and
    only while it is switched on (`ASSURE_DEV_SIGN_IN`)."""
    return settings.development_sign_in


def council_sign_in(settings: AssureSettings) -> bool:
    """People sign in at the council's identity provider once the console is its client and
    the API takes that provider's tokens."""
    return bool(settings.oidc_client_id and settings.auth_jwks_url)


def issue(settings: AssureSettings, identity: Identity) -> Tokens:
    """A development issuer's token for a console session, lasting as long as the session."""
    hours = settings.console_session_hours
    token = development_issuer(settings).issue(identity, hours=hours,
                                               audience=settings.auth_audience)
    return Tokens(token, time.time() + hours * 3600)


def store(request: Request) -> SessionStore:
    state = request.app.state
    if getattr(state, "console_sessions", None) is None:
        state.console_sessions = SessionStore.of(state.console_settings)
    return state.console_sessions


def identity_provider(request: Request) -> CouncilIdentityProvider:
    state = request.app.state
    if getattr(state, "council_identity_provider", None) is None:
        state.council_identity_provider = CouncilIdentityProvider(state.console_settings)
    return state.council_identity_provider


def visitor(request: Request) -> Visitor:
    """The signed-in person, or SignInNeeded for the page they wanted."""
    found = getattr(request.state, "visitor", None)
    if found is None:
        found = request.state.visitor = _signed_in(request)
    if found is False:
        raise SignInNeeded(request.url.path + (f"?{request.url.query}" if request.url.query
                                               else ""))
    return found


def signed_in(request: Request) -> bool:
    """Whether the visitor's session is still open now (a long-lived request asks again)."""
    return _signed_in(request) is not False


def verifier(request: Request) -> Verifier:
    """Checks a session's access token exactly as the API checks a bearer token."""
    state = request.app.state
    if getattr(state, "console_verifier", None) is None:
        state.console_verifier = verifier_for(state.console_settings)
    return state.console_verifier


def _signed_in(request: Request) -> Visitor | bool:
    session_id = request.cookies.get(COOKIE)
    session = store(request).get(session_id) if session_id else None
    tokens = _fresh(request, session_id, session) if session_id and session else None
    if tokens is None:
        return False
    try:
        return Visitor(verifier(request).identity(tokens.access_token), tokens.access_token)
    except NotAuthenticated:
        return False


def _fresh(request: Request, session_id: str, session: Session) -> Tokens | None:
    """The session's tokens, refreshed first when the access token is near its end."""
    if not session.needs_refresh(time.time()) or not session.tokens.refresh_token:
        return session.tokens
    try:
        tokens = identity_provider(request).refreshed(session.tokens.refresh_token)
    except SignInFailed as failed:
        log.info("a console session's tokens were not refreshed: %s", failed)
        # Another page of the same session may have just used the refresh token (providers
        # rotate them): its tokens are good; otherwise the session is over.
        again = store(request).get(session_id)
        if again and not again.needs_refresh(time.time()):
            return again.tokens
        store(request).end(session_id)
        return None
    store(request).renew(session_id, tokens)
    return tokens


def start(response: Response, request: Request, tokens: Tokens) -> None:
    """Opens a session for these tokens; the browser gets only its id."""
    hours = request.app.state.console_settings.console_session_hours
    session_id = store(request).open(tokens, hours)
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", path=CONSOLE,
                        secure=request.url.scheme == "https", max_age=int(hours * 3600))


def end(request: Request, response: Response) -> Session | None:
    """Ends the session on the server, whatever the browser keeps; what it held."""
    session_id = request.cookies.get(COOKIE)
    response.delete_cookie(COOKIE, path=CONSOLE)
    return store(request).end(session_id) if session_id else None


def sign_in_redirect(wanted: str) -> RedirectResponse:
    return RedirectResponse(f"{CONSOLE}/sign-in?next={quote(wanted)}", status_code=303)


def done(to: str, message: str) -> RedirectResponse:
    """After a change: back to a page (post, redirect, get) with a message saying what
    happened, shown once."""
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(FLASH, quote(message), httponly=True, samesite="strict", path=CONSOLE,
                        max_age=60)
    return response
