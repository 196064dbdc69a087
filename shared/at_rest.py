"""Encryption at rest under one configured key (ASSURE_CIPHER_KEY), and its rotation.

The one key encrypts the stores' event payloads as it is (eventsourcing's AES-GCM cipher, as
before this module existed). Everything else gets its own key derived from it with HKDF and a
label (`evidence`, `mail`, `nats`), so a key leaked from one use opens nothing else, and one
secret is all an operator keeps. `cryptography` (already needed by eventsourcing's cipher)
provides HKDF and AES-GCM: no hand-made cryptography here.

A sealed file starts with a fixed header naming the format version and an 8-byte id of the key
that sealed it, so files written before encryption was turned on (no header) still read, and a
rotation can tell which files are still under an old key.

Rotation: set the new key in ASSURE_CIPHER_KEY and the old one(s) in ASSURE_CIPHER_PREVIOUS_KEYS
(comma-separated, newest first). Everything then reads under any of them and writes under the
new one; `assure key rotate` re-seals what is already stored (see the README).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.cryptography import AESCipher

if TYPE_CHECKING:
    from eventsourcing.utils import Environment

MAGIC = b"assure-sealed:v1\n"
_KEY_ID = 8
_NONCE = 12
PREVIOUS_KEYS = "ASSURE_CIPHER_PREVIOUS_KEYS"


class KeyMissing(ValueError):
    """Data sealed under a key that is not configured (or no key is configured at all)."""


def decode_key(encoded: str) -> bytes:
    """The raw bytes of a base64 key as `assure key` prints it; refuses a malformed one."""
    try:
        raw = base64.b64decode(encoded.strip().encode(), validate=True)
    except binascii.Error as error:
        raise ValueError("a cipher key must be base64, as `assure key` prints it") from error
    if len(raw) not in AESCipher.KEY_SIZES:
        raise ValueError(f"a cipher key must be 16, 24 or 32 bytes, not {len(raw)}")
    return raw


def split_keys(listed: str) -> list[str]:
    """ASSURE_CIPHER_PREVIOUS_KEYS as a list, newest first."""
    return [key.strip() for key in listed.split(",") if key.strip()]


def derive(master: bytes, label: str) -> bytes:
    """A 32-byte key for one use (`label`) of the configured key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"assure at rest: {label}".encode()).derive(master)


def nats_key(encoded: str) -> str:
    """The key JetStream's own encryption at rest gets, derived from a cipher key.

    Hex after a word: nats-server reads an environment variable's value as configuration, so a
    value that starts with a digit could be taken for a number (64 zeros is an int64 to it).
    """
    return "assure" + derive(decode_key(encoded), "nats").hex()


@dataclass(frozen=True)
class _Key:
    id: bytes
    aead: AESGCM


class Sealer:
    """Seals and opens files for one purpose under the newest key, opening under any key.

    Without keys it writes plain bytes; plain bytes (no header) always open as they are.
    """

    def __init__(self, masters: Sequence[bytes], purpose: str) -> None:
        self.purpose = purpose
        self._keys = [self._key(master) for master in masters]

    @classmethod
    def from_keys(cls, current: str, previous: Sequence[str], purpose: str) -> Sealer:
        masters = [decode_key(k) for k in ([current] if current else []) + list(previous)]
        return cls(masters, purpose)

    @classmethod
    def from_env(cls, env: Mapping[str, str], purpose: str) -> Sealer:
        """From ASSURE_CIPHER_KEY and ASSURE_CIPHER_PREVIOUS_KEYS in a service's environment."""
        return cls.from_keys(env.get("ASSURE_CIPHER_KEY", ""),
                             split_keys(env.get(PREVIOUS_KEYS, "")), purpose)

    def _key(self, master: bytes) -> _Key:
        key = derive(master, self.purpose)
        return _Key(hashlib.sha256(b"key id\n" + key).digest()[:_KEY_ID], AESGCM(key))

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def seal(self, data: bytes) -> bytes:
        if not self._keys:
            return data
        key = self._keys[0]
        nonce = os.urandom(_NONCE)
        header = MAGIC + key.id
        return header + nonce + key.aead.encrypt(nonce, data, self._aad(header))

    def open_(self, data: bytes) -> bytes:
        if not is_sealed(data):
            return data
        header, nonce = data[:len(MAGIC) + _KEY_ID], data[len(MAGIC) + _KEY_ID:][:_NONCE]
        key_id = header[len(MAGIC):]
        for key in self._keys:
            if key.id == key_id:
                try:
                    return key.aead.decrypt(nonce, data[len(header) + _NONCE:], self._aad(header))
                except InvalidTag as error:
                    raise ValueError(f"a sealed {self.purpose} file is damaged") from error
        raise KeyMissing(f"this {self.purpose} file is sealed under a key that is neither "
                         "ASSURE_CIPHER_KEY nor in ASSURE_CIPHER_PREVIOUS_KEYS")

    def is_current(self, data: bytes) -> bool:
        """True if the data is as `seal` would write it now: under the newest key, or plain."""
        if not self._keys:
            return not is_sealed(data)
        return is_sealed(data) and data[len(MAGIC):len(MAGIC) + _KEY_ID] == self._keys[0].id

    def resealed(self, stored: bytes) -> bytes | None:
        """The data as `seal` would write it now, or None if it already is (key rotation)."""
        return None if self.is_current(stored) else self.seal(self.open_(stored))

    def _aad(self, header: bytes) -> bytes:
        return header + self.purpose.encode()  # a mail file cannot pass for evidence


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


class StoreCipher(AESCipher):
    """eventsourcing's AES-GCM cipher, also reading payloads under ASSURE_CIPHER_PREVIOUS_KEYS.

    It writes under CIPHER_KEY (the current key) only, so a rotated store mixes keys until
    `assure key rotate` rewrites the old payloads.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        previous = split_keys(environment.get(PREVIOUS_KEYS) or "")
        self._previous = [AESGCM(decode_key(k)) for k in previous]

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return super().decrypt(ciphertext)
        except ValueError:
            if not self._previous:
                raise
        nonce, tag, encrypted = ciphertext[:12], ciphertext[12:28], ciphertext[28:]
        for aead in self._previous:
            try:
                return aead.decrypt(nonce, encrypted + tag, None)
            except InvalidTag:
                continue
        raise ValueError("Invalid cipher tag: no configured key opens this payload")


# File modes: the data directory is the owner's alone (directories 0700, files 0600). `assure up`
# sets the umask to 077, so whatever the process and the nats-server it starts create is private;
# the helpers below also make it so where the umask is not ours (tests, an embedding program).

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600


def private_directory(path: os.PathLike[str] | str) -> None:
    """Creates the directory (and missing parents) for the owner alone."""
    os.makedirs(path, mode=PRIVATE_DIRECTORY, exist_ok=True)
    if _ours(os.stat(path)):  # a mount point someone else owns is left as it is
        os.chmod(path, PRIVATE_DIRECTORY)


def _ours(found: os.stat_result) -> bool:
    return found.st_uid == os.geteuid()


def make_private(root: os.PathLike[str] | str) -> int:
    """Takes group and other access away from everything under root; returns how many changed.

    For a data directory written before modes were kept tight (files were 0644).
    """
    changed = 0
    for directory, _, files in os.walk(root):
        for path in [directory] + [os.path.join(directory, name) for name in files]:
            found = os.lstat(path)
            mode = found.st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077 and _ours(found):
                os.chmod(path, stat.S_IMODE(mode) & 0o700)
                changed += 1
    return changed
