"""The NATS permission model as data (shared/messaging/credentials.py), without a server."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from faststream.nats import NatsUserPassword

from assure.services import ALL
from shared.messaging.credentials import (
    ADMIN,
    READER,
    Authorization,
    Variable,
    broker_options,
    connect_options,
    deploy_authorization,
    ensure_passwords,
    permission_table,
    render_authorization,
    subscriber_options,
    tls_context,
)
from shared.messaging.topology import Topology
from shared.settings import AssureSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
CONSUMES = {definition.name: tuple(definition.consumes) for definition in ALL}
TOPOLOGY = Topology(partitions=4)


def event_subjects(subjects: tuple[str, ...]) -> list[str]:
    return [s for s in subjects if not s.startswith("$")]  # the rest is JetStream's API


def consumed_streams(subjects: tuple[str, ...]) -> set[str]:
    """The streams whose consumers a user may create, look up, fetch from or ack."""
    pattern = re.compile(r"\$JS\.(?:API\.CONSUMER\.(?:CREATE|INFO|MSG\.NEXT)|ACK)\.([^.]+)\.")
    return {m.group(1) for s in subjects if (m := pattern.match(s))}


def test_every_service_publishes_only_its_own_events():
    table = permission_table(TOPOLOGY, CONSUMES)
    assert set(table) == {"intake", "risk", "escalation", "notify"}
    for service, permissions in table.items():
        assert event_subjects(permissions.publish) == [f"evt.{service}.>"]


def test_a_service_may_read_only_the_streams_it_consumes_through_its_own_durables():
    table = permission_table(TOPOLOGY, CONSUMES)
    assert consumed_streams(table["risk"].publish) == {"INTAKE"}
    assert consumed_streams(table["escalation"].publish) == {"RISK"}
    for service, upstreams in CONSUMES.items():
        publish = table[service].publish
        assert consumed_streams(publish) == {u.upper() for u in upstreams}
        for upstream in upstreams:
            stream = upstream.upper()
            for k in range(TOPOLOGY.partitions):
                durable = f"{service}-{upstream}-p{k}"
                assert (f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.evt.{upstream}.p{k}.>"
                        in publish)
                # Its filter list (the types it handles) travels in the request's body.
                assert f"$JS.API.CONSUMER.CREATE.{stream}.{durable}" in publish
                assert f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}" in publish
                assert f"$JS.ACK.{stream}.{durable}.>" in publish
        # Only the owner may change a stream's settings; nobody may delete or purge one.
        updates = [s for s in publish if ".STREAM.UPDATE." in s]
        assert updates == [f"$JS.API.STREAM.UPDATE.{service.upper()}"]
        assert not [s for s in publish if ".DELETE." in s or ".PURGE." in s]
        # No wildcard but the tail of its own events, its filters and its acks.
        assert not [s for s in publish if "*" in s]
        assert {s.split(".")[1] for s in publish if s.endswith(">")} == {service, "API", "ACK"}


def test_a_service_subscribes_only_to_its_own_inbox_and_holds_only_its_own_lease():
    for service, permissions in permission_table(TOPOLOGY, CONSUMES).items():
        assert permissions.subscribe == (f"_INBOX.{service}.>",)
        # Intake alone writes the council's clock; every service may only read it.
        clock = ["$KV.ASSURE_CLOCK.today"] if service == "intake" else []
        # Its relay's lease, and one per partition it pulls (shared/messaging/pulling.py).
        partitions = [f"$KV.ASSURE_LEASES.{service}-{upstream}-p{k}"
                      for upstream in CONSUMES[service] for k in range(TOPOLOGY.partitions)]
        assert [s for s in permissions.publish if s.startswith("$KV.")] == [
            f"$KV.ASSURE_LEASES.{service}", *partitions, *clock
        ]
        assert "$JS.API.STREAM.MSG.GET.KV_ASSURE_CLOCK" in permissions.publish


def test_a_namespace_has_its_own_users_subjects_streams_and_lease_bucket():
    table = permission_table(Topology(partitions=2, namespace="ns1"), CONSUMES)
    risk = table["ns1-risk"]
    assert risk.subscribe == ("_INBOX.ns1-risk.>",)
    assert event_subjects(risk.publish) == ["ns1.evt.risk.>"]
    assert "$JS.API.CONSUMER.CREATE.NS1_INTAKE.risk-intake-p1.ns1.evt.intake.p1.>" in risk.publish
    assert "$KV.NS1_LEASES.risk" in risk.publish


def test_the_deploy_configuration_is_the_one_the_code_generates():
    partitions = AssureSettings.model_fields["partitions"].default
    expected = deploy_authorization(Topology(partitions), CONSUMES)
    assert (ROOT / "deploy/nats/auth.conf").read_text() == expected, (
        "regenerate: python -m assure.nats_auth > deploy/nats/auth.conf"
    )


def test_rendering_needs_every_password_and_refuses_what_would_break_the_file():
    authorization = Authorization.of(Topology(1), {"risk": ("intake",)})
    assert authorization.users == ("risk", READER, ADMIN)
    with pytest.raises(ValueError, match="admin"):
        render_authorization(authorization, {"risk": "secret", READER: "x"})
    with pytest.raises(ValueError):
        render_authorization(authorization, {"risk": 'se"cret', READER: "x", ADMIN: "x"})
    with pytest.raises(ValueError):
        render_authorization(authorization, {"risk": Variable("NOT A NAME"), READER: "x",
                                             ADMIN: "x"})
    block = render_authorization(authorization, {"risk": Variable("RISK_PW"), READER: "x",
                                                 ADMIN: "s3cret"})
    assert "password: $RISK_PW" in block
    assert 'password: "s3cret"' in block


def settings(**fields) -> AssureSettings:
    return AssureSettings(data_dir=Path("unused"), partitions=2, **fields)


def test_without_credentials_or_tls_the_connection_is_as_before():
    assert connect_options(settings(), "risk") == {}
    assert broker_options(settings(), "risk") == {}
    assert subscriber_options(settings(), "risk") == {}


def test_a_service_connects_as_its_own_user_with_its_own_inbox(tmp_path):
    passwords = ensure_passwords(tmp_path, ["t1-risk", "admin"])
    configured = settings(nats_credentials_dir=tmp_path, namespace="t1")

    options = connect_options(configured, "risk")
    assert options == {
        "user": "t1-risk", "password": passwords["t1-risk"], "inbox_prefix": "_INBOX.t1-risk"
    }
    broker = broker_options(configured, "risk")
    assert isinstance(broker["security"], NatsUserPassword)
    assert (broker["security"].username, broker["security"].password) == (
        "t1-risk", passwords["t1-risk"]
    )
    assert broker["inbox_prefix"] == "_INBOX.t1-risk"
    assert subscriber_options(configured, "risk") == {"inbox_prefix": b"_INBOX.t1-risk."}

    with pytest.raises(FileNotFoundError, match="t1-intake"):
        connect_options(configured, "intake")


def test_generated_passwords_are_private_and_kept(tmp_path):
    first = ensure_passwords(tmp_path / "creds", ["intake", "admin"])
    again = ensure_passwords(tmp_path / "creds", ["intake", "admin", "risk"])
    assert again["intake"] == first["intake"] and again["risk"] != first["intake"]
    assert len(first["intake"]) >= 32
    for path in (tmp_path / "creds").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_client_key_without_its_certificate_is_refused():
    assert tls_context(settings()) is None
    with pytest.raises(ValueError, match="nats_tls_cert"):
        tls_context(settings(nats_tls_key=Path("client.key")))
