"""Who may do what on NATS: one user per service, allowed only its own subjects.

The permission model is data (`permission_table`), computed from the topology (namespace,
partitions) and the upstreams each service consumes. Everything a user is not allowed is
refused by the server, so a compromised or buggy service cannot publish another service's
events, read a stream it does not consume, or meddle with another service's consumers.

Each service's user may publish:

- its own events, `[ns.]evt.<service>.>` (the relay; the same subjects its stream captures);
- `$JS.API.STREAM.CREATE|UPDATE|INFO.<OWN STREAM>` (ensure_stream; the relay's resync reads
  the stream's state) and `$JS.API.STREAM.MSG.GET.<OWN STREAM>` (the resync reads the tail's
  Nats-Msg-Id);
- `$JS.API.STREAM.CREATE.<UPSTREAM STREAM>`: the runtime declares its upstreams' streams so
  services may start in any order. Creating a stream that exists with the same configuration
  changes nothing; UPDATE of another service's stream is *not* allowed (it could shrink or
  purge it), so only the owner brings its stream to new settings;
- per upstream partition, only its own durable `<service>-<upstream>-p<k>`:
  `$JS.API.CONSUMER.CREATE.<STREAM>.<durable>` (create it, or bring it to new settings: the
  runtime asks only for the event types the service handles, a list of subject filters, which
  the server takes only in the request's body, not in its subject),
  `$JS.API.CONSUMER.CREATE.<STREAM>.<durable>.<filter>` (a server older than 2.10, which knows
  no filter lists, gets the partition's single filter, and nats-py puts it in the subject),
  `$JS.API.CONSUMER.INFO.<STREAM>.<durable>` (the pull subscription looks the durable up first),
  `$JS.API.CONSUMER.MSG.NEXT.<STREAM>.<durable>` (fetch) and `$JS.ACK.<STREAM>.<durable>.>`
  (ack, nak with delay). The filters in the body are not checked by the server: a service may
  narrow or widen its own durables, but only on the streams it consumes, which it may read
  whole through its durables anyway; no other user's durable or stream is within its reach;
- the relay lease (shared/messaging/lease.py): `$JS.API.STREAM.INFO|CREATE|MSG.GET.KV_<bucket>`
  (open or create the bucket, read the current holder) and `$KV.<bucket>.<service>` (its own
  key only: create, update, delete); and per upstream partition the lease of its own durable,
  `$KV.<bucket>.<durable>`, so one instance at a time pulls it (shared/messaging/pulling.py);
- the council's clock (shared/clock.py), a training clock only: the same three stream subjects
  on `KV_<NS>_CLOCK` to open and read it, and for intake alone, which owns the clock,
  `$KV.<NS>_CLOCK.today` to write it.

It may subscribe only to `_INBOX.<user>.>`: the replies to its own requests (JetStream API
answers, publish acknowledgements) and the messages its pull consumers fetch. The inbox prefix
is per user, so no service can listen to another's replies (or to what another fetches): the
connection's is set by `connect_options` (which the consumers' nats-py pull subscriptions
use) and `broker_options`, and a FastStream pull subscription's, which does not use the
connection's, by `subscriber_options`. A service never
subscribes to event subjects itself: what it consumes reaches it through its durable
consumers, which it may create only on the streams it consumes.

Worked out against nats-server 2.15 with its trace (-DV) and checked by
tests/integration/test_nats_permissions.py: the four runtimes do their work, restart, and
nothing is refused; take any one of the subjects above away and one of those tests fails
(except the partition-filter CREATE, which only a server before 2.10 is asked).

Passwords rather than nkeys: nkeys need the `nkeys` package (Ed25519), which this installation
does not carry; user and password is what nats-py and FastStream support out of the box, and the
spawned server generates random ones. Over a network, use TLS (settings `nats_tls_*`).
"""

from __future__ import annotations

import json
import re
import secrets
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.messaging.clock_bucket import KEY as CLOCK_KEY
from shared.messaging.clock_bucket import bucket_name as clock_bucket
from shared.messaging.lease import bucket_name
from shared.messaging.topology import Topology
from shared.settings import AssureSettings

