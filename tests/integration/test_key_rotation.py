"""Key rotation (issue 14, must-do 6): data written under key A still reads with ASSURE_CIPHER_KEY
= B and ASSURE_CIPHER_PREVIOUS_KEYS = A; `assure key rotate` re-encrypts it all under B, the
hash chains still verify, and what it re-sealed no longer opens with A alone."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import nats
import pytest
from eventsourcing.cryptography import AESCipher
from typer.testing import CliRunner

from assure.cli import app as cli
from assure.rotation import rotate
from assure.services import ALL
from services.intake.adapters.evidence_store import EvidenceStore
from services.intake.application import Award
from services.notify.adapters.mail import FolderMailer
from shared.at_rest import KeyMissing, is_sealed
from shared.chain import all_events, unseal
from shared.nats_server import EmbeddedNats, jetstream_encryption
from shared.rekey import ChainBroken, Unreadable
from shared.settings import AssureSettings
from tests.integration.test_tamper import execute

pytestmark = pytest.mark.integration
INTAKE = next(service for service in ALL if service.name == "intake")
A, B = AESCipher.create_key(32), AESCipher.create_key(32)


def keyed(settings: AssureSettings, key: str, previous: str = "") -> AssureSettings:
    return settings.model_copy(update={"cipher_key": key, "cipher_previous_keys": previous})


def with_providers(settings: AssureSettings, *names: str) -> None:
    """Providers with a contract changed once: aggregates of several events each."""
    app = INTAKE.build(settings)
    try:
        for name in names:
            app.register_provider(name.title(), name, "officer", f"{name}-1")
            app.award_contract(Award(
                provider_id=name, reference=f"{name}-c1", service_type="care-home",
                annual_value=Decimal(250000), regulator=None, regulator_service_id=None,
                start_date=date(2025, 4, 1), end_date=None, contract_manager="Ann"),
                "officer", f"{name}-2")
            app.change_contract(f"{name}-c1", "vary_value", annual_value=Decimal(90000),
                                by="officer", correlation_id=f"{name}-3")
    finally:
        app.close()


def read_back(settings: AssureSettings, *names: str) -> list[Any]:
    """Each provider's name and contract value as the service reads them, and its verification."""
    app = INTAKE.build(settings)
    try:
        found = [(app.get_provider(n).name, app.get_contract(f"{n}-c1").annual_value)
                 for n in names]
        return [found, app.verify().intact]
    finally:
        app.close()


def payloads(settings: AssureSettings) -> list[bytes]:
    app = INTAKE.build(settings)
    try:
        return [unseal(stored.state)[0] for stored in all_events(app.recorder)]
    finally:
        app.close()


def opens_under(key: str, payload: bytes) -> bool:
    cipher = AESCipher({"CIPHER_KEY": key})  # type: ignore[arg-type]
    try:
        cipher.decrypt(payload)
    except ValueError:
        return False
    return True


def test_a_store_written_under_one_key_reads_after_rotation_and_is_rewritten_under_the_new(
        settings):
    expected = [[("Oakwood", Decimal(95000)), ("Birchwood", Decimal(90000))], True]
    with_providers(keyed(settings, A), "oakwood")
    rotating = keyed(settings, B, previous=A)
    with_providers(rotating, "birchwood")  # written under B, beside what A wrote
    app = INTAKE.build(rotating)  # and an event under B chained to oakwood's under A
    app.change_contract("oakwood-c1", "vary_value", annual_value=Decimal(95000), by="officer",
                        correlation_id="oakwood-4")
    app.close()
    assert read_back(rotating, "oakwood", "birchwood") == expected
    mixed = payloads(rotating)
    assert any(opens_under(A, p) for p in mixed) and any(opens_under(B, p) for p in mixed)

    rotated = rotate(rotating)

    # A's re-encrypted, and the one event under B after them re-linked
    assert rotated.events["intake"] == sum(opens_under(A, p) for p in mixed) + 1
    assert all(opens_under(B, p) and not opens_under(A, p) for p in payloads(rotating))
    assert read_back(keyed(settings, B), "oakwood", "birchwood") == expected  # B alone
    assert rotate(rotating).events["intake"] == 0  # nothing left to do
    with pytest.raises(Exception, match="(?i)decrypt|tag"):
        read_back(keyed(settings, A), "oakwood")


def test_a_store_whose_chain_is_broken_is_not_rotated(settings):
    with_providers(keyed(settings, A), "oakwood")
    app = INTAKE.build(keyed(settings, A))
    try:
        [first, *_] = all_events(app.recorder)
        other_digit = b"1" if first.state.endswith(b"0") else b"0"
        execute(app, settings, "UPDATE {table} SET state = %s WHERE originator_id = %s "
                "AND originator_version = %s", first.state[:-1] + other_digit,
                first.originator_id, first.originator_version)  # behind the service's back
    finally:
        app.close()

    with pytest.raises(ChainBroken, match="intake"):
        rotate(keyed(settings, B, previous=A))

    assert all(opens_under(A, p) for p in payloads(keyed(settings, A)))  # left as it was


