"""Signing in at the council's own identity provider: OpenID Connect authorisation code with
PKCE (S256), state and nonce, the provider found by discovery from its issuer.

authlib does the OAuth 2.0 protocol (the authorisation address, PKCE, the code and refresh
grants) rather than hand-written requests; PyJWT, which checks every API token, checks the ID
token against the provider's published keys, the client id and the nonce.
"""

from __future__ import annotations

import secrets
import time
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from assure.console.sessions import PendingSignIn, Tokens
from shared.settings import AssureSettings

TIMEOUT = 15
ALGORITHMS = ["RS256", "PS256", "ES256"]


class SignInFailed(Exception):
    """The provider refused, or answered with something we cannot trust."""


class CouncilIdentityProvider:
    """The council's OpenID provider, as the console's client."""

    def __init__(self, settings: AssureSettings) -> None:
        self.settings = settings
        self.issuer = settings.auth_issuer  # exactly as the provider's tokens name it

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """The provider's endpoints, from its discovery document."""
        discovery = f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        found = requests.get(discovery, timeout=TIMEOUT)
        found.raise_for_status()
        return found.json()

    @cached_property
    def _keys(self) -> jwt.PyJWKClient:
        return jwt.PyJWKClient(self.metadata["jwks_uri"])

    def _client(self, redirect_uri: str | None = None) -> OAuth2Session:
        settings = self.settings
        # A refresh (no redirect_uri) asks again for the scopes but offline_access: some
        # providers grant it only on consent and refuse a refresh asking for more than was
        # granted, while Entra ID wants the API's scope named on every refresh.
        scope = settings.oidc_scopes if redirect_uri else " ".join(
            s for s in settings.oidc_scopes.split() if s != "offline_access")
        return OAuth2Session(settings.oidc_client_id, settings.oidc_client_secret or None,
                             scope=scope, redirect_uri=redirect_uri,
                             code_challenge_method="S256",
                             token_endpoint_auth_method=(
                                 "client_secret_post" if settings.oidc_client_secret else "none"))

    def _extra(self) -> dict[str, str]:
        return {"resource": self.settings.oidc_resource} if self.settings.oidc_resource else {}

    def begin(self, redirect_uri: str, next_page: str) -> tuple[str, str, PendingSignIn]:
        """Where to send the person, the state naming this sign-in, and what to keep."""
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        url, _ = self._client(redirect_uri).create_authorization_url(
            self.metadata["authorization_endpoint"], state=state, code_verifier=verifier,
            nonce=nonce, **self._extra())
        return url, state, PendingSignIn(nonce, verifier, next_page)

    def finish(self, code: str, redirect_uri: str, pending: PendingSignIn) -> Tokens:
        """Exchanges the code (with the PKCE verifier) for tokens and checks the ID token."""
        token = self._grant(lambda client: client.fetch_token(
            self.metadata["token_endpoint"], grant_type="authorization_code", code=code,
            code_verifier=pending.verifier, **self._extra()), redirect_uri)
        if "id_token" not in token:
            raise SignInFailed("the identity provider sent no ID token")
        self._check_id_token(token["id_token"], pending.nonce)
        return _tokens(token)

    def refreshed(self, refresh_token: str) -> Tokens:
        """New tokens for a session whose access token is near its end."""
        return _tokens(self._grant(lambda client: client.refresh_token(
            self.metadata["token_endpoint"], refresh_token=refresh_token, **self._extra())))

    def _grant(self, call: Any, redirect_uri: str | None = None) -> dict[str, Any]:
        try:
            with self._client(redirect_uri) as client:
                return dict(call(client))
        except (AuthlibBaseError, requests.RequestException, ValueError, KeyError) as error:
            raise SignInFailed(f"the identity provider did not give tokens: {error}") from error

    def _check_id_token(self, id_token: str, nonce: str) -> None:
        try:
            key = self._keys.get_signing_key_from_jwt(id_token).key
            claims = jwt.decode(id_token, key, algorithms=ALGORITHMS, issuer=self.issuer,
                                audience=self.settings.oidc_client_id,
                                options={"require": ["exp", "iat", "sub", "nonce"]})
        except jwt.PyJWTError as error:
            raise SignInFailed(f"the ID token was not accepted: {error}") from error
        if not secrets.compare_digest(str(claims["nonce"]), nonce):
            raise SignInFailed("the ID token was not for this sign-in (nonce)")

    def end_session_url(self, id_token: str | None, after: str) -> str | None:
        """Where to end the person's session at the provider too, if it offers that."""
        endpoint = self.metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        query = {"post_logout_redirect_uri": after, "client_id": self.settings.oidc_client_id}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"


def _tokens(token: dict[str, Any]) -> Tokens:
    expires = token.get("expires_at") or time.time() + float(token.get("expires_in", 300))
    return Tokens(token["access_token"], float(expires), token.get("refresh_token"),
                  token.get("id_token"))
