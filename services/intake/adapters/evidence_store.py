"""Evidence files kept by content: the SHA-256 names the file, so a copy is never stored twice."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class EvidenceStore:
    """A folder of files named by their SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader never sees half a file.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(content)
            os.replace(handle.name, path)
        return sha256

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        if not path.exists():
            raise FileNotFoundError(sha256)
        return path.read_bytes()

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise FileNotFoundError(sha256)
        return self.root / sha256[:2] / sha256
