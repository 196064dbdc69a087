"""Console sessions held on the server: the browser's cookie carries only a random session id;
the tokens stay here, so signing out or expiry ends a session whatever the browser kept.

Kept where the system keeps its events: in PostgreSQL (schema `<prefix>console`) when it runs
on PostgreSQL, so every instance behind a load balancer sees every session; otherwise in a small
SQLite file in the data directory. Both survive restarts. Only a hash of each session id is
stored, so the table alone signs no one in. Sign-ins under way (state, nonce and PKCE verifier
until the identity provider sends the person back) live here too, for ten minutes.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.settings import AssureSettings

PENDING_SECONDS = 600
SCHEMA = """
create table if not exists console_session (
    id_hash text primary key, access_token text not null, refresh_token text,
    id_token text, access_expires double precision not null, ends double precision not null);
create table if not exists console_sign_in (
    state_hash text primary key, nonce text not null, verifier text not null,
    next text not null, started double precision not null);
"""


@dataclass(frozen=True)
class Tokens:
    """What the identity provider (or the development issuer) gave for one person."""

    access_token: str
    access_expires: float  # seconds since the epoch
    refresh_token: str | None = None
    id_token: str | None = None


@dataclass(frozen=True)
class Session:
    tokens: Tokens
    ends: float

    def needs_refresh(self, now: float, margin: float = 60.0) -> bool:
        return self.tokens.access_expires - now < margin


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in sent to the identity provider, waiting for the person to come back."""

    nonce: str
    verifier: str
    next: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionStore:
    """Sessions and sign-ins under way, in one database (SQLite or PostgreSQL)."""

    def __init__(self, connect: Callable[[], AbstractContextManager[Any]]) -> None:
        self._db = connect
        with self._db() as db:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)

    @classmethod
    def of(cls, settings: AssureSettings) -> SessionStore:
        """The store beside the system's events."""
        if settings.uses_postgres:
            return cls(_postgres(settings))
        return cls(_sqlite(settings.data_dir / "console-sessions.sqlite"))

    def open(self, tokens: Tokens, hours: float) -> str:
        """A new session; its id, to give the browser."""
        session_id, now = secrets.token_urlsafe(32), time.time()
        with self._db() as db:
            db.execute("delete from console_session where ends < ?", (now,))
            db.execute("insert into console_session values (?, ?, ?, ?, ?, ?)",
                       (_hash(session_id), tokens.access_token, tokens.refresh_token,
                        tokens.id_token, tokens.access_expires, now + hours * 3600))
        return session_id

    def get(self, session_id: str) -> Session | None:
        """The session, or None when there is none or it has ended."""
        with self._db() as db:
            row = db.execute("select access_token, access_expires, refresh_token, id_token, "
                             "ends from console_session where id_hash = ?",
                             (_hash(session_id),)).fetchone()
        if row is None:
            return None
        if row[4] < time.time():
            self.end(session_id)
            return None
        return Session(Tokens(*row[:4]), row[4])

    def renew(self, session_id: str, tokens: Tokens) -> None:
        """Fresh tokens after a refresh; the session still ends when it was going to."""
        with self._db() as db:
            db.execute("update console_session set access_token = ?, access_expires = ?, "
                       "refresh_token = coalesce(?, refresh_token), "
                       "id_token = coalesce(?, id_token) where id_hash = ?",
                       (tokens.access_token, tokens.access_expires, tokens.refresh_token,
                        tokens.id_token, _hash(session_id)))

    def end(self, session_id: str) -> Session | None:
        """Signs out: the session is gone; what it held, for telling the provider."""
        with self._db() as db:
            row = db.execute("delete from console_session where id_hash = ? returning "
                             "access_token, access_expires, refresh_token, id_token, ends",
                             (_hash(session_id),)).fetchone()
        return Session(Tokens(*row[:4]), row[4]) if row else None

    def begin_sign_in(self, state: str, pending: PendingSignIn) -> None:
        now = time.time()
        with self._db() as db:
            db.execute("delete from console_sign_in where started < ?", (now - PENDING_SECONDS,))
            db.execute("insert into console_sign_in values (?, ?, ?, ?, ?)",
                       (_hash(state), pending.nonce, pending.verifier, pending.next, now))

    def take_sign_in(self, state: str) -> PendingSignIn | None:
        """The sign-in this state began, once only, if it began in the last ten minutes."""
        with self._db() as db:
            row = db.execute("delete from console_sign_in where state_hash = ? returning "
                             "nonce, verifier, next, started", (_hash(state),)).fetchone()
        if row is None or row[3] < time.time() - PENDING_SECONDS:
            return None
        return PendingSignIn(*row[:3])


def _sqlite(path: Path) -> Callable[[], AbstractContextManager[Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def connect() -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(path, timeout=10)
        try:
            with db:  # one transaction, committed unless it raised
                yield db
        finally:
            db.close()

    return connect


class _Placeholders:
    """A psycopg connection taking the same `?` placeholders as sqlite3."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> Any:
        return self.db.execute(statement.replace("?", "%s"), params)


def _postgres(settings: AssureSettings) -> Callable[[], AbstractContextManager[Any]]:
    import psycopg

    settings.prepare_store("console")
    schema = settings.postgres_schema("console")

    @contextmanager
    def connect() -> Iterator[_Placeholders]:
        with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port,
                             user=settings.postgres_user, password=settings.postgres_password,
                             dbname=settings.postgres_dbname,
                             options=f"-c search_path={schema}") as db:
            yield _Placeholders(db)

    return connect
