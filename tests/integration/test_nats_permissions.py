"""Each service on NATS as its own user, allowed only its own subjects, against a real server.

The server is the bundled nats-server, spawned with the authorization that
shared/messaging/credentials.py generates (EmbeddedNats(authorization=...)). The four services
run as the real ServiceRuntime; until shared/runtime.py passes connect_options itself, the
test hands each runtime its user's options the way the runtime will (nats.connect, NatsBroker
and its subscribers), so what is proven is the permission table, not a copy of the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from eventsourcing.cryptography import AESCipher
from faststream.nats import NatsBroker

from assure.services import ALL
from assure.system import System
from services.intake.application import Submission
from shared.at_rest import nats_key
from shared.messaging.credentials import (
    ADMIN,
    Authorization,
    broker_options,
    connect_options,
    durable_name,
    password_variable,
    subscriber_options,
)
from shared.messaging.topology import Topology
from shared.nats_server import EmbeddedNats, ServerTls, nats_server_binary
from shared.runtime import ensure_stream
from shared.settings import AssureSettings
from tests.support import SECTIONS_UNSAFE, cmr_answers, eventually, register_in_process

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 2
TOPOLOGY = Topology(PARTITIONS)
CONSUMES = {definition.name: tuple(definition.consumes) for definition in ALL}
# What each service publishes when a return is unsafe: proof that it consumed and acted.
EVIDENCE = {
    "intake": "ReturnSubmitted",
    "risk": "ConcernRaised",
    "escalation": "EscalationProposed",
    "notify": "NotificationDelivered",
}
# nats-py lower-cases the server's error, subject included.
VIOLATION = re.compile(r'permissions violation for (publish|subscription) to "([^"]+)"')


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[EmbeddedNats]:
    authorization = Authorization.of(TOPOLOGY, CONSUMES)
    server = EmbeddedNats(tmp_path / "nats", authorization=authorization).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Client:
    nc: nats.NATS
    errors: list[str]

    async def settle(self) -> None:
        """Returns once the server has answered everything sent so far.

        nats-py queues its flush PING ahead of commands not yet written, so one flush can
        come back before the server has seen them; the second PING goes out after them, and
        the server answers in order: every refusal (-ERR) arrives before that PONG.
        """
        await self.nc.flush()
        await self.nc.flush()

    def refused(self) -> list[tuple[str, str]]:
        """What the server refused this client, in order: ("publish" or "subscription", subject)."""
        return [m.groups() for e in self.errors if (m := VIOLATION.search(e.lower()))]


def refusals(kind: str, subjects: list[str]) -> list[tuple[str, str]]:
    return [(kind, subject.lower()) for subject in subjects]


@contextlib.asynccontextmanager
async def connected(server: EmbeddedNats, user: str, **options) -> AsyncIterator[Client]:
    errors: list[str] = []

    async def record(error: Exception) -> None:
        errors.append(str(error))

    options.setdefault("password", server.passwords.get(user))
    nc = await nats.connect(
        server.url, user=user, allow_reconnect=False, error_cb=record, **options
    )
    try:
        yield Client(nc, errors)
    finally:
        await nc.close()


def as_service(server: EmbeddedNats, service: str, settings: AssureSettings | None = None):
    """A connection with exactly the options the service's runtime uses."""
    settings = settings or AssureSettings(
        partitions=PARTITIONS, nats_credentials_dir=server.credentials_dir
    )
    return connected(server, **connect_options(settings, service))


def server_log(server: EmbeddedNats) -> str:
    return (server.store_dir / "nats-server.log").read_text()


# --- every service does its real work as its own user --------------------------------------


def submit_unsafe_return(system: System, provider_id: str) -> None:
    submission = Submission("cmr-level-1", None, cmr_answers(SECTIONS_UNSAFE), "manager")
    system.apps["intake"].submit_return(f"{provider_id}-c1", submission, f"{provider_id}-1", "c")


