"""Signing in, for the demo, the dataset loader and the command line: each request made as a
named person.

`DevSignIn` is an httpx auth flow for a system using the development issuer. A request says who
makes it with `as_person(...)` (an httpx request extension); one that says nothing is made as the
client's default person, in the first role the route allows (by the role matrix). It signs in as
them at `POST /auth/dev-token` (once per person) and sends their bearer token; the server records
that person as acting, as it would for anyone. A system with sign-in switched off answers 404 at
sign-in: requests then go without a token, naming the person in the `X-Assure-User`,
`X-Assure-Role` (and `X-Assure-Provider`) headers, which only such a system reads.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Generator
from functools import cache
from typing import Any

import httpx

from shared.security.identity import Identity, Role
from shared.security.permissions import MATRIX, Rule

ACTING_AS = "assure.acting_as"  # the httpx request extension naming who makes a request

# Whom to be, when a request names no one: the first of these the route allows.
PREFERENCE = (Role.COMMISSIONING_OFFICER, Role.ADMINISTRATOR, Role.AUDITOR,
              Role.CONTRACT_COORDINATOR, Role.HEAD_OF_STRATEGIC_PLANNING,
              Role.OPERATIONAL_STAFF)
DEFAULT_NAMES = {Role.COMMISSIONING_OFFICER: "Jo Officer (contract coordinator)",
                 Role.ADMINISTRATOR: "Assure administrator", Role.AUDITOR: "Internal audit",
                 Role.CONTRACT_COORDINATOR: "Contract coordinator",
                 Role.HEAD_OF_STRATEGIC_PLANNING: "Head of Strategic Planning",
                 Role.OPERATIONAL_STAFF: "Locality team"}


def as_person(user: str, role: Role, provider_id: str | None = None) -> dict[str, Any]:
    """The httpx `extensions` that make one request as this person:
    `http.post(url, json=..., extensions=as_person("Morag Reid", Role.CSWO))`."""
    return {ACTING_AS: Identity(user, role, provider_id)}


@cache
def _routes() -> list[tuple[str, re.Pattern[str], Rule]]:
    return [(method, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), found)
            for (method, path), found in MATRIX.items()]


def rule_of(method: str, path: str) -> Rule | None:
    return next((found for m, pattern, found in _routes()
                 if m == method and pattern.match(path)), None)


def identity_for(request: httpx.Request, name: str | None = None) -> Identity | None:
    """Who makes this request: the person it names, else `name` (or the role's default name)
    in the first role the route allows."""
    named = request.extensions.get(ACTING_AS)
    if isinstance(named, Identity):
        return named
    found = rule_of(request.method, request.url.path)
    if found is None:
        return None
    role = next((r for r in PREFERENCE if r in found.roles), None)
    if role is None:
        role = next(iter(sorted(found.roles)), None)
    if role is None:
        return None
    return Identity(name or DEFAULT_NAMES.get(role, role.value), role)


def name_in_headers(request: httpx.Request, identity: Identity) -> None:
    """Names the person for a system with sign-in off (one with sign-in on ignores these)."""
    request.headers["X-Assure-User"] = identity.user
    request.headers["X-Assure-Role"] = identity.role.value
    if identity.provider_id:
        request.headers["X-Assure-Provider"] = identity.provider_id


class DevSignIn(httpx.Auth):
    """Signs each request in as the person it names, or the default (development issuer)."""

    requires_response_body = True

    def __init__(self, name: str | None = None) -> None:
        self.name = name  # who acts when a request names no one (the command line's user)
        self.tokens: dict[Identity, str] = {}
        self.enabled = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        identity = identity_for(request, self.name)
        if identity is not None:
            name_in_headers(request, identity)
        if identity is not None and self.enabled:
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
