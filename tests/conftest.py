"""Real parts for the tests: a NATS server and PostgreSQL, each run isolated and cleaned up.

NATS: ASSURE_TEST_NATS_URL names a server (CI uses the machine's); otherwise the bundled
nats-server is started on a free port. Each test gets its own namespace (streams and subjects),
deleted afterwards.

PostgreSQL: ASSURE_TEST_POSTGRES_HOST (with _PORT, _USER, _PASSWORD, _DBNAME) names a server;
otherwise a testcontainers container where a Docker engine runs; otherwise the PostgreSQL tests
skip, saying why. Under CI=true they must run, so a missing server fails instead. Each test
gets its own schemas, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import psycopg
import pytest
from psycopg import sql

from shared.nats_server import EmbeddedNats
from shared.settings import AssureSettings


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("ASSURE_TEST_NATS_URL")
    if external:
        yield external
        return
    server = EmbeddedNats(tmp_path_factory.mktemp("nats")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def namespace(nats_url: str) -> AsyncIterator[str]:
    """A namespace of streams for one test; its streams are deleted afterwards."""
    name = f"t{uuid.uuid4().hex[:12]}"
    yield name
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for stream in await js.streams_info():
            # The test's streams, and its key-value buckets' (KV_<NS>_LEASES).
            if stream.config.name.startswith((f"{name.upper()}_", f"KV_{name.upper()}_")):
                await js.delete_stream(stream.config.name)
    finally:
        await nc.close()


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
            autocommit=True,
        )


def _docker_engine_running() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means no engine to use
        return False


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    env = os.environ
    if env.get("ASSURE_TEST_POSTGRES_HOST"):
        yield Postgres(
            env["ASSURE_TEST_POSTGRES_HOST"],
            int(env.get("ASSURE_TEST_POSTGRES_PORT", "5432")),
            env.get("ASSURE_TEST_POSTGRES_USER", "postgres"),
            env.get("ASSURE_TEST_POSTGRES_PASSWORD", ""),
            env.get("ASSURE_TEST_POSTGRES_DBNAME", "test"),
        )
        return
    if _docker_engine_running():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield Postgres(
                container.get_container_host_ip(),
                int(container.get_exposed_port(5432)),
                container.username,
                container.password,
                container.dbname,
            )
        return
    reason = "no PostgreSQL: set ASSURE_TEST_POSTGRES_HOST, or run a Docker engine"
    if env.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[dict[str, object]]:
    """Settings for one kind of event store; the same test runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        yield {}
        return
    pg: Postgres = request.getfixturevalue("postgres")
    prefix = f"t{uuid.uuid4().hex[:12]}_"
    yield {
        "postgres_host": pg.host,
        "postgres_port": pg.port,
        "postgres_user": pg.user,
        "postgres_password": pg.password,
        "postgres_dbname": pg.dbname,
        "postgres_schema_prefix": prefix,
    }
    with pg.connect() as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{prefix}%",)
        ).fetchall()
        for (schema,) in rows:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def settings(
    tmp_path: Path, nats_url: str, namespace: str, store: dict[str, object]
) -> AssureSettings:
    return AssureSettings(
        data_dir=tmp_path / "data",
        nats_url=nats_url,
        namespace=namespace,
        partitions=2,
        ack_wait_seconds=2.0,
        max_deliver=3,
        run_background_jobs=False,
        # Tests move the clock themselves, as an administrator may in training mode only.
        clock="training",
        # Domain tests call the routes directly; sign-in and the role matrix have their own
        # tests (tests/e2e/test_security.py) with this on, as `assure up` runs.
        auth_required=False,
        **store,
    )


@pytest.fixture
def spans() -> Iterator[object]:
    """Tracing on for the test (shared/observability/tracing.py), every span this process ends
    kept in memory (an `InMemorySpanExporter`); off again afterwards."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from shared.observability import tracing

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.shutdown()
