"""Two councils' edge servers (the real nats-server, linked by a leaf connection on loopback)
refuse, each by its own configuration, what their agreements do not allow (issue 20); a change
of agreements takes effect by a reload; a partner's edge that is down answers nothing and is
reached again when it is back, with what it held kept."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.api import StreamConfig
from nats.js.errors import NoStreamResponseError

from services.intake.adapters.edge import STREAM, EdgeServer, Flow, stream_subjects
from services.intake.domain.sharing_setup import LeafTls, Partner, SharingSetup
from tests.integration.test_nats_permissions import pki  # noqa: F401, F811 - a throw-away CA
from tests.support import eventually

pytestmark = pytest.mark.integration

SUSPENSION = ("suspension", "CS1")
GRADE = ("inspection-grade", "CS1")
NOT_ACCEPTED = (NoStreamResponseError, nats.errors.TimeoutError, asyncio.TimeoutError)


@pytest.fixture
def edges(tmp_path: Path) -> Iterator[tuple[EdgeServer, EdgeServer]]:
    fife = EdgeServer(SharingSetup("fife", "Fife Council",
                                   {"perth": Partner("perth", "Perth Council")}),
                      tmp_path / "fife")
    perth = EdgeServer(SharingSetup("perth", "Perth Council", {"fife": Partner(
        "fife", "Fife Council", url=f"nats-leaf://127.0.0.1:{fife.layout.leaf_port}",
        password_file=tmp_path / "fife" / "credentials" / "leaf-perth.password")}),
        tmp_path / "perth")
    yield fife, perth
    fife.stop()
    perth.stop()


async def connected(edge: EdgeServer) -> nats.NATS:
    return await nats.connect(edge.url, user="sharing", password=edge.password,
                              max_reconnect_attempts=-1, reconnect_time_wait=0.2)


async def stream(nc: nats.NATS, council: str) -> None:
    await nc.jetstream().add_stream(StreamConfig(name=STREAM,
                                                 subjects=[stream_subjects(council)]))


async def taken(nc: nats.NATS, subject: str) -> bool:
    """Whether a stream took the message (one id per subject: a repeat is not stored twice)."""
    try:
        await nc.jetstream().publish(subject, b"{}", timeout=1.0,
                                     headers={"Nats-Msg-Id": subject})
    except NOT_ACCEPTED:
        return False
    return True


async def held(nc: nats.NATS) -> int:
    return (await nc.jetstream().stream_info(STREAM)).state.messages


def fife_sends(*pairs: tuple[str, str]) -> list[Flow]:
    return [Flow("perth", sends=frozenset(pairs))]


def perth_receives(*pairs: tuple[str, str]) -> list[Flow]:
    return [Flow("fife", receives=frozenset(pairs))]


async def test_each_edge_refuses_what_its_own_agreements_do_not_allow(edges):
    fife, perth = edges
    # Fife's configuration would send grades; Perth's takes only suspensions.
    fife.start(fife_sends(SUSPENSION, GRADE))
    perth.start(perth_receives(SUSPENSION))
    at_fife, at_perth = await connected(fife), await connected(perth)
    try:
        await stream(at_perth, "perth")
        assert await eventually(lambda: taken(at_fife, "share.fife.perth.suspension.CS1"),
                                what="the leaf connection")
        assert not await taken(at_fife, "share.fife.perth.inspection-grade.CS1")  # Perth's no
        assert not await taken(at_fife, "share.fife.perth.suspension.CS2")  # Fife's no
        assert not await taken(at_fife, "share.fife.perth.decommission.CS1")  # Fife's no
        assert await held(at_perth) == 1

        # Perth agrees to grades too: its edge takes them once reloaded.
        assert perth.apply(perth_receives(SUSPENSION, GRADE))
        assert not perth.apply(perth_receives(SUSPENSION, GRADE))  # unchanged: no reload
        assert await eventually(
            lambda: taken(at_fife, "share.fife.perth.inspection-grade.CS1"),
            what="Perth's reloaded configuration")
        # Fife suspends the agreement: its own edge refuses at once.
        fife.apply(fife_sends())

        async def refused() -> bool:
            return not await taken(at_fife, "share.fife.perth.suspension.CS1")

        assert await eventually(refused, what="Fife's reloaded configuration")
        assert await held(at_perth) == 2
    finally:
        await at_fife.close()
        await at_perth.close()


async def test_the_partner_cannot_send_what_we_do_not_receive_nor_read_our_stream(edges):
    fife, perth = edges
    fife.start(fife_sends(SUSPENSION))
    perth.start(perth_receives(SUSPENSION))
    at_fife, at_perth = await connected(fife), await connected(perth)
    try:
        await stream(at_fife, "fife")
        await stream(at_perth, "perth")
        assert await eventually(lambda: taken(at_fife, "share.fife.perth.suspension.CS1"),
                                what="the leaf connection")
        # Perth may send Fife agreement steps and no facts: Fife receives none from it.
        assert not await taken(at_perth, "share.perth.fife.suspension.CS1")
        assert await taken(at_perth, "share.perth.fife.agreement.fife-perth-1")
        # Nor any other subject: the leaf's account on Fife's edge imports nothing else.
        assert not await taken(at_perth, "share.perth.fife.decommission.CS1")
        assert not await taken(at_perth, "evt.intake.p0.oakwood.ReturnSubmitted")
        assert await held(at_fife) == 1
    finally:
        await at_fife.close()
        await at_perth.close()


async def test_a_partner_edge_that_is_down_is_reached_again_when_back(edges):
    fife, perth = edges
    fife.start(fife_sends(SUSPENSION))
    perth.start(perth_receives(SUSPENSION))
    at_fife, at_perth = await connected(fife), await connected(perth)
    try:
        await stream(at_perth, "perth")
        assert await eventually(lambda: taken(at_fife, "share.fife.perth.suspension.CS1"),
                                what="the leaf connection")
        await at_perth.close()
        perth.stop()
        assert not await taken(at_fife, "share.fife.perth.suspension.CS1")
        perth.start(perth_receives(SUSPENSION))
        assert await eventually(lambda: taken(at_fife, "share.fife.perth.suspension.CS1"),
                                what="the leaf connection again")
        at_perth = await connected(perth)
        assert await held(at_perth) == 1  # kept on disk; the repeat was recognised
    finally:
        await at_fife.close()
        await at_perth.close()


async def test_across_a_network_the_edges_speak_mutual_tls_and_refuse_a_partner_without_it(
        tmp_path: Path, pki):  # noqa: F811 - the fixture imported above
    tls = LeafTls(pki.server_cert, pki.server_key, pki.ca)
    fife = EdgeServer(SharingSetup("fife", "Fife Council",
                                   {"perth": Partner("perth", "Perth Council")}, leaf_tls=tls),
                      tmp_path / "fife")

    def perth_edge(name: str, with_tls: LeafTls | None) -> EdgeServer:
        return EdgeServer(SharingSetup("perth", "Perth Council", {"fife": Partner(
            "fife", "Fife Council", url=f"nats-leaf://127.0.0.1:{fife.layout.leaf_port}",
            password_file=tmp_path / "fife" / "credentials" / "leaf-perth.password")},
            leaf_tls=with_tls), tmp_path / name)

    plain, perth = perth_edge("plain", None), perth_edge("perth", tls)
    fife.start(fife_sends(SUSPENSION))
    plain.start(perth_receives(SUSPENSION))
    at_fife = await connected(fife)
    at_plain = await connected(plain)
    try:
        await stream(at_plain, "perth")
        await asyncio.sleep(1.5)  # time enough to link, were it allowed
        assert not await taken(at_fife, "share.fife.perth.suspension.CS1")
        await at_plain.close()
        plain.stop()
        perth.start(perth_receives(SUSPENSION))
        at_perth = await connected(perth)
        await stream(at_perth, "perth")
        assert await eventually(lambda: taken(at_fife, "share.fife.perth.suspension.CS1"),
                                what="the leaf connection over mutual TLS")
        await at_perth.close()
    finally:
        await at_fife.close()
        fife.stop()
        plain.stop()
        perth.stop()


async def test_an_edge_keeps_its_files_encrypted_under_the_councils_key(tmp_path: Path):
    from eventsourcing.cryptography import AESCipher

    from shared.at_rest import nats_key
    from shared.nats_server import JetStreamEncryption

    key = JetStreamEncryption(nats_key(AESCipher.create_key(32)))
    edge = EdgeServer(SharingSetup("fife", "Fife Council",
                                   {"perth": Partner("perth", "Perth Council")}),
                      tmp_path / "fife", encryption=key).start([])
    nc = await connected(edge)
    try:
        await stream(nc, "fife")
        marker = b"Staffing below safe levels at Oakwood"
        await nc.jetstream().publish("share.perth.fife.agreement.x", marker, timeout=2)
        assert await held(nc) == 1
    finally:
        await nc.close()
        edge.stop()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "fife" / "jetstream").rglob("*")
                      if p.is_file())
    assert stored and marker not in stored
    assert "ASSURE_NATS_ENCRYPTION_KEY" in (tmp_path / "fife" / "edge.conf").read_text()