def test_a_store_under_a_key_that_is_not_given_is_refused_and_left_as_it_is(settings):
    with_providers(keyed(settings, A), "oakwood")

    with pytest.raises(Unreadable, match="ASSURE_CIPHER_PREVIOUS_KEYS"):
        rotate(keyed(settings, B))  # A forgotten

    assert all(opens_under(A, p) for p in payloads(keyed(settings, A)))


def test_assure_key_rotate_reseals_evidence_import_reports_and_mail_under_the_new_key(tmp_path):
    settings = AssureSettings(data_dir=tmp_path / "data")
    plain = EvidenceStore(settings.data_dir / "evidence")
    before_encryption = plain.put(b"written before a key was set")
    old = EvidenceStore(settings.data_dir / "evidence", keyed(settings, A).sealer("evidence"))
    under_a = old.put(b"%PDF-1.4 visit notes")
    mail = settings.data_dir / "mail"
    mail.mkdir(mode=0o700)
    (mail / "d1.eml").write_bytes(keyed(settings, A).sealer("mail").seal(b"Subject: concern\n"))
    # An import's report of rows it could not use, kept beside the evidence under its key.
    reports = EvidenceStore(settings.data_dir / "import-reports",
                            keyed(settings, A).sealer("evidence"))
    report = reports.put(b"row,column,message\n4,CSNumber,no such service\n")

    result = CliRunner().invoke(cli, ["key", "rotate", "--data-dir", str(settings.data_dir)],
                                env={"ASSURE_CIPHER_KEY": B, "ASSURE_CIPHER_PREVIOUS_KEYS": A})

    assert result.exit_code == 0, result.output
    assert "evidence: 2 files re-sealed" in result.output
    assert "mail: 1 files re-sealed" in result.output
    assert "import reports: 1 files re-sealed" in result.output
    new = EvidenceStore(settings.data_dir / "evidence", keyed(settings, B).sealer("evidence"))
    assert new.get(under_a) == b"%PDF-1.4 visit notes"
    assert new.get(before_encryption) == b"written before a key was set"
    assert all(is_sealed(path.read_bytes()) for path in new.files())
    with pytest.raises(KeyMissing):
        old.get(under_a)
    kept = EvidenceStore(settings.data_dir / "import-reports",
                         keyed(settings, B).sealer("evidence"))
    assert kept.get(report).startswith(b"row,column,message")
    with pytest.raises(KeyMissing):
        reports.get(report)
    spooled = FolderMailer(mail, keyed(settings, B).sealer("mail"))
    assert spooled.read(mail / "d1.eml") == b"Subject: concern\n"
    with pytest.raises(KeyMissing):
        FolderMailer(mail, keyed(settings, A).sealer("mail")).read(mail / "d1.eml")


async def stream_message(server: EmbeddedNats) -> bytes:
    client = await nats.connect(server.url)
    try:
        return (await client.jetstream().get_msg("ROTATE", 1)).data
    finally:
        await client.close()


async def first_message(url: str) -> bytes:
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        await js.add_stream(name="ROTATE", subjects=["rotate.>"])
        await js.publish("rotate.one", b"Zephyrine Quillfeather")
        return (await js.get_msg("ROTATE", 1)).data
    finally:
        await client.close()


def test_the_embedded_jetstream_is_reencrypted_under_the_new_key(tmp_path):
    settings = AssureSettings(data_dir=tmp_path / "data")
    store = settings.data_dir / "nats"
    under_a = EmbeddedNats(store, encryption=jetstream_encryption(keyed(settings, A))).start()
    try:
        assert asyncio.run(first_message(under_a.url)) == b"Zephyrine Quillfeather"
    finally:
        under_a.stop()

    assert rotate(keyed(settings, B, previous=A)).nats.startswith("JetStream files re-encrypted")

    under_b = EmbeddedNats(store, encryption=jetstream_encryption(keyed(settings, B))).start()
    try:
        assert asyncio.run(stream_message(under_b)) == b"Zephyrine Quillfeather"
    finally:
        under_b.stop()
    again_a = EmbeddedNats(store, encryption=jetstream_encryption(keyed(settings, A))).start()
    try:
        with pytest.raises(Exception):  # noqa: B017 - the stream does not open: not found
            asyncio.run(stream_message(again_a))
    finally:
        again_a.stop()
