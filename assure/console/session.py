"""Who is using the console: a signed-in person's bearer token, kept in a cookie that scripts
cannot read and other sites cannot send, and checked on every page as the API checks it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from assure.security import development_issuer, verifier_for
from shared.security.identity import Identity
from shared.security.tokens import NotAuthenticated
from shared.settings import AssureSettings

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
    """The console signs people in with the development issuer; a council's OIDC provider
    signs them in at its own pages (not yet wired to the console)."""
    return not settings.auth_jwks_url


def issue(settings: AssureSettings, identity: Identity) -> str:
    return development_issuer(settings).issue(identity, audience=settings.auth_audience)


def visitor(request: Request) -> Visitor:
    """The signed-in person, or SignInNeeded for the page they wanted."""
    state = request.app.state
    if getattr(state, "console_verifier", None) is None:
        state.console_verifier = verifier_for(state.console_settings)
    token = request.cookies.get(COOKIE)
    if token:
        try:
            return Visitor(state.console_verifier.identity(token), token)
        except NotAuthenticated:
            pass
    raise SignInNeeded(request.url.path + (f"?{request.url.query}" if request.url.query else ""))


def start(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path=CONSOLE,
                        secure=request.url.scheme == "https", max_age=8 * 3600)


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path=CONSOLE)


def sign_in_redirect(wanted: str) -> RedirectResponse:
    return RedirectResponse(f"{CONSOLE}/sign-in?next={quote(wanted)}", status_code=303)


def done(to: str, message: str) -> RedirectResponse:
    """After a change: back to a page (post, redirect, get) with a message saying what
    happened, shown once."""
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(FLASH, quote(message), httponly=True, samesite="strict", path=CONSOLE,
                        max_age=60)
    return response