ADMIN = "admin"
READER = "reporting"  # the composition root's governance view, which reads every stream
JS_API = "$JS.API"
CLOCK_OWNER = "intake"  # the only service that moves the council's clock (shared/clock.py)


@dataclass(frozen=True)
class Permissions:
    """Subjects one NATS user may publish to and subscribe to; everything else is refused."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


@dataclass(frozen=True)
class Variable:
    """A password given to nats-server as an environment variable reference (`$NAME`)."""

    name: str


@dataclass(frozen=True)
class Authorization:
    """The users of one Assure installation: a service's upstreams decide what it may read."""

    topology: Topology
    consumes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, topology: Topology, consumes: Mapping[str, Iterable[str]]) -> Authorization:
        return cls(topology, {service: tuple(ups) for service, ups in consumes.items()})

    @property
    def users(self) -> tuple[str, ...]:
        return (*(user_name(self.topology, s) for s in self.consumes),
                user_name(self.topology, READER), ADMIN)

    def permissions(self) -> dict[str, Permissions]:
        return {**permission_table(self.topology, self.consumes),
                user_name(self.topology, READER): reader_permissions(self.topology,
                                                                     self.consumes)}


def user_name(topology: Topology, service: str) -> str:
    """The NATS user of a service: `<service>`, or `<namespace>-<service>` under a namespace."""
    return f"{topology.namespace}-{service}" if topology.namespace else service


def inbox_prefix(topology: Topology, service: str) -> str:
    """The service's own reply subjects, so no other user may subscribe to them."""
    return f"_INBOX.{user_name(topology, service)}"


def durable_name(service: str, upstream: str, partition: int) -> str:
    """The durable consumer a service keeps on one upstream partition (see consumer.subscribe)."""
    return f"{service}-{upstream}-p{partition}"


def service_permissions(
    topology: Topology, service: str, upstreams: Iterable[str]
) -> Permissions:
    """Exactly what one service needs: see the module's docstring for why each subject."""
    upstreams = tuple(upstreams)
    own = topology.stream(service)
    publish = [
        topology.stream_subjects(service),
        f"{JS_API}.STREAM.CREATE.{own}",
        f"{JS_API}.STREAM.UPDATE.{own}",
        f"{JS_API}.STREAM.INFO.{own}",
        f"{JS_API}.STREAM.MSG.GET.{own}",
    ]
    for upstream in upstreams:
        stream = topology.stream(upstream)
        publish.append(f"{JS_API}.STREAM.CREATE.{stream}")
        for k in range(topology.partitions):
            durable = durable_name(service, upstream, k)
            publish += [
                f"{JS_API}.CONSUMER.CREATE.{stream}.{durable}",
                f"{JS_API}.CONSUMER.CREATE.{stream}.{durable}."
                f"{topology.partition_filter(upstream, k)}",
                f"{JS_API}.CONSUMER.INFO.{stream}.{durable}",
                f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{durable}",
                f"$JS.ACK.{stream}.{durable}.>",
            ]
    bucket = bucket_name(topology.namespace)
    publish += [
        f"{JS_API}.STREAM.INFO.KV_{bucket}",
        f"{JS_API}.STREAM.CREATE.KV_{bucket}",
        f"{JS_API}.STREAM.MSG.GET.KV_{bucket}",
        f"$KV.{bucket}.{service}",
        *(f"$KV.{bucket}.{durable_name(service, upstream, k)}"
          for upstream in upstreams for k in range(topology.partitions)),
    ]
    clock = clock_bucket(topology.namespace)
    publish += [
        f"{JS_API}.STREAM.INFO.KV_{clock}",
        f"{JS_API}.STREAM.CREATE.KV_{clock}",
        f"{JS_API}.STREAM.MSG.GET.KV_{clock}",
    ]
    if service == CLOCK_OWNER:
        publish.append(f"$KV.{clock}.{CLOCK_KEY}")
    return Permissions(tuple(publish), (f"{inbox_prefix(topology, service)}.>",))


