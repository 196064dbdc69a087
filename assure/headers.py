"""The headers every answer of the HTTP entry point carries, so a browser holds the console and
the API to what they are: no script but the console's own files, no framing by another site,
no guessing of content types, no addresses leaked to other sites, and HTTPS only once reached
over it (issue 14, defect 7).

A plain ASGI middleware, not Starlette's BaseHTTPMiddleware: it adds headers as the answer
starts, so downloads and streamed answers pass through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The console's own files only: no inline script or style (each would need the page to be
# trusted), no plug-ins, no other site's frames around it, forms sent only to itself.
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
          "form-action 'self'; frame-ancestors 'none'")


def policy_sending_forms_to(origin: str) -> str:
    """The policy for a page whose form goes on to another site: the console's sign-in button,
    whose answer redirects to the council's identity provider (browsers hold a form's
    redirects to `form-action` too)."""
    return POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


# A year, as the HSTS preload list asks; sent only over HTTPS, where browsers heed it.
HSTS = "max-age=31536000; includeSubDomains"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Same-origin, not no-referrer: a browser sends `Origin: null` on a POST under
    # no-referrer, and the console's forms are checked by their origin.
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds the headers to every HTTP answer; a route that sets its own policy (the API
    documentation's) keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add(MutableHeaders(scope=message), over_tls=scope.get("scheme") == "https")
            await send(message)

        await self.app(scope, receive, with_headers)


def add(headers: MutableHeaders, over_tls: bool) -> None:
    """Over TLS is the request's scheme: uvicorn takes it from X-Forwarded-Proto only when
    the proxy is one it trusts (`--forwarded-allow-ips`), never from anyone else."""
    wanted: Mapping[str, str] = {"Content-Security-Policy": POLICY, **ALWAYS}
    if over_tls:
        wanted = {**wanted, "Strict-Transport-Security": HSTS}
    for name, value in wanted.items():
        headers.setdefault(name, value)
