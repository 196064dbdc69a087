"""Sign-in for the one HTTP entry point: the issuer, the guard, sign-in and rate limits.

With ASSURE_AUTH_JWKS_URL set, tokens come from the council's identity provider (OIDC) and are
checked against its published keys, issuer and audience. Otherwise the documented development
issuer signs them (its key in `<data dir>/auth/`), and `POST /auth/dev-token` or
`assure token` give a token for any name and role: for a machine no one else can reach, so
`assure up` refuses to listen anywhere but loopback with it, and the route answers only callers
on this machine.
"""

from __future__ import annotations

import functools
import ipaddress
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, HTTPException, Request
from limits import parse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assure.rate_limits import MovingWindowLimiter
from services.notify.entrypoints.recipients import recipient_of
from shared.eventstore import NotFound, ServiceApplication
from shared.security.claims import ClaimMap
from shared.security.guard import Guard
from shared.security.identity import Identity, Role
from shared.security.tokens import DevelopmentIssuer, Verifier
from shared.settings import AssureSettings, is_loopback

SIGN_IN_LIMIT = parse("30/minute")
SUBMISSION_LIMIT = parse("120/minute")
SUBMISSIONS = ("/contracts/{reference}/returns", "/returns/{return_id}/corrections",
               "/returns/{return_id}/evidence")
# Each history read is itself recorded (an event), so reads are limited per reader too.
HISTORY_LIMIT = parse("60/minute")
HISTORY_READS = ("/providers/{provider_id}/history", "/history/{provider_id}",
                 "/history/{provider_id}/as-at")
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def development_issuer(settings: AssureSettings) -> DevelopmentIssuer:
    return _issuer_keeping(settings.data_dir.resolve() / "auth" / "dev-issuer.pem")


@functools.lru_cache(maxsize=8)
def _issuer_keeping(key_file: Path) -> DevelopmentIssuer:
    # Loaded once: reading the RSA key (and checking it) costs about 0.1 s of CPU, which the
    # start paid twice and the console paid at every sign-in.
    return DevelopmentIssuer(key_file)


def verifier_for(settings: AssureSettings) -> Verifier:
    if settings.auth_jwks_url:
        return Verifier(settings.auth_issuer, settings.auth_audience,
                        jwt.PyJWKClient(settings.auth_jwks_url), ClaimMap.of(settings))
    return development_issuer(settings).verifier(settings.auth_audience)


# Path parameters naming a record whose provider is fixed when it is made (a contract's, a
# return's, an intervention's, a monitoring report's): found once, their owner is remembered.
FIXED_OWNERS = ("reference", "return_id", "intervention_id", "report_id")
OWNERS_KEPT = 50_000


def provider_finder(apps: dict[str, ServiceApplication]):  # noqa: ANN201 - a ProviderOf
    """Whose data a path is about, from its parameters, read from the services' stores. The
    owner of a contract, return, intervention or report never changes, so each found is kept
    (the most recently asked for): a provider user's every submission asked the register view,
    caught up first, whose contract it names (issue 16). What is not found is asked again."""
    owners: OrderedDict[tuple[str, str], str] = OrderedDict()

    def provider_of(params: dict[str, str]) -> str | None:
        key = _fixed_owner_key(params)
        if key is not None and key in owners:
            owners.move_to_end(key)
            return owners[key]
        try:
            owner = _owner(apps, params)
        except (NotFound, ValueError, LookupError):
            return None
        if key is not None and owner is not None:
            owners[key] = owner
            if len(owners) > OWNERS_KEPT:
                owners.popitem(last=False)
        return owner

    return provider_of


def _fixed_owner_key(params: dict[str, str]) -> tuple[str, str] | None:
    """The parameter `_owner` decides by, when its owner is fixed for good."""
    if "provider_id" in params or "recipient" in params:
        return None  # the path names the provider itself
    name = next((n for n in FIXED_OWNERS if n in params), None)
    return None if name is None else (name, params[name])