def reader_permissions(topology: Topology, services: Iterable[str]) -> Permissions:
    """The governance report's view (assure/reporting): it reads every service's stream from
    any position through ephemeral consumers of its own, and publishes nothing.

    nats-py names an ephemeral consumer itself (a nuid) and puts the stream's subjects in the
    subject: `$JS.API.CONSUMER.CREATE.<STREAM>.<name>.<[ns.]evt.<service>.>>`; then the
    consumer's info and `MSG.NEXT` to fetch. No ack (the view keeps its own place), no
    `STREAM.CREATE|UPDATE`, no events. Consumer names are one token that a permission cannot
    narrow, so this user could also fetch from a service's durable by name: it runs in the
    same process as the services, and what it may read is what they publish.
    """
    publish: list[str] = []
    for service in services:
        stream = topology.stream(service)
        publish += [
            f"{JS_API}.STREAM.INFO.{stream}",
            f"{JS_API}.CONSUMER.CREATE.{stream}.*.{topology.stream_subjects(service)}",
            f"{JS_API}.CONSUMER.INFO.{stream}.*",
            f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.*",
        ]
    return Permissions(tuple(publish), (f"{inbox_prefix(topology, READER)}.>",))


def permission_table(
    topology: Topology, consumes: Mapping[str, Iterable[str]]
) -> dict[str, Permissions]:
    """Every service's user and its permissions (the admin user has no limits)."""
    return {
        user_name(topology, service): service_permissions(topology, service, upstreams)
        for service, upstreams in consumes.items()
    }


# --- the server's configuration ------------------------------------------------------------


def render_authorization(
    authorization: Authorization,
    passwords: Mapping[str, str | Variable],
) -> str:
    """A nats-server `authorization { users = [...] }` block.

    `passwords` maps each user (see `Authorization.users`, including `admin`) to its password,
    or to a `Variable` the server reads from its environment. The admin user has no permission
    limits: it is for operators (stream administration, the nats CLI) and never for services.
    """
    table = authorization.permissions()
    missing = [user for user in authorization.users if user not in passwords]
    if missing:
        raise ValueError(f"no password for NATS user(s) {', '.join(missing)}")
    lines = ["authorization {", "  users = ["]
    for user, permissions in table.items():
        lines += _user_lines(user, passwords[user], permissions)
    lines += _user_lines(ADMIN, passwords[ADMIN], None)
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def _user_lines(
    user: str, password: str | Variable, permissions: Permissions | None
) -> list[str]:
    lines = ["    {", f"      user: {_quoted(user)}", f"      password: {_password(password)}"]
    if permissions is not None:
        lines += [
            "      permissions: {",
            "        publish: { allow: [",
            *(f"          {_quoted(subject)}" for subject in permissions.publish),
            "        ] }",
            "        subscribe: { allow: [",
            *(f"          {_quoted(subject)}" for subject in permissions.subscribe),
            "        ] }",
            "      }",
        ]
    return [*lines, "    }"]


def _quoted(text: str) -> str:
    if re.search(r'["\\\x00-\x1f]', text):
        raise ValueError(f"{text!r} cannot be written into a nats-server configuration")
    return json.dumps(text)


def _password(password: str | Variable) -> str:
    if isinstance(password, Variable):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", password.name):
            raise ValueError(f"{password.name!r} is not an environment variable name")
        return f"${password.name}"
    if not password:
        raise ValueError("empty NATS password")
    return _quoted(password)


def password_variable(user: str) -> Variable:
    """The environment variable the deploy configuration reads a user's password from."""
    return Variable(f"ASSURE_NATS_{re.sub(r'[^A-Za-z0-9]', '_', user).upper()}_PASSWORD")


# --- passwords on disk -----------------------------------------------------------------------


def password_file(directory: Path, user: str) -> Path:
    return Path(directory) / f"{user}.password"


