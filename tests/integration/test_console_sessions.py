"""Console sessions held on the server, on SQLite and on PostgreSQL: a session opened is found
by its id alone, refreshed tokens replace the old, signing out or its end removes it, and a
sign-in under way is taken once only."""

from __future__ import annotations

import time

import pytest

from assure.console.sessions import PendingSignIn, SessionStore, Tokens
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration


@pytest.fixture
def sessions(settings: AssureSettings) -> SessionStore:
    return SessionStore.of(settings)


def test_a_session_is_found_by_its_id_until_its_person_signs_out(sessions: SessionStore):
    tokens = Tokens("access-1", time.time() + 600, "refresh-1", "id-1")
    session_id = sessions.open(tokens, hours=8)
    assert sessions.get(session_id).tokens == tokens
    assert sessions.get(session_id + "x") is None

    assert sessions.end(session_id).tokens.id_token == "id-1"
    assert sessions.get(session_id) is None
    assert sessions.end(session_id) is None


def test_refreshed_tokens_replace_the_old_and_keep_what_the_provider_did_not_resend(
        sessions: SessionStore):
    session_id = sessions.open(Tokens("access-1", time.time() + 5, "refresh-1", "id-1"), 8)
    sessions.renew(session_id, Tokens("access-2", time.time() + 600))
    found = sessions.get(session_id)
    assert found.tokens.access_token == "access-2"
    assert (found.tokens.refresh_token, found.tokens.id_token) == ("refresh-1", "id-1")
    assert not found.needs_refresh(time.time())


def test_a_session_past_its_end_is_gone(sessions: SessionStore):
    session_id = sessions.open(Tokens("access", time.time() + 600), hours=-1 / 3600)
    assert sessions.get(session_id) is None


def test_a_sign_in_under_way_is_taken_once(sessions: SessionStore):
    sessions.begin_sign_in("state-1", PendingSignIn("nonce", "verifier", "/console/inbox"))
    assert sessions.take_sign_in("state-2") is None
    assert sessions.take_sign_in("state-1") == PendingSignIn("nonce", "verifier",
                                                             "/console/inbox")
    assert sessions.take_sign_in("state-1") is None


def test_sessions_outlive_the_store_that_opened_them(settings: AssureSettings):
    session_id = SessionStore.of(settings).open(Tokens("access", time.time() + 600), 8)
    assert SessionStore.of(settings).get(session_id).tokens.access_token == "access"
