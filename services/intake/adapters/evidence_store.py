"""Evidence files kept by content: the SHA-256 names the file, so a copy is never stored twice.

With a cipher key configured each file is sealed (AES-GCM, shared/at_rest.py); the name is the
SHA-256 of the original bytes, which the events already record.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from shared.at_rest import Sealer, private_directory


class EvidenceStore:
    """A folder of files named by their SHA-256, sealed under the configured key if any."""

    def __init__(self, root: Path, sealer: Sealer | None = None) -> None:
        self.root = Path(root)
        self.sealer = sealer or Sealer([], "evidence")

    def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if not path.exists():
            self._write(path, self.sealer.seal(content))
        return sha256

    def _write(self, path: Path, stored: bytes) -> None:
        private_directory(self.root)
        private_directory(path.parent)
        # Write then rename, so a reader never sees half a file (the file is created 0600).
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(stored)
        os.replace(handle.name, path)

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        if not path.exists():
            raise FileNotFoundError(sha256)
        return self.sealer.open_(path.read_bytes())

    def files(self) -> Iterator[Path]:
        return (p for p in self.root.glob("??/*") if len(p.name) == 64)

    def reseal(self) -> int:
        """Seals every file under the current key that is not (key rotation); returns how many."""
        count = 0
        for path in self.files():
            if (resealed := self.sealer.resealed(path.read_bytes())) is not None:
                self._write(path, resealed)
                count += 1
        return count

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise FileNotFoundError(sha256)
        return self.root / sha256[:2] / sha256
