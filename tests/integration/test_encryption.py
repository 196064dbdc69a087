"""Encryption at rest: with ASSURE_CIPHER_KEY set, the raw store holds no readable payload, the
service reads its own events back, and the hash chains still verify (issue 8)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher
from psycopg import sql

from assure.services import ALL

pytestmark = pytest.mark.integration
INTAKE = next(service for service in ALL if service.name == "intake")
NAME = b"Oakwood Lodge Residential Care"


def raw_states(app, settings) -> list[bytes]:
    """The stored payloads, read straight from the database as anyone with access could."""
    table = app.recorder.events_table_name
    if settings.uses_postgres:
        with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port,
                             user=settings.postgres_user, dbname=settings.postgres_dbname) as c:
            query = sql.SQL("SELECT state FROM {}").format(
                sql.Identifier(settings.postgres_schema("intake"), table))
            return [bytes(row[0]) for row in c.execute(query)]
    with sqlite3.connect(settings.data_dir / "intake.sqlite") as c:
        return [row[0] for row in c.execute(f"SELECT state FROM {table}")]


@pytest.mark.parametrize("encrypted", [False, True])
def test_with_a_key_the_stored_payloads_cannot_be_read_without_it(settings, encrypted):
    if encrypted:
        settings = settings.model_copy(update={"cipher_key": AESCipher.create_key(32)})
    app = INTAKE.build(settings)
    try:
        app.register_provider(NAME.decode(), "oakwood", "officer", "c1")

        stored = raw_states(app, settings)
        assert stored
        assert any(NAME in state for state in stored) is not encrypted
        assert app.get_provider("oakwood").name == NAME.decode()
        assert app.verify().intact
    finally:
        app.close()


def test_a_store_opened_with_the_wrong_key_refuses_to_read(settings):
    keyed = settings.model_copy(update={"cipher_key": AESCipher.create_key(32)})
    app = INTAKE.build(keyed)
    app.register_provider(NAME.decode(), "oakwood", "officer", "c1")
    app.close()

    wrong = INTAKE.build(settings.model_copy(update={"cipher_key": AESCipher.create_key(32)}))
    try:
        with pytest.raises(Exception, match="(?i)decrypt|deserialise|tag"):
            wrong.get_provider("oakwood")
    finally:
        wrong.close()
