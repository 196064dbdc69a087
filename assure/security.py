"""Sign-in for the one HTTP entry point: the issuer, the guard, sign-in and rate limits.

With ASSURE_AUTH_JWKS_URL set, tokens come from the council's identity provider (OIDC) and are
checked against its published keys, issuer and audience. Otherwise the documented development
issuer signs them (its key in `<data dir>/auth/`), and `POST /auth/dev-token` or
`assure token` give a token for any name and role: for a machine no one else can reach.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, HTTPException, Request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.notify.domain.notification import Notification
from shared.eventstore import NotFound, ServiceApplication
from shared.security.claims import ClaimMap
from shared.security.guard import Guard
from shared.security.identity import Identity, Role
from shared.security.tokens import DevelopmentIssuer, Verifier
from shared.settings import AssureSettings

SIGN_IN_LIMIT = parse("30/minute")
SUBMISSION_LIMIT = parse("120/minute")
SUBMISSIONS = ("/contracts/{reference}/returns", "/returns/{return_id}/corrections",
               "/returns/{return_id}/evidence")


def development_issuer(settings: AssureSettings) -> DevelopmentIssuer:
    return DevelopmentIssuer(settings.data_dir / "auth" / "dev-issuer.pem")


def verifier_for(settings: AssureSettings) -> Verifier:
    if settings.auth_jwks_url:
        return Verifier(settings.auth_issuer, settings.auth_audience,
                        jwt.PyJWKClient(settings.auth_jwks_url), ClaimMap.of(settings))
    return development_issuer(settings).verifier(settings.auth_audience)


def provider_finder(apps: dict[str, ServiceApplication]):  # noqa: ANN201 - a ProviderOf
    """Whose data a path is about, from its parameters, read from the services' stores."""

    def provider_of(params: dict[str, str]) -> str | None:
        try:
            return _owner(apps, params)
        except (NotFound, ValueError, LookupError):
            return None

    return provider_of


def _owner(apps: dict[str, Any], params: dict[str, str]) -> str | None:
    if "provider_id" in params:
        return params["provider_id"]
    if "recipient" in params:
        return params["recipient"].removeprefix("provider-") if params["recipient"].startswith(
            "provider-") else None
    if "reference" in params:
        return apps["intake"].get_contract(params["reference"]).provider_id
    if "return_id" in params:
        return apps["intake"].get_return(uuid.UUID(params["return_id"])).provider_id
    if "intervention_id" in params:
        return apps["escalation"].intervention(uuid.UUID(params["intervention_id"])).provider_id
    if "report_id" in params:  # a monitoring report (§9)
        return apps["escalation"].monitoring_report(uuid.UUID(params["report_id"])).provider_id
    if "notification_id" in params:  # a provider's users read only their own inbox's
        recipient = apps["notify"].get(Notification, uuid.UUID(params["notification_id"])
                                       ).recipient
        return recipient.removeprefix("provider-") if recipient.startswith("provider-") else None
    return None


def rate_limited(request: Request, identity: Identity | None = None) -> None:
    """Submissions: 120 a minute per person; sign-in: 30 a minute per address."""
    route = str(getattr(request.scope.get("route"), "path", ""))
    if identity is not None and request.method == "POST" and route.endswith(SUBMISSIONS):
        item, key = SUBMISSION_LIMIT, f"submit:{identity.user}"
    elif identity is None:
        item, key = SIGN_IN_LIMIT, f"sign-in:{request.client.host if request.client else '?'}"
    else:
        return
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is None:  # one per entry point, so separate systems never share counts
        limiter = request.app.state.limiter = MovingWindowRateLimiter(MemoryStorage())
    if not limiter.hit(item, key):
        raise HTTPException(status_code=429, detail="too many requests; wait a minute",
                            headers={"Retry-After": "60"})


def sign_in_limited(request: Request) -> None:
    rate_limited(request, None)


def guarded(guard: Guard | None, prefix: str) -> list[Any]:
    """The dependencies every route under `prefix` runs first: the guard, then rate limits."""
    if guard is None:
        return []
    check = guard.dependency(prefix)

    async def checked(request: Request) -> None:
        rate_limited(request, await check(request))

    return [Depends(checked)]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    provider_id: Annotated[str | None, Field(min_length=1, max_length=64)] = None

    @model_validator(mode="after")
    def _provider_users_belong_to_a_provider(self) -> SignIn:
        Identity(self.user, self.role, self.provider_id)  # raises ValueError saying why
        return self


def sign_in_router(settings: AssureSettings) -> APIRouter:
    router = APIRouter(tags=["sign-in"])
    issuer = None if settings.auth_jwks_url else development_issuer(settings)

    if issuer is not None:
        @router.get("/.well-known/jwks.json")
        def jwks() -> dict[str, Any]:
            """The development issuer's public key."""
            return issuer.jwks()

        @router.post("/auth/dev-token", dependencies=[Depends(sign_in_limited)])
        def dev_token(body: SignIn) -> dict[str, str]:
            """Development sign-in: a token for this name and role (never in production)."""
            identity = Identity(body.user, body.role, body.provider_id)
            return {"access_token": issuer.issue(identity, audience=settings.auth_audience),
                    "token_type": "bearer"}

    return router