async def flowed_through_every_service(js, provider_id: str) -> bool:  # noqa: ANN001
    """Each service published its evidence about the provider, and every consumer is drained."""
    for service, event in EVIDENCE.items():
        subject = f"evt.{service}.*.{provider_id}.{event}"
        info = await js.stream_info(TOPOLOGY.stream(service), subjects_filter=subject)
        if not info.state.subjects:
            return False
    for service, upstreams in CONSUMES.items():
        for upstream in upstreams:
            for k in range(PARTITIONS):
                durable = durable_name(service, upstream, k)
                info = await js.consumer_info(TOPOLOGY.stream(upstream), durable)
                if info.num_pending or info.num_ack_pending:
                    return False
    return True


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "mutual-tls"])
async def test_each_service_does_its_real_work_as_its_own_user(
    tls, tmp_path, request
):
    server_tls, client_tls = None, {}
    if tls:
        pki: Pki = request.getfixturevalue("pki")
        server_tls = ServerTls(pki.server_cert, pki.server_key, pki.ca, verify=True)
        client_tls = {"nats_tls_ca": pki.ca, "nats_tls_cert": pki.client_cert,
                      "nats_tls_key": pki.client_key}
    authorization = Authorization.of(TOPOLOGY, CONSUMES)
    server = EmbeddedNats(tmp_path / "nats", authorization=authorization, tls=server_tls).start()
    try:
        settings = AssureSettings(
            data_dir=tmp_path / "data", nats_url=server.url, partitions=PARTITIONS,
            nats_credentials_dir=server.credentials_dir, ack_wait_seconds=2.0, max_deliver=3,
            run_background_jobs=False, **client_tls,
        )
        tls_only = settings.model_copy(update={"nats_credentials_dir": None})
        async with connected(server, ADMIN, **connect_options(tls_only, ADMIN)) as admin:
            await run_twice(settings, admin.nc.jetstream())
            assert admin.refused() == []
        assert "Violation" not in server_log(server)
    finally:
        server.stop()


async def run_twice(settings: AssureSettings, js) -> None:  # noqa: ANN001
    # First start: the services create their streams, consumers and lease bucket.
    system = await System(settings).start()
    try:
        register_in_process(system, "alder")
        submit_unsafe_return(system, "alder")
        await eventually(lambda: flowed_through_every_service(js, "alder"), timeout=60,
                         what="a return to pass through every service")
        # The governance report's view reads every stream as a user of its own, and keeps up.
        assert system.governance_feed is not None
        assert await system.governance_feed.caught_up(30.0)
    finally:
        await system.stop()
    # A restart finds them all: the relays resync from their streams' tails (reading their
    # last messages) and the leases released at the stop are taken again.
    system = await System(settings).start()
    try:
        register_in_process(system, "birch")
        submit_unsafe_return(system, "birch")
        await eventually(lambda: flowed_through_every_service(js, "birch"), timeout=60,
                         what="a return after the restart")
    finally:
        await system.stop()


# --- and is refused everything else ---------------------------------------------------------


async def test_a_service_may_not_publish_another_services_events(secured):
    async with connected(secured, ADMIN) as admin:
        js = admin.nc.jetstream()
        for service in CONSUMES:  # the admin user administers streams
            await ensure_stream(js, TOPOLOGY, service)
        for service in CONSUMES:
            async with as_service(secured, service) as client:
                others = [f"evt.{other}.p0.x.ReturnSubmitted" for other in CONSUMES
                          if other != service]
                for subject in others:
                    await client.nc.publish(subject, b"{}", headers={"Nats-Msg-Id": "forged:1"})
                await client.settle()
                assert client.refused() == refusals("publish", others)
        async with as_service(secured, "risk") as risk:
            # The relay's own call: the server drops it, so no acknowledgement ever comes.
            with pytest.raises(nats.errors.TimeoutError):
                await risk.nc.jetstream().publish(
                    "evt.intake.p0.x.ReturnSubmitted", b"{}", stream="INTAKE", timeout=0.5
                )
            # Its own events it may publish.
            ack = await risk.nc.jetstream().publish("evt.risk.p0.x.RiskScored", b"{}",
                                                    stream="RISK", timeout=5)
            assert ack.stream == "RISK"
        for service in ("intake", "escalation", "notify"):
            assert (await js.stream_info(TOPOLOGY.stream(service))).state.messages == 0
    assert 'Publish Violation - Subject "evt.intake.p0.x.ReturnSubmitted"' in server_log(secured)


