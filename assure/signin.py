"""Signing in, for the demo and the command line: each request made as someone allowed to.

`DevSignIn` is an httpx auth flow for a system using the development issuer. For each request it
looks up the route in the role matrix, takes the person the body names as acting (`by`,
`approver` and their role …) or the first role allowed, signs in as them at
`POST /auth/dev-token` (once per person) and sends their bearer token. The server checks
everything as it would for anyone: the token, the role, the provider, acting as oneself. A
system with sign-in switched off answers 404 at sign-in, and requests go without a token.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from collections.abc import Generator
from functools import cache

import httpx

from shared.security.guard import ACTORS
from shared.security.identity import Identity, Role
from shared.security.permissions import MATRIX, Rule

# Whom to be, when a body names no one: the first of these the route allows.
PREFERENCE = (Role.COMMISSIONING_OFFICER, Role.ADMINISTRATOR, Role.AUDITOR,
              Role.CONTRACT_COORDINATOR, Role.HEAD_OF_STRATEGIC_PLANNING,
              Role.OPERATIONAL_STAFF)
DEFAULT_NAMES = {Role.COMMISSIONING_OFFICER: "Jo Officer (contract coordinator)",
                 Role.ADMINISTRATOR: "Assure administrator", Role.AUDITOR: "Internal audit",
                 Role.CONTRACT_COORDINATOR: "Contract coordinator",
                 Role.HEAD_OF_STRATEGIC_PLANNING: "Head of Strategic Planning",
                 Role.OPERATIONAL_STAFF: "Locality team"}


@cache
def _routes() -> list[tuple[str, re.Pattern[str], Rule]]:
    return [(method, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), found)
            for (method, path), found in MATRIX.items()]


def rule_of(method: str, path: str) -> Rule | None:
    return next((found for m, pattern, found in _routes()
                 if m == method and pattern.match(path)), None)


def identity_for(request: httpx.Request, name: str | None = None) -> Identity | None:
    """Who makes this request: the person its body names, in a role the route allows."""
    found = rule_of(request.method, request.url.path)
    if found is None:
        return None
    body = _body(request)
    if "approver" in body and body.get("role") in set(Role):
        return Identity(str(body["approver"]), Role(body["role"]))
    role = next((r for r in PREFERENCE if r in found.roles), None)
    if role is None:
        role = next(iter(sorted(found.roles)), None)
    if role is None:
        return None
    named = next((str(body[f]) for f in ACTORS if body.get(f)), None)
    return Identity(named or name or DEFAULT_NAMES.get(role, role.value), role)


def _body(request: httpx.Request) -> dict:
    if "json" not in request.headers.get("content-type", ""):
        return {}
    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class DevSignIn(httpx.Auth):
    """Signs each request in as someone the route allows (development issuer only)."""

    requires_response_body = True

    def __init__(self, name: str | None = None) -> None:
        self.name = name  # who signs in when a body names no one (the command line's user)
        self.tokens: dict[Identity, str] = {}
        self.enabled = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        identity = identity_for(request, self.name) if self.enabled else None
        if identity is not None:
            token = self.tokens.get(identity)
            if token is None:
                answer = yield httpx.Request("POST", request.url.copy_with(
                    path="/auth/dev-token", query=None), json={
                        "user": identity.user, "role": identity.role.value,
                        "provider_id": identity.provider_id})
                if answer.status_code == 404:
                    self.enabled = False  # sign-in is switched off on this system
                else:
                    token = self.tokens[identity] = answer.raise_for_status().json()[
                        "access_token"]
            if token:
                request.headers["Authorization"] = f"Bearer {token}"
        yield request


class Bearer(httpx.Auth):
    """A token from the council's identity provider, given in ASSURE_TOKEN."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def command_line_auth() -> httpx.Auth:
    """ASSURE_TOKEN if set; otherwise development sign-in under the login name."""
    token = os.environ.get("ASSURE_TOKEN")
    return Bearer(token) if token else DevSignIn(name=getpass.getuser())
