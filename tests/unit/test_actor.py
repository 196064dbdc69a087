"""Who acts: the token's person when sign-in is on, the X-Assure-* headers only when it is off,
and the demo's and loader's way of acting as a named person (issue 14)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from assure.signin import as_person, identity_for, name_in_headers
from shared.security.actor import UNAUTHENTICATED, Actor
from shared.security.identity import Identity, Role
from shared.security.tokens import DevelopmentIssuer

pytestmark = pytest.mark.unit


def app_with(signed_in: Identity | None = None, required: bool = False) -> TestClient:
    """A route that answers who acts; `signed_in` stands for what the guard verified."""
    app = FastAPI()
    app.state.sign_in_required = required

    @app.post("/act")
    def act(request: Request, actor: Actor) -> dict[str, str | None]:
        return {"user": actor.user, "display": actor.display, "role": actor.role.value,
                "provider": actor.provider_id}

    if signed_in is not None:
        @app.middleware("http")
        async def guard(request: Request, call_next):  # as the guard's dependency does
            request.state.identity = signed_in
            return await call_next(request)

    return TestClient(app)


def test_with_sign_in_on_the_token_is_who_acts_whatever_the_headers_say():
    signed_in = Identity("ann", Role.COMMISSIONING_OFFICER, name="Ann Duncan")
    answer = app_with(signed_in, required=True).post("/act", headers={
        "X-Assure-User": "Fiona Reid", "X-Assure-Role": "cswo"})
    assert answer.json() == {"user": "ann", "display": "Ann Duncan",
                             "role": "commissioning_officer", "provider": None}


def test_with_sign_in_on_and_no_verified_person_nobody_acts():
    answer = app_with(required=True).post("/act", headers={"X-Assure-User": "Fiona Reid"})
    assert answer.status_code == 401


def test_with_sign_in_off_the_headers_name_who_acts_else_an_unauthenticated_user():
    client = app_with()
    named = client.post("/act", headers={"X-Assure-User": "Jo Officer",
                                         "X-Assure-Role": "head_of_strategic_planning"})
    provider = client.post("/act", headers={"X-Assure-User": "Registered manager",
                                            "X-Assure-Role": "provider_user",
                                            "X-Assure-Provider": "oakwood"})
    nobody = client.post("/act")
    assert named.json() == {"user": "Jo Officer", "display": "Jo Officer",
                            "role": "head_of_strategic_planning", "provider": None}
    assert provider.json()["provider"] == "oakwood"
    assert nobody.json() == {"user": UNAUTHENTICATED, "display": UNAUTHENTICATED,
                             "role": "administrator", "provider": None}


def test_with_sign_in_off_bad_headers_are_refused_naming_them():
    client = app_with()
    no_such_role = client.post("/act", headers={"X-Assure-Role": "king"})
    no_provider = client.post("/act", headers={"X-Assure-Role": "provider_user"})
    assert no_such_role.status_code == 422
    assert no_such_role.json()["detail"][0]["loc"] == ["header", "X-Assure-Role"]
    assert no_provider.status_code == 422 and "X-Assure-Provider" in no_provider.json()["detail"]


def test_the_tokens_name_claim_is_the_name_recorded_and_its_subject_otherwise(tmp_path: Path):
    issuer = DevelopmentIssuer(tmp_path / "key.pem")
    verify = issuer.verifier().identity
    named = verify(issuer.issue(Identity("u-123", Role.CSWO, name="Fiona Reid")))
    plain = verify(issuer.issue(Identity("Fiona Reid", Role.CSWO)))
    assert (named.user, named.display) == ("u-123", "Fiona Reid")
    assert (plain.user, plain.display) == ("Fiona Reid", "Fiona Reid")


def test_a_request_made_as_a_named_person_signs_in_as_them():
    request = httpx.Request("POST", "http://assure/escalation/escalations/x/approve",
                            extensions=as_person("Morag Campbell",
                                                 Role.HEAD_OF_STRATEGIC_PLANNING))
    unnamed = httpx.Request("POST", "http://assure/escalation/escalations/x/approve")
    assert identity_for(request) == Identity("Morag Campbell", Role.HEAD_OF_STRATEGIC_PLANNING)
    assert identity_for(unnamed, "Jo").role in {Role.HEAD_OF_STRATEGIC_PLANNING,
                                                Role.GENERAL_MANAGER, Role.CSWO}
    name_in_headers(request, identity_for(request))
    assert (request.headers["X-Assure-User"], request.headers["X-Assure-Role"]) == (
        "Morag Campbell", "head_of_strategic_planning")