async def test_a_service_may_not_read_or_touch_what_it_does_not_consume(secured):
    async with connected(secured, ADMIN) as admin:
        for service in CONSUMES:
            await ensure_stream(admin.nc.jetstream(), TOPOLOGY, service)
    async with as_service(secured, "risk") as risk:
        refused_subscriptions = [
            "evt.escalation.>",  # a stream it does not consume
            "evt.intake.>",  # nor core subscriptions to one it does: it reads through consumers
            "_INBOX.>",  # nor anyone's replies,
            "_INBOX.notify.>",  # such as the messages notify fetches
        ]
        for subject in refused_subscriptions:
            await risk.nc.subscribe(subject)
        refused_requests = [
            "$JS.API.CONSUMER.CREATE.ESCALATION.risk-escalation-p0.evt.escalation.p0.>",
            "$JS.API.CONSUMER.CREATE.INTAKE.notify-intake-p0.evt.intake.p0.>",  # notify's name
            "$JS.API.CONSUMER.CREATE.INTAKE.risk-intake-p0.evt.intake.>",  # a wider filter
            "$JS.API.CONSUMER.MSG.NEXT.INTAKE.notify-intake-p0",  # notify's messages
            "$JS.API.CONSUMER.DELETE.INTAKE.risk-intake-p0",
            "$JS.API.STREAM.UPDATE.INTAKE",  # only the owner changes a stream
            "$JS.API.STREAM.PURGE.RISK",
            "$JS.API.STREAM.DELETE.RISK",
            "$JS.API.STREAM.MSG.GET.INTAKE",
            "$JS.API.STREAM.LIST",
            "$KV.ASSURE_LEASES.intake",  # intake's relay lease
        ]
        for subject in refused_requests:
            await risk.nc.publish(subject, b"{}", reply=risk.nc.new_inbox())
        await risk.settle()
        assert risk.refused() == [
            *refusals("subscription", refused_subscriptions),
            *refusals("publish", refused_requests),
        ]
        # What it consumes it reads through its own durable consumer, into its own inbox.
        async with as_service(secured, "intake") as intake:
            await intake.nc.jetstream().publish("evt.intake.p0.x.ReturnSubmitted", b"{}",
                                                stream="INTAKE", timeout=5)
        settings = AssureSettings(nats_credentials_dir=secured.credentials_dir)
        subscription = await risk.nc.jetstream().pull_subscribe(
            "evt.intake.p0.>", durable="risk-intake-p0", stream="INTAKE",
            inbox_prefix=subscriber_options(settings, "risk")["inbox_prefix"],
        )
        [message] = await subscription.fetch(1, timeout=10)
        assert message.subject == "evt.intake.p0.x.ReturnSubmitted"
        await message.ack()
        await risk.settle()
        assert len(risk.refused()) == len(refused_subscriptions) + len(refused_requests)


async def test_only_the_owner_brings_its_stream_to_new_settings(secured):
    """ensure_stream, as the runtime calls it, on a stream whose settings differ."""
    async with connected(secured, ADMIN) as admin:
        await admin.nc.jetstream().add_stream(Topology(PARTITIONS, duplicate_window_seconds=60.0)
                                              .stream_config("intake"))
    async with as_service(secured, "intake") as intake:
        await ensure_stream(intake.nc.jetstream(), TOPOLOGY, "intake")
        info = await intake.nc.jetstream().stream_info("INTAKE")
        assert info.config.duplicate_window == TOPOLOGY.duplicate_window_seconds
    # A consumer of INTAKE with other settings may not impose them on intake's stream.
    other_settings = Topology(PARTITIONS, duplicate_window_seconds=30.0)
    async with as_service(secured, "risk") as risk:
        with pytest.raises(nats.errors.TimeoutError):  # the server drops the request
            await ensure_stream(risk.nc.jetstream(timeout=0.5), other_settings, "intake")
        await risk.settle()
        assert risk.refused() == refusals("publish", ["$JS.API.STREAM.UPDATE.INTAKE"])


async def test_only_the_installations_users_get_in(secured):
    wrong = [
        {"user": "risk", "password": "a guess"},
        {"user": "intake", "password": secured.passwords["risk"]},  # another user's password
        {"user": "nobody", "password": secured.passwords["risk"]},
    ]
    for options in wrong:
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            async with connected(secured, **options):
                pass
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(secured.url, allow_reconnect=False, error_cb=_ignore)


async def _ignore(error: Exception) -> None:
    pass


# --- TLS ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate (openssl)."""
    openssl = shutil.which("openssl")
    if not openssl:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is needed to make the test certificates")
        pytest.skip("no openssl to make the test certificates")
    directory = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Assure test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    extensions = {
        "server": "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                  "extendedKeyUsage=serverAuth,clientAuth\n",
        "client": "extendedKeyUsage=clientAuth\n",
    }
    for name, extension in extensions.items():
        (directory / f"{name}.ext").write_text(extension)
        run("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN=assure-{name}")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return Pki(directory / "ca.pem", directory / "server.pem", directory / "server.key",
               directory / "client.pem", directory / "client.key")


