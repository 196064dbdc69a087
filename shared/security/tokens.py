"""Bearer tokens: JWTs verified against an issuer's published keys (JWKS), audience and expiry.

In production the issuer is the council's identity provider (OIDC): set ASSURE_AUTH_ISSUER,
ASSURE_AUTH_AUDIENCE and ASSURE_AUTH_JWKS_URL. The embedded default is a documented development
issuer: an RSA key kept in the data directory (`DevelopmentIssuer`), whose tokens
`assure token --user NAME --role ROLE [--provider ID]` writes, so the demo and the tests take the
same path as production. PyJWT does the cryptography; nothing here is hand-rolled.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.security.claims import ClaimMap, UnmappedIdentity
from shared.security.identity import Identity

DEV_ISSUER = "assure-development-issuer"
DEFAULT_AUDIENCE = "assure"
ALGORITHM = "RS256"
KEY_ID = "assure-dev-1"


class NotAuthenticated(Exception):
    """No usable bearer token: missing, malformed, expired, or not from our issuer."""


# A token accepted is taken again without checking its signature for this long at most, and
# never past its expiry: a person's every request carries the same token, and checking the RSA
# signature, the claims and the identity again cost a tenth of a submission's HTTP time (issue
# 16). A key the identity provider withdraws stops its tokens within this time.
ACCEPTED_FOR_SECONDS = 60.0
ACCEPTED_KEPT = 10_000


@dataclass
class Accepted:
    """Tokens accepted lately, each with the identity it gave and until when it may be taken
    again without a check (the earlier of its expiry and ACCEPTED_FOR_SECONDS from now)."""

    tokens: OrderedDict[str, tuple[Identity, float]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, token: str) -> Identity | None:
        with self.lock:
            found = self.tokens.get(token)
            if found is None:
                return None
            if time.time() >= found[1]:
                del self.tokens[token]
                return None
            self.tokens.move_to_end(token)
            return found[0]

    def keep(self, token: str, identity: Identity, expires: float) -> None:
        with self.lock:
            self.tokens[token] = (identity, min(expires, time.time() + ACCEPTED_FOR_SECONDS))
            while len(self.tokens) > ACCEPTED_KEPT:
                self.tokens.popitem(last=False)


@dataclass(frozen=True)
class Verifier:
    """Checks a token's signature, issuer, audience and expiry, and reads the identity."""

    issuer: str
    audience: str
    keys: jwt.PyJWKClient | Any  # a JWKS client, or a public key for the development issuer
    claims: ClaimMap = field(default_factory=ClaimMap)  # where roles and names are kept
    accepted: Accepted = field(default_factory=Accepted, compare=False, repr=False)

    def identity(self, token: str) -> Identity:
        found = self.accepted.get(token)
        if found is not None:
            return found
        try:
            key = (self.keys.get_signing_key_from_jwt(token).key
                   if isinstance(self.keys, jwt.PyJWKClient) else self.keys)
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=self.audience,
                                issuer=self.issuer, options={"require": ["exp", "sub", "iss"]})
        except (jwt.PyJWTError, ValueError) as error:
            raise NotAuthenticated(f"the bearer token was not accepted: {error}") from error
        try:
            identity = self.claims.identity(claims)
        except (UnmappedIdentity, ValueError) as error:
            raise NotAuthenticated(f"the token names no usable role: {error}") from error
        self.accepted.keep(token, identity, float(claims["exp"]))
        return identity


class DevelopmentIssuer:
    """A local issuer for the embedded default: one RSA key, kept beside the data."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = private.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
            key_file.touch(mode=0o600)
            key_file.write_bytes(pem)
        self._private = serialization.load_pem_private_key(key_file.read_bytes(), None)

    @property
    def public_key(self) -> Any:
        return self._private.public_key()

    def issue(self, identity: Identity, hours: float = 8.0,
              audience: str = DEFAULT_AUDIENCE) -> str:
        now = int(time.time())
        claims = {"iss": DEV_ISSUER, "aud": audience, "sub": identity.user,
                  "role": identity.role.value, "iat": now, "exp": now + int(hours * 3600)}
        if identity.provider_id:
            claims["provider"] = identity.provider_id
        if identity.name:
            claims["name"] = identity.name
        return jwt.encode(claims, self._private, algorithm=ALGORITHM,
                          headers={"kid": KEY_ID})

    def jwks(self) -> dict[str, Any]:
        """The public key as a JSON Web Key Set, as an identity provider publishes it."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.public_key))
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": ALGORITHM}]}

    def verifier(self, audience: str = DEFAULT_AUDIENCE) -> Verifier:
        return Verifier(DEV_ISSUER, audience, self.public_key)
