"""Text a view keeps about people and concerns, sealed at rest like everything else.

A view's documents (what a list shows: a concern's summary, who recorded it) would otherwise sit
in plain text beside a store whose events are encrypted. With ASSURE_CIPHER_KEY set they are
sealed under a key of their own derived from it (shared/at_rest.py, label `views`) and kept as
base64 text; the columns a view sorts and filters on hold no such text and stay plain. Without a
key documents are kept as they are, and a plain document always reads (one written before a key
was set). A key rotation rebuilds the views that seal (`ServiceViews.rebuild_sealed`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from shared.at_rest import Sealer

PURPOSE = "views"


class SealedText:
    """Seals and opens a view's text documents under the service's keys."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.sealer = Sealer.from_env(env or {}, PURPOSE)

    def seal(self, text: str) -> str:
        if not self.sealer.enabled:
            return text
        return base64.b64encode(self.sealer.seal(text.encode())).decode("ascii")

    def open(self, stored: str) -> str:
        if stored.startswith(("{", "[", '"')):  # JSON kept plain: base64 never starts so
            return stored
        return self.sealer.open_(base64.b64decode(stored)).decode()
