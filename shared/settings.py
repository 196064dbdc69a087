"""Settings shared by every service, read from ASSURE_* environment variables."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class AssureSettings(BaseSettings):
    """Where the system keeps its data and finds NATS and PostgreSQL; see the README's table."""

    model_config = SettingsConfigDict(env_prefix="ASSURE_", extra="ignore")

    data_dir: Path = Path("assure-data")
    nats_url: str | None = Field(
        default=None, description="External NATS; unset means `assure up` starts its own."
    )
    namespace: str = Field(
        default="", description="Prefix for streams and subjects, to share one NATS server."
    )
    partitions: int = Field(default=4, ge=1, le=64)
    duplicate_window_seconds: float = Field(default=120.0, gt=0)
    max_deliver: int = Field(default=5, ge=1, description="Failed attempts before parking.")
    ack_wait_seconds: float = Field(default=30.0, gt=0)
    publish_timeout_seconds: float = Field(default=5.0, gt=0)
    nats_sync_always: bool = Field(
        default=False, description="fsync every JetStream write (the spawned server only)."
    )

    postgres_host: str | None = Field(default=None, description="Set to use PostgreSQL.")
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: str = ""
    postgres_dbname: str = "assure"
    postgres_schema_prefix: str = "assure_"

    nation: str = Field(
        default="scotland",
        description="Whose public holidays count: scotland or england-and-wales.",
    )
    calendar_file: Path | None = Field(
        default=None, description="The organisation's return calendar and local holidays (JSON)."
    )
    cqc_api_url: str = "https://api.service.cqc.org.uk/public/v1"
    cqc_api_key: str = ""

    run_background_jobs: bool = Field(
        default=True, description="Run scheduled jobs such as the daily return schedule."
    )

    http_host: str = "127.0.0.1"
    http_port: int = 8000

    @field_validator("namespace")
    @classmethod
    def _namespace_is_a_token(cls, value: str) -> str:
        if value and not re.fullmatch(r"[a-z0-9]{1,32}", value):
            raise ValueError("namespace must be 1-32 lower-case letters or digits")
        return value

    @property
    def uses_postgres(self) -> bool:
        return bool(self.postgres_host)

    def postgres_schema(self, service: str) -> str:
        return f"{self.postgres_schema_prefix}{service}"

    def eventstore_env(self, service: str) -> dict[str, str]:
        """The eventsourcing library's environment for one service's store, and ours."""
        return {**self._store_env(service), **self._service_env()}

    def _service_env(self) -> dict[str, str]:
        return {
            "ASSURE_EVIDENCE_DIR": str(self.data_dir / "evidence"),
            "ASSURE_NATION": self.nation,
            "ASSURE_CALENDAR_FILE": str(self.calendar_file or ""),
            "ASSURE_CQC_API_URL": self.cqc_api_url,
            "ASSURE_CQC_API_KEY": self.cqc_api_key,
        }

    def _store_env(self, service: str) -> dict[str, str]:
        if self.uses_postgres:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_HOST": str(self.postgres_host),
                "POSTGRES_PORT": str(self.postgres_port),
                "POSTGRES_USER": self.postgres_user,
                "POSTGRES_PASSWORD": self.postgres_password,
                "POSTGRES_DBNAME": self.postgres_dbname,
                "POSTGRES_SCHEMA": self.postgres_schema(service),
            }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.data_dir / f"{service}.sqlite"),
            "SQLITE_LOCK_TIMEOUT": "10",
        }

    def prepare_store(self, service: str) -> None:
        """PostgreSQL schemas are not created by the eventsourcing library, so create ours."""
        if not self.uses_postgres:
            return
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=self.postgres_host,
            port=self.postgres_port,
            user=self.postgres_user,
            password=self.postgres_password,
            dbname=self.postgres_dbname,
            autocommit=True,
        ) as conn:
            schema = sql.Identifier(self.postgres_schema(service))
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
