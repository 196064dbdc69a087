"""A bearer token is checked once and then taken again for a minute at most, never past its
expiry (shared/security/tokens.py): each of a person's requests carries the same token, and the
signature check was a tenth of a submission's HTTP time (issue 16)."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from shared.security import tokens
from shared.security.identity import Identity, Role
from shared.security.tokens import ACCEPTED_FOR_SECONDS, DevelopmentIssuer, NotAuthenticated

pytestmark = pytest.mark.unit

MANAGER = Identity("Registered manager", Role.PROVIDER_USER, "elm")


@pytest.fixture
def issuer(tmp_path: Path) -> DevelopmentIssuer:
    return DevelopmentIssuer(tmp_path / "dev-issuer.pem")


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens whose signature and claims are checked from now on."""
    checked: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: object, **kwargs: object) -> object:
        checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", counted)
    return checked


def test_a_token_accepted_once_is_taken_again_without_checking_it(issuer, checks):
    verifier, token = issuer.verifier(), issuer.issue(MANAGER)

    assert [verifier.identity(token) for _ in range(3)] == [MANAGER] * 3
    assert checks == [token]


def test_a_token_is_checked_again_after_a_minute(issuer, checks, monkeypatch):
    verifier, token = issuer.verifier(), issuer.issue(MANAGER)
    verifier.identity(token)
    now = tokens.time.time()
    monkeypatch.setattr(tokens.time, "time", lambda: now + ACCEPTED_FOR_SECONDS + 1)

    assert verifier.identity(token) == MANAGER
    assert checks == [token, token]


def test_a_token_is_never_taken_past_its_expiry(issuer, checks, monkeypatch):
    verifier, token = issuer.verifier(), issuer.issue(MANAGER, hours=10 / 3600)  # 10 s
    verifier.identity(token)
    now = tokens.time.time()
    monkeypatch.setattr(tokens.time, "time", lambda: now + 11)

    verifier.identity(token)  # checked again (the real clock says it has not expired yet)

    assert checks == [token, token]


def test_a_refused_token_is_refused_each_time(issuer, checks):
    verifier, token = issuer.verifier(), issuer.issue(MANAGER, hours=-1)

    for _ in range(2):
        with pytest.raises(NotAuthenticated):
            verifier.identity(token)
    assert checks == [token, token]
