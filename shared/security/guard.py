"""The guard in front of every route: a verified bearer token, a role the matrix allows, and a
provider's users kept to their own organisation.

401 when there is no usable token; 403, saying why, for a role the route does not allow or
another provider's data. The verified identity is kept on the request, where `Actor`
(shared/security/actor.py) gives it to commands: no body names who acts, so none is read here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request, status

from shared.security.identity import Identity, Role
from shared.security.permissions import Rule, rule_for
from shared.security.signed_in import sign_in
from shared.security.tokens import NotAuthenticated, Verifier

ProviderOf = Callable[[dict[str, str]], str | None]


def _refuse(detail: str, code: int = status.HTTP_403_FORBIDDEN) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"} if code == status.HTTP_401_UNAUTHORIZED else None
    return HTTPException(status_code=code, detail=detail, headers=headers)


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refuse("sign in: this route needs a bearer token", status.HTTP_401_UNAUTHORIZED)
    return token.strip()


class Guard:
    """Checks each request against the matrix; `provider_of` finds whose data a path is."""

    def __init__(self, verifier: Verifier, provider_of: ProviderOf) -> None:
        self.verifier = verifier
        self.provider_of = provider_of

    def dependency(self, prefix: str) -> Callable[[Request], Awaitable[Identity]]:
        async def guard(request: Request) -> Identity:
            identity = self.authenticate(request)
            route = request.scope.get("route")
            path = prefix + str(getattr(route, "path", ""))
            method = "GET" if request.method == "HEAD" else request.method
            found = rule_for(method, path)
            if found is None:
                raise _refuse(f"no one may {method} {path}")
            self._authorise(found, identity, request.path_params, method, path)
            request.state.identity = identity
            sign_in(identity)
            return identity

        return guard

    def authenticate(self, request: Request) -> Identity:
        try:
            return self.verifier.identity(bearer_token(request))
        except NotAuthenticated as error:
            raise _refuse(str(error), status.HTTP_401_UNAUTHORIZED) from error

    def _authorise(self, found: Rule, identity: Identity, params: dict[str, Any], method: str,
                   path: str) -> None:
        if not found.allows(identity.role):
            raise _refuse(f"a {identity.role.value.replace('_', ' ')} may not {method} {path}")
        if found.personal and identity.role is not Role.ADMINISTRATOR and str(
                params.get("user_id")) != identity.user:
            raise _refuse("this is another person's own page")
        if identity.role is not Role.PROVIDER_USER or identity.role in found.roles:
            return
        owner = self.provider_of({k: str(v) for k, v in params.items()})
        if owner != identity.provider_id:
            raise _refuse("a provider's users see and change only their own organisation's "
                          "data")
