"""Settings shared by every service, read from ASSURE_* environment variables."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from datetime import date
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.at_rest import PREVIOUS_KEYS, Sealer, decode_key, private_directory, split_keys
from shared.clock import EARLIEST, LATEST, ClockMode, is_sane


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
    stream_replicas: int = Field(
        default=1, ge=1, le=5,
        description="Copies of each stream in a NATS cluster; 3 for production.",
    )
    max_deliver: int = Field(default=5, ge=1, description="Failed attempts before parking.")
    ack_wait_seconds: float = Field(default=30.0, gt=0)
    consumer_batch: int = Field(
        default=64, ge=1, le=1000,
        description="Messages a consumer fetches at once (and has in flight) per partition.",
    )
    publish_timeout_seconds: float = Field(default=5.0, gt=0)
    # Readiness fails when a relay or a consumer is this many events or messages behind.
    ready_max_lag: int = Field(default=5000, gt=0)
    # A scraper elsewhere sends this as a bearer token; without it /metrics answers only
    # callers on this machine.
    metrics_token: str = ""
    tracing: str = Field(
        default="", pattern="^(|otlp|console|off)$",
        description="Traces (OpenTelemetry): `otlp` sends them to the collector at "
        "OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318), `console` prints them, "
        "`off` never traces; empty: on when OpenTelemetry's own OTEL_TRACES_EXPORTER or "
        "OTEL_EXPORTER_OTLP_ENDPOINT is set.")
    instance_id: str = Field(
        default="",
        description="Names this instance among several of a service (default: host and data "
        "directory); give each instance on one machine its own.",
    )
    relay_lease_seconds: float = Field(
        default=10.0, gt=0,
        description="An instance that stops renewing its relay lease loses it after this long.",
    )
    nats_sync_always: bool = Field(
        default=False, description="fsync every JetStream write (the spawned server only)."
    )
    nats_credentials_dir: Path | None = Field(
        default=None,
        description="One `<user>.password` file per service's NATS user; unset: no credentials.",
    )
    nats_tls_ca: Path | None = Field(default=None, description="CA of the NATS server (PEM).")
    nats_tls_cert: Path | None = Field(default=None, description="Client certificate (PEM).")
    nats_tls_key: Path | None = Field(default=None, description="Client certificate's key.")
    nats_tls_first: bool = Field(
        default=True, description="TLS from the first byte (the server's `handshake_first`)."
    )

    postgres_host: str | None = Field(default=None, description="Set to use PostgreSQL.")
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: str = ""
    postgres_dbname: str = "assure"
    postgres_schema_prefix: str = "assure_"
    postgres_pool_size: int | None = Field(
        default=None, description="Connections each service's store keeps open (eventsourcing's "
        "POSTGRES_POOL_SIZE, 5, when unset); `assure up` sets 1, as each store is opened twice.")

    nation: str = Field(
        default="scotland",
        description="Whose public holidays count: scotland or england-and-wales.",
    )
    calendar_file: Path | None = Field(
        default=None, description="The organisation's return calendar and local holidays (JSON)."
    )
    cipher_key: str = Field(
        default="",
        description="Encrypts event payloads at rest (AES-GCM; a base64 key of 16, 24 or 32 "
        "bytes, e.g. from `assure key`): the stores, evidence, the mail folder and the "
        "embedded NATS server's JetStream files; empty means not encrypted.",
    )
    cipher_previous_keys: str = Field(
        default="",
        description="Earlier cipher keys, comma-separated, newest first: still read, never "
        "written (key rotation; `assure key rotate` re-encrypts what they sealed).",
    )
    audit_key: str = Field(
        default="",
        description="Key for the stores' hash chains (HMAC-SHA-256); empty means plain SHA-256.",
    )
    risk_config_file: Path | None = Field(
        default=None,
        description="The council's scoring model, risk matrix and rule thresholds (JSON).",
    )
    notify_config_file: Path | None = Field(
        default=None,
        description="Who is told what, and how: rules, distribution lists, webhooks (JSON).",
    )
    smtp_host: str | None = Field(
        default=None, description="Mail server; unset means e-mail is written to data_dir/mail."
    )
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_tls: str = Field(default="auto", pattern="^(auto|starttls|tls|none)$")
    notify_max_attempts: int = Field(default=5, ge=1, description="Attempts before giving up.")
    notify_retry_seconds: float = Field(
        default=30.0, gt=0, description="Wait before the first retry; doubles each time."
    )
    notify_send_timeout_seconds: float = Field(default=30.0, gt=0)
    cqc_api_url: str = "https://api.service.cqc.org.uk/public/v1"
    cqc_api_key: str = ""

    clock: ClockMode = Field(
        default=ClockMode.REAL,
        description="real: the council's date is the real UK date and no one moves it; "
        "training: an administrator moves it by hand (demos, courses, old data sets).")
    clock_start: date | None = Field(
        default=None, description="Training mode: the date the clock starts at on a store "
        "without one (unset: the first tick by hand sets it).")

    sharing_file: Path | None = Field(
        default=None, description="This council's id and name and its partner councils, for "
        "sharing intelligence with them (JSON); unset: no sharing.")
    sharing_nats_url: str | None = Field(
        default=None, description="The council's edge server for sharing, run by the council "
        "with the configuration Assure writes; unset: Assure starts its own.")
    sharing_edge_dir: Path | None = Field(
        default=None, description="Where the edge's configuration, passwords, pid file and "
        "JetStream files are (default: <data dir>/edge).")

    run_background_jobs: bool = Field(
        default=True, description="Run scheduled jobs such as the daily return schedule."
    )

    processes: str = Field(
        default="each", pattern="^(each|one)$",
        description="`assure up`: each service in a process of its own (every core works), or "
        "all in one process (`--one-process`).")
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    auth_required: bool = Field(
        default=True, description="Every route but health, docs and sign-in needs a token.")
    auth_issuer: str = Field(
        default="assure-development-issuer",
        description="The identity provider's issuer (OIDC `iss`); the default is the "
        "development issuer of the embedded default.")
    auth_audience: str = Field(default="assure", description="The audience tokens must name.")
    auth_jwks_url: str | None = Field(
        default=None, description="Where the identity provider publishes its keys (JWKS); "
        "unset means the development issuer.")
    auth_roles_claim: str = Field(
        default="role", description="The claim holding a person's roles, as a dotted path: "
        "`roles` (Entra ID app roles), `groups` (Entra ID groups), `realm_access.roles` "
        "(Keycloak).")
    auth_role_map: dict[str, str] = Field(
        default_factory=dict, description="The identity provider's role names or group ids to "
        "Assure roles, as JSON (`{\"Assure.Officer\": \"commissioning_officer\"}`); Assure's "
        "own role names always map to themselves.")
    auth_provider_claim: str = Field(
        default="provider", description="The claim naming a provider user's organisation "
        "(its provider id).")
    auth_name_claim: str = Field(
        default="name", description="The claim holding the person's name, shown and recorded "
        "as who acted; `sub` is used where it is missing.")
    oidc_client_id: str | None = Field(
        default=None, description="The console's client id at the identity provider; set it "
        "to sign people in to the console there (authorisation code with PKCE).")
    oidc_client_secret: str = Field(
        default="", description="The console's client secret; empty for a public client.")
    oidc_redirect_url: str | None = Field(
        default=None, description="Where the provider sends people back, "
        "`https://HOST/console/signed-in`; unset: from the address the browser used.")
    oidc_scopes: str = Field(
        default="openid profile offline_access", description="Scopes the console asks for; "
        "add the API's scope (Entra: `api://CLIENT_ID/access`).")
    oidc_resource: str | None = Field(
        default=None, description="A resource indicator (RFC 8707) for the access token, for "
        "providers that use one; unset for Entra ID and Keycloak.")
    console_session_hours: float = Field(
        default=8.0, gt=0, description="A console session ends this long after sign-in, "
        "whatever the provider's tokens say.")
    dev_sign_in: bool = Field(
        default=True, description="The development issuer signs anyone in who asks, by name "
        "and role (`POST /auth/dev-token`, the console's form): only for this machine's own "
        "users, so only on a loopback address.")
    trusted_proxies: str = Field(
        default="", description="Addresses or networks of the reverse proxies in front of "
        "Assure, comma-separated (e.g. `10.0.0.5, 10.1.0.0/16`): only their X-Forwarded-For is "
        "believed. Empty: the peer's own address is the client's.")

    @field_validator("namespace")
    @classmethod
    def _namespace_is_a_token(cls, value: str) -> str:
        if value and not re.fullmatch(r"[a-z0-9]{1,32}", value):
            raise ValueError("namespace must be 1-32 lower-case letters or digits")
        return value

    @field_validator("cipher_key")
    @classmethod
    def _cipher_key_is_a_key(cls, value: str) -> str:
        if value.strip():
            decode_key(value)
        return value.strip()

    @field_validator("cipher_previous_keys")
    @classmethod
    def _previous_keys_are_keys(cls, value: str) -> str:
        for key in split_keys(value):
            decode_key(key)
        return ",".join(split_keys(value))

    @property
    def previous_keys(self) -> list[str]:
        return split_keys(self.cipher_previous_keys)

    def sealer(self, purpose: str) -> Sealer:
        """Seals and opens files of one purpose (evidence, mail) under the configured keys."""
        return Sealer.from_keys(self.cipher_key, self.previous_keys, purpose)
    @field_validator("clock_start")
    @classmethod
    def _start_is_sane(cls, value: date | None) -> date | None:
        if value is not None and not is_sane(value):
            raise ValueError(f"the clock starts between {EARLIEST} and {LATEST}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in _entries(value):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry[:60]!r} is not an IP address or network") from None
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(e, strict=False) for e in _entries(self.trusted_proxies))

    @property
    def sign_in(self) -> str:
        """Which sign-in is in force: oidc (the council's identity provider), development (the
        development issuer's key in the data directory) or off."""
        if not self.auth_required:
            return "off"
        return "oidc" if self.auth_jwks_url else "development"

    @property
    def development_sign_in(self) -> bool:
        """Whether anyone who asks is signed in by the development issuer."""
        return self.sign_in == "development" and self.dev_sign_in

    def describe_sign_in(self) -> str:
        """One line for the start-up log: which sign-in is active."""
        if self.sign_in == "oidc":
            return f"Sign-in: the council's identity provider {self.auth_issuer}"
        if self.sign_in == "off":
            return "Sign-in: off (anyone on this machine acts as whoever they name)"
        if self.development_sign_in:
            return (f"Sign-in: development issuer on {self.http_host} (anyone on this machine "
                    "signs in as any name and role; keys in the data directory)")
        return "Sign-in: development issuer, tokens from `assure token` only"

    @property
    def uses_postgres(self) -> bool:
        return bool(self.postgres_host)

    @property
    def instance(self) -> str:
        return self.instance_id or f"{socket.gethostname()}:{self.data_dir.resolve()}"

    def postgres_schema(self, service: str) -> str:
        return f"{self.postgres_schema_prefix}{service}"

    def eventstore_env(self, service: str) -> dict[str, str]:
        """The eventsourcing library's environment for one service's store, and ours."""
        return {**self._store_env(service), **self._cipher_env(), **self._service_env()}

    def _cipher_env(self) -> dict[str, str]:
        if not self.cipher_key:
            return {}
        # StoreCipher is eventsourcing's AESCipher, also reading under the previous keys.
        return {"CIPHER_TOPIC": "shared.at_rest:StoreCipher", "CIPHER_KEY": self.cipher_key,
                PREVIOUS_KEYS: self.cipher_previous_keys}

    def _service_env(self) -> dict[str, str]:
        return {
            "ASSURE_EVIDENCE_DIR": str(self.data_dir / "evidence"),
            "ASSURE_CIPHER_KEY": self.cipher_key,
            PREVIOUS_KEYS: self.cipher_previous_keys,
            "ASSURE_NATION": self.nation,
            "ASSURE_CLOCK": ClockMode(self.clock).value,
            "ASSURE_CLOCK_START": self.clock_start.isoformat() if self.clock_start else "",
            "ASSURE_CALENDAR_FILE": str(self.calendar_file or ""),
            "ASSURE_RISK_CONFIG_FILE": str(self.risk_config_file or ""),
            "ASSURE_SHARING_FILE": str(self.sharing_file or ""),
            "ASSURE_AUDIT_KEY": self.audit_key,
            "ASSURE_CQC_API_URL": self.cqc_api_url,
            "ASSURE_CQC_API_KEY": self.cqc_api_key,
            "ASSURE_NOTIFY_CONFIG_FILE": str(self.notify_config_file or ""),
            "ASSURE_NOTIFY_MAIL_DIR": str(self.data_dir / "mail"),
            "ASSURE_SMTP_HOST": self.smtp_host or "",
            "ASSURE_SMTP_PORT": str(self.smtp_port),
            "ASSURE_SMTP_USERNAME": self.smtp_username,
            "ASSURE_SMTP_PASSWORD": self.smtp_password,
            "ASSURE_SMTP_TLS": self.smtp_tls,
            "ASSURE_NOTIFY_MAX_ATTEMPTS": str(self.notify_max_attempts),
            "ASSURE_NOTIFY_RETRY_SECONDS": str(self.notify_retry_seconds),
            "ASSURE_NOTIFY_SEND_TIMEOUT_SECONDS": str(self.notify_send_timeout_seconds),
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
                # The operator's own POSTGRES_POOL_SIZE, if set, wins: the library reads it.
                **({"POSTGRES_POOL_SIZE": str(self.postgres_pool_size)}
                   if self.postgres_pool_size and "POSTGRES_POOL_SIZE" not in os.environ else {}),
            }
        private_directory(self.data_dir)
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


def _entries(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: an address only this machine can reach."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


class UnsafeSignIn(ValueError):
    """Settings that would let anyone who reaches the server act as anyone."""


def check_sign_in_is_safe(settings: AssureSettings) -> None:
    """Refuses the development issuer, or sign-in switched off, on any address but loopback:
    there, anyone who can reach the server could sign in as any name and role."""
    if settings.sign_in == "oidc" or is_loopback(settings.http_host):
        return
    what = ("sign-in is switched off (ASSURE_AUTH_REQUIRED=false)" if settings.sign_in == "off"
            else "no identity provider is configured, and the development issuer, meant for "
            "one machine, signs in anyone who asks as any name and role")
    raise UnsafeSignIn(
        f"Assure will not listen on {settings.http_host}: {what}. Set ASSURE_AUTH_JWKS_URL and "
        "ASSURE_AUTH_ISSUER to the council's identity provider, or listen on 127.0.0.1 only.")