def _owner(apps: dict[str, Any], params: dict[str, str]) -> str | None:
    if "provider_id" in params:
        return params["provider_id"]
    if "recipient" in params:
        return params["recipient"].removeprefix("provider-") if params["recipient"].startswith(
            "provider-") else None
    if "reference" in params:
        return apps["intake"].contract(params["reference"]).provider_id
    if "return_id" in params:
        return apps["intake"].get_return(uuid.UUID(params["return_id"])).provider_id
    if "intervention_id" in params:
        return apps["escalation"].intervention(uuid.UUID(params["intervention_id"])).provider_id
    if "report_id" in params:  # a monitoring report (§9)
        return apps["escalation"].monitoring_report(uuid.UUID(params["report_id"])).provider_id
    if "notification_id" in params:  # a provider's users read only their own inbox's
        recipient = recipient_of(apps["notify"], uuid.UUID(params["notification_id"]))
        return recipient.removeprefix("provider-") if recipient.startswith("provider-") else None
    return None


def _trusted(request: Request, address: str) -> bool:
    networks = getattr(request.app.state, "trusted_proxies", ())
    try:
        return any(ipaddress.ip_address(address) in network for network in networks)
    except ValueError:
        return False


def client_address(request: Request) -> str:
    """The address of whoever made the request: the peer's own, unless the peer is one of the
    configured proxies (ASSURE_TRUSTED_PROXIES); then the rightmost X-Forwarded-For address that
    is not one of them (a client can write anything to the left of what the proxies add)."""
    peer = request.client.host if request.client else "unknown"
    if not _trusted(request, peer):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for")
            for hop in value.split(",")]
    return next((hop for hop in reversed(hops) if hop and not _trusted(request, hop)), peer)


def from_this_machine(request: Request) -> bool:
    """Whether the caller is on this machine: a loopback address, and not relayed by a proxy
    that is not a configured one (a local proxy would make anyone look local)."""
    peer = request.client.host if request.client else ""
    relayed = any(name in request.headers for name in FORWARDING_HEADERS)
    if relayed and not _trusted(request, peer):
        return False
    return is_loopback(client_address(request))


def rate_limited(request: Request, identity: Identity | None = None) -> None:
    """Submissions: 120 a minute per person; history reads: 60 a minute per reader; sign-in:
    30 a minute per client address."""
    route = str(getattr(request.scope.get("route"), "path", ""))
    if identity is not None and request.method == "POST" and route.endswith(SUBMISSIONS):
        item, key = SUBMISSION_LIMIT, f"submit:{identity.user}"
    elif identity is not None and request.method == "GET" and route.endswith(HISTORY_READS):
        item, key = HISTORY_LIMIT, f"history:{identity.user}"
    elif identity is None:
        item, key = SIGN_IN_LIMIT, f"sign-in:{client_address(request)}"
    else:
        return
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is None:  # one per entry point, so separate systems never share counts
        limiter = request.app.state.limiter = MovingWindowLimiter()
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


def only_this_machine(request: Request) -> None:
    """Development sign-in answers callers on this machine only."""
    if not from_this_machine(request):
        raise HTTPException(status_code=403, detail="development sign-in is only for this "
                            "machine's own users; sign in through the council's identity "
                            "provider")


def sign_in_router(settings: AssureSettings) -> APIRouter:
    router = APIRouter(tags=["sign-in"])
    issuer = None if settings.auth_jwks_url else development_issuer(settings)

    if issuer is not None:
        @router.get("/.well-known/jwks.json")
        def jwks() -> dict[str, Any]:
            """The development issuer's public key."""
            return issuer.jwks()

    if issuer is not None and settings.development_sign_in:
        @router.post("/auth/dev-token",
                     dependencies=[Depends(sign_in_limited), Depends(only_this_machine)])
        def dev_token(body: SignIn) -> dict[str, str]:
            """Development sign-in, for callers on this machine only: a token for this name and
            role (never in production)."""
            identity = Identity(body.user, body.role, body.provider_id)
            return {"access_token": issuer.issue(identity, audience=settings.auth_audience),
                    "token_type": "bearer"}

    return router