async def test_a_service_connects_over_mutual_tls_and_nothing_else_does(tmp_path, pki):
    server = EmbeddedNats(
        tmp_path / "nats",
        authorization=Authorization.of(TOPOLOGY, CONSUMES),
        tls=ServerTls(pki.server_cert, pki.server_key, pki.ca, verify=True),
    ).start()
    try:
        settings = AssureSettings(
            partitions=PARTITIONS, nats_credentials_dir=server.credentials_dir,
            nats_tls_ca=pki.ca, nats_tls_cert=pki.client_cert, nats_tls_key=pki.client_key,
        )
        # The server speaks nothing but TLS, from the first byte: plain text gets no answer.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b'CONNECT {"verbose":false}\r\nPING\r\n')
        await writer.drain()
        answer = await reader.read()  # until the server hangs up
        writer.close()
        assert b"INFO" not in answer and b"PONG" not in answer

        # nats-py, as the relay connects: its stream and its own events.
        async with as_service(server, "intake", settings) as intake:
            js = intake.nc.jetstream()
            await ensure_stream(js, TOPOLOGY, "intake")
            ack = await js.publish("evt.intake.p0.x.ProviderRegistered", b"{}",
                                   stream="INTAKE", timeout=5)
            assert ack.seq == 1
        # FastStream, as the consumers connect.
        broker = NatsBroker(server.url, logger=None, **broker_options(settings, "intake"))
        await broker.connect()
        try:
            await broker.publish(b"{}", "evt.intake.p0.x.ContractAwarded", stream="INTAKE")
        finally:
            await broker.stop()

        # Without a client certificate, or not trusting the CA, there is no connection.
        no_client_cert = settings.model_copy(update={"nats_tls_cert": None, "nats_tls_key": None})
        with pytest.raises(OSError):
            async with as_service(server, "intake", no_client_cert):
                pass
        untrusting = settings.model_copy(update={"nats_tls_ca": None})
        with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
            async with as_service(server, "intake", untrusting):
                pass
    finally:
        server.stop()


async def test_a_service_with_tls_settings_never_falls_back_to_plain_text(tmp_path, pki):
    """nats-py would, if the server (or someone in its place) did not ask for TLS."""
    impostor = EmbeddedNats(tmp_path / "impostor").start()  # no TLS, no users
    try:
        credentials = tmp_path / "credentials"
        (credentials / "risk.password").parent.mkdir()
        (credentials / "risk.password").write_text("not for an impostor")
        settings = AssureSettings(
            partitions=PARTITIONS, nats_credentials_dir=credentials, nats_tls_ca=pki.ca
        )
        with pytest.raises(ssl.SSLError):  # its TLS handshake meets plain text
            async with as_service(impostor, "risk", settings):
                pass
    finally:
        impostor.stop()


# --- the deploy configurations -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["nats-server.conf", "nats-cluster.conf"])
def test_the_deploy_configurations_are_valid(name, pki):
    authorization = Authorization.of(Topology(4), CONSUMES)
    env = {
        **os.environ,
        **{password_variable(user).name: f"pw-{user}" for user in authorization.users},
        "ASSURE_NATS_SERVER_TLS_CERT": str(pki.server_cert),
        "ASSURE_NATS_SERVER_TLS_KEY": str(pki.server_key),
        "ASSURE_NATS_SERVER_TLS_CA": str(pki.ca),
        "ASSURE_NATS_SERVER_NAME": "nats-1",
        # JetStream's key at rest, also from there, as `assure key nats` derives it
        "ASSURE_NATS_ENCRYPTION_KEY": nats_key(AESCipher.create_key(32)),
        # where the single server keeps JetStream's files (`assure deploy init` names it)
        "ASSURE_NATS_STORE_DIR": str(pki.ca.parent / "jetstream"),
    }
    config = ROOT / "deploy" / "nats" / name

    def check(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([nats_server_binary(), "-t", "-c", str(config)],
                              env=environment, capture_output=True, text=True, timeout=60)

    result = check(env)
    assert result.returncode == 0, result.stderr
    # The users' passwords really come from the server's environment.
    del env["ASSURE_NATS_RISK_PASSWORD"]
    result = check(env)
    assert result.returncode != 0 and "ASSURE_NATS_RISK_PASSWORD" in result.stderr
    env["ASSURE_NATS_RISK_PASSWORD"] = "pw-risk"
    del env["ASSURE_NATS_ENCRYPTION_KEY"]
    result = check(env)
    assert result.returncode != 0 and "ASSURE_NATS_ENCRYPTION_KEY" in result.stderr