def ensure_passwords(directory: Path, users: Iterable[str]) -> dict[str, str]:
    """Each user's password from `<directory>/<user>.password`, generating missing ones (0600)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    passwords = {}
    for user in users:
        path = password_file(directory, user)
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32) + "\n")
        passwords[user] = read_password(directory, user)
    return passwords


def read_password(directory: Path, user: str) -> str:
    path = password_file(directory, user)
    try:
        password = path.read_text().strip()
    except FileNotFoundError:
        raise FileNotFoundError(f"no NATS password for user {user!r}: expected {path}") from None
    if not password:
        raise ValueError(f"{path} is empty")
    return password


# --- the client's side ---------------------------------------------------------------------


def tls_context(settings: AssureSettings) -> ssl.SSLContext | None:
    """The client's TLS: trust `nats_tls_ca`, and present `nats_tls_cert` for mutual TLS.

    With TLS configured, connections start with the TLS handshake (`nats_tls_first`, the
    server's `handshake_first`): nats-py otherwise falls back to plain text whenever the server,
    or whoever answers in its place, does not ask for TLS, and would send it the password.
    """
    ca, cert, key = settings.nats_tls_ca, settings.nats_tls_cert, settings.nats_tls_key
    if not (ca or cert or key):
        return None
    if key and not cert:
        raise ValueError("nats_tls_key is set without nats_tls_cert")
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca) if ca else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert:
        context.load_cert_chain(str(cert), str(key) if key else None)
    return context


def _credentials(settings: AssureSettings, service: str) -> tuple[str, str] | None:
    if settings.nats_credentials_dir is None:
        return None
    user = user_name(Topology.from_settings(settings), service)
    return user, read_password(settings.nats_credentials_dir, user)


def connect_options(settings: AssureSettings, service: str) -> dict[str, Any]:
    """Keyword arguments for `nats.connect(url, **connect_options(settings, service))`.

    user, password and inbox_prefix with `nats_credentials_dir`; tls and tls_handshake_first
    with `nats_tls_*`. Empty when neither is configured: the connection is as before.
    """
    options: dict[str, Any] = {}
    credentials = _credentials(settings, service)
    if credentials:
        options["user"], options["password"] = credentials
        options["inbox_prefix"] = inbox_prefix(Topology.from_settings(settings), service)
    context = tls_context(settings)
    if context:
        options["tls"] = context
        options["tls_handshake_first"] = settings.nats_tls_first
    return options


def broker_options(settings: AssureSettings, service: str) -> dict[str, Any]:
    """Keyword arguments for FastStream's `NatsBroker(url, **broker_options(settings, service))`.

    FastStream 0.7 takes user, password and TLS as a `security=` object, not as keywords.
    """
    from faststream.nats import NatsSecurity, NatsUserPassword

    options: dict[str, Any] = {}
    credentials = _credentials(settings, service)
    context = tls_context(settings)
    tls = {"ssl_context": context, "tls_handshake_first": bool(context and settings.nats_tls_first)}
    if credentials:
        user, password = credentials
        options["security"] = NatsUserPassword(user, password, **tls)
        options["inbox_prefix"] = inbox_prefix(Topology.from_settings(settings), service)
    elif context:
        options["security"] = NatsSecurity(**tls)
    return options


def subscriber_options(settings: AssureSettings, service: str) -> dict[str, Any]:
    """Keyword arguments for each `broker.subscriber(...)` of the service's pull consumers.

    FastStream gives every pull subscription its own inbox prefix, `_INBOX.` unless told, and
    ignores the connection's: without this the fetched messages would go to `_INBOX.<nuid>`,
    which the service's user may not subscribe to.
    """
    if settings.nats_credentials_dir is None:
        return {}
    return {"inbox_prefix": f"{inbox_prefix(Topology.from_settings(settings), service)}.".encode()}


def deploy_authorization(topology: Topology, consumes: Mapping[str, Iterable[str]]) -> str:
    """The authorization block of deploy/nats/, each password an environment variable."""
    authorization = Authorization.of(topology, consumes)
    header = (
        "# Generated by `python -m assure.nats_auth"
        f" --partitions {topology.partitions}"
        + (f" --namespace {topology.namespace}" if topology.namespace else "")
        + "`: do not edit by hand.\n"
        "# One user per service, allowed only its own subjects (see deploy/README.md);\n"
        "# each password comes from the server's environment.\n"
    )
    passwords = {user: password_variable(user) for user in authorization.users}
    return header + render_authorization(authorization, passwords)
