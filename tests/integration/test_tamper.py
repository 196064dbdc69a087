"""Tamper evidence on both stores: a row edited or removed behind the application's back is
found by verification, at the service, aggregate and version where the chain breaks."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from assure.services import ALL
from services.intake.application import Award
from shared.chain import GENESIS, unseal
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration

SERVICES = {service.name: service for service in ALL}


@pytest.fixture
def intake(settings: AssureSettings) -> Iterator[Any]:
    app = SERVICES["intake"].build(settings)
    app.register_provider("Oakwood", "oakwood", "officer", "c1")
    app.award_contract(Award(
        provider_id="oakwood", reference="OAK-1", service_type="care-home",
        annual_value=Decimal(250000), regulator=None, regulator_service_id=None,
        start_date=date(2025, 4, 1), end_date=None, contract_manager="Ann"), "officer", "c2")
    app.change_contract("OAK-1", "vary_value", annual_value=Decimal(90000), by="officer",
                        correlation_id="c3")
    yield app
    app.close()


def execute(app: Any, settings: AssureSettings, statement: str, *params: Any) -> None:
    """Runs SQL on the service's own table, as someone with database access could."""
    table = app.recorder.events_table_name
    if settings.uses_postgres:
        with psycopg.connect(host=settings.postgres_host, port=settings.postgres_port,
                             user=settings.postgres_user, password=settings.postgres_password,
                             dbname=settings.postgres_dbname, autocommit=True) as conn:
            schema = settings.postgres_schema("intake")
            query = sql.SQL(statement).format(table=sql.Identifier(schema, table))
            conn.execute(query, tuple(str(p) if isinstance(p, UUID) else p for p in params))
        return
    # eventsourcing keeps ids in SQLite as 32 hex digits.
    params = tuple(p.hex if isinstance(p, UUID) else p for p in params)
    with sqlite3.connect(settings.data_dir / "intake.sqlite") as conn:
        conn.execute(statement.replace("{table}", table).replace("%s", "?"), params)


def stored(app: Any) -> list[Any]:
    return list(app.recorder.select_notifications(1, 1000))


def test_an_untouched_store_verifies_and_every_event_is_chained(intake):
    result = intake.verify()

    assert result.intact and result.broken is None
    assert result.events == len(stored(intake)) >= 4
    first = stored(intake)[0]
    assert unseal(first.state)[1] == GENESIS  # an aggregate's first event starts the chain


def test_a_stored_event_edited_in_the_database_is_found(intake, settings):
    target = next(n for n in stored(intake) if n.topic.endswith("Contract.ValueVaried"))
    payload, prev, digest = unseal(target.state)
    forged = payload.replace(b"90000", b"9000") + target.state[len(payload):]
    assert forged != target.state

    execute(intake, settings,
            "UPDATE {table} SET state = %s WHERE originator_id = %s AND originator_version = %s",
            forged, target.originator_id, target.originator_version)

    result = intake.verify()
    assert not result.intact
    assert (result.broken.aggregate_id, result.broken.version) == (
        str(target.originator_id), target.originator_version)
    assert "was changed" in result.broken.reason


def test_an_event_deleted_from_the_middle_of_a_chain_is_found(intake, settings):
    contract = [n for n in stored(intake) if n.topic.endswith("Contract.Awarded")][0]
    execute(intake, settings,
            "DELETE FROM {table} WHERE originator_id = %s AND originator_version = %s",
            contract.originator_id, contract.originator_version + 1)

    result = intake.verify()

    assert not result.intact
    assert result.broken.version == contract.originator_version + 2
    assert "missing" in result.broken.reason


def test_with_an_audit_key_a_recomputed_plain_hash_does_not_pass(settings):
    keyed = settings.model_copy(update={"audit_key": "a secret kept outside the database"})
    app = SERVICES["intake"].build(keyed)
    try:
        app.register_provider("Elm", "elm", "officer", "c1")
        assert app.verify().intact
        assert not SERVICES["intake"].build(settings).verify().intact  # wrong key: not intact
    finally:
        app.close()
