"""Sealing files under the one configured key (shared/at_rest.py), without I/O."""

from __future__ import annotations

import pytest
from eventsourcing.cryptography import AESCipher

from shared.at_rest import KeyMissing, Sealer, StoreCipher, derive, is_sealed, nats_key
from shared.settings import AssureSettings

pytestmark = pytest.mark.unit
A, B = AESCipher.create_key(32), AESCipher.create_key(32)
NOTE = b"Zephyrine Quillfeather saw medication left out"


def sealer(purpose: str = "evidence", key: str = A, *previous: str) -> Sealer:
    return Sealer.from_keys(key, list(previous), purpose)


def test_a_sealed_file_holds_no_plain_text_and_opens_to_the_original():
    sealed = sealer().seal(NOTE)
    assert is_sealed(sealed) and NOTE not in sealed
    assert sealer().open_(sealed) == NOTE


def test_without_a_key_files_stay_plain_and_plain_files_always_open():
    plain = Sealer.from_keys("", [], "mail")
    assert plain.seal(NOTE) == NOTE and not plain.enabled
    assert sealer().open_(NOTE) == NOTE  # written before encryption was turned on


def test_a_file_opens_only_under_its_key_and_for_its_purpose():
    sealed = sealer().seal(NOTE)
    with pytest.raises(KeyMissing, match="evidence"):
        sealer("evidence", B).open_(sealed)
    with pytest.raises(KeyMissing):
        sealer("mail").open_(sealed)  # a key of its own for each purpose
    with pytest.raises(KeyMissing, match="neither"):
        Sealer.from_keys("", [], "evidence").open_(sealed)


def test_a_damaged_file_is_refused():
    sealed = bytearray(sealer().seal(NOTE))
    sealed[-1] ^= 1
    with pytest.raises(ValueError, match="damaged"):
        sealer().open_(bytes(sealed))


def test_after_rotation_old_files_open_and_are_resealed_under_the_new_key():
    old = sealer("mail", A).seal(NOTE)
    rotating = sealer("mail", B, A)
    assert rotating.open_(old) == NOTE and not rotating.is_current(old)
    resealed = rotating.resealed(old)
    assert resealed is not None and rotating.is_current(resealed)
    assert rotating.resealed(resealed) is None
    assert sealer("mail", B).open_(resealed) == NOTE
    assert rotating.resealed(NOTE) is not None  # a plain file is sealed too


def test_each_use_gets_its_own_key_derived_from_the_one():
    raw = AESCipher({"CIPHER_KEY": A}).key  # type: ignore[arg-type]
    keys = {derive(raw, label) for label in ("evidence", "mail", "nats")}
    assert len(keys) == 3 and raw not in keys
    assert nats_key(A) == nats_key(A) != nats_key(B)


def test_the_store_cipher_reads_under_previous_keys_and_writes_under_the_current():
    under_a = AESCipher({"CIPHER_KEY": A}).encrypt(NOTE)  # type: ignore[arg-type]
    cipher = StoreCipher({"CIPHER_KEY": B, "ASSURE_CIPHER_PREVIOUS_KEYS": A})  # type: ignore
    assert cipher.decrypt(under_a) == NOTE
    assert AESCipher({"CIPHER_KEY": B}).decrypt(cipher.encrypt(NOTE)) == NOTE  # type: ignore
    with pytest.raises(ValueError, match="tag"):
        StoreCipher({"CIPHER_KEY": B}).decrypt(under_a)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["cipher_key", "cipher_previous_keys"])
def test_a_malformed_key_is_refused_naming_the_setting(field):
    with pytest.raises(ValueError, match=field):
        AssureSettings(**{field: "not a key"})
