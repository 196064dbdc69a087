"""Forms only the console's own pages can send: every console POST must come from the
console's origin and carry the token its page was rendered with (issue 14, defect 7).

The token is an HMAC, under a key kept in the data directory, of a random value in the
browser's own `assure_csrf` cookie and of whatever the session cookie holds (a signed token
today, a session id tomorrow: the check never reads it). Another site cannot read either
cookie, so it cannot make the token; a value planted in the cookie is useless without the
session it was made for. Signing in is covered too: its page is rendered with the same token.

Python's hmac, not a CSRF package: those read the token from a header or keep their own
session, and the check is a dozen lines of the standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Request, Response
from jinja2.ext import Extension
from markupsafe import Markup, escape

from assure.console import session
from shared.settings import AssureSettings

COOKIE = "assure_csrf"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
POST_FORM = re.compile(r"""<form\b[^>]*\bmethod=["']?post\b[^>]*>""", re.IGNORECASE)
# The token of the page being rendered, for `csrf_field()` in any template or macro.
_rendering: ContextVar[str] = ContextVar("csrf_token")


class ForgedRequest(Exception):
    """A console POST from another site, or without its page's token; answered 403."""


def key_file(settings: AssureSettings) -> Path:
    return settings.data_dir / "console" / "csrf.key"


def _key(request: Request) -> bytes:
    state = request.app.state
    if getattr(state, "csrf_key", None) is None:
        state.csrf_key = key_in(key_file(state.console_settings))
    return state.csrf_key


def key_in(path: Path) -> bytes:
    """The key, made once and readable by this user only, kept across restarts. Written
    whole under another name and linked into place, so gateways sharing the data directory
    never read a half-written key; the first link wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(secrets.token_bytes(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes()


def _browser(request: Request) -> str:
    """The browser's random value: its cookie's, or a new one the answer will set."""
    value = request.cookies.get(COOKIE, "")
    if len(value) < 32:
        value = getattr(request.state, "new_csrf_cookie", None) or secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = value
    return value


def token(request: Request) -> str:
    message = f"{_browser(request)}|{request.cookies.get(session.COOKIE, '')}".encode()
    return hmac.new(_key(request), message, hashlib.sha256).hexdigest()


def rendering(request: Request) -> None:
    """Makes this request's token the one `csrf_field()` writes into the page's forms."""
    _rendering.set(token(request))


def keep(request: Request, response: Response) -> None:
    """Sets the browser's cookie when this request made it."""
    value = getattr(request.state, "new_csrf_cookie", None)
    if value:
        response.set_cookie(COOKIE, value, httponly=True, samesite="strict", path=session.CONSOLE,
                            secure=request.url.scheme == "https")


def csrf_field() -> Markup:
    """The hidden field every console form posts; added to each post form by the loader."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(_rendering.get()))


class TokenInPostForms(Extension):
    """Puts `csrf_field()` first in every `<form method="post">` of every template as it is
    loaded, so no form, now or later, can be written without it."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return POST_FORM.sub(lambda form: form.group(0) + "{{ csrf_field() }}", source)


async def checked(request: Request) -> None:
    """Every console POST: from the console's own origin, with its page's token."""
    if request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise ForgedRequest("the form was sent from another site")
    sent = (await request.form()).get(FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, token(request)):
        raise ForgedRequest("the form's token is missing or out of date")


def same_origin(request: Request) -> bool:
    """The browser's Origin (or, where it sends none, its Referer's) is this site's own."""
    claimed = request.headers.get("origin")
    if claimed is None:
        referer = urlsplit(request.headers.get("referer", ""))
        claimed = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
    own = f"{request.url.scheme}://{request.url.netloc}"
    return claimed is not None and claimed.lower() == own.lower()
