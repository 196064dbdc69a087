"""`assure key rotate`: everything at rest re-encrypted under ASSURE_CIPHER_KEY, offline.

Run with Assure stopped, the new key in ASSURE_CIPHER_KEY and the old one first in
ASSURE_CIPHER_PREVIOUS_KEYS. Each store's payloads are re-encrypted and its chains re-linked
(shared/rekey.py), each service's files re-sealed by the service (intake's evidence, notify's
mail; shared/service.py), and the embedded nats-server started once
with the old key as `prev_encryption_key`, which re-encrypts JetStream's files as it starts.
Running it again changes nothing. Afterwards the previous keys can be dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assure.services import ALL
from shared.nats_server import EmbeddedNats, jetstream_encryption
from shared.rekey import reencrypt
from shared.settings import AssureSettings


class CannotRotate(ValueError):
    """Rotation needs a key to rotate to."""


@dataclass
class Rotated:
    """How much each part re-encrypted."""

    events: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)  # re-sealed, by kind (evidence, mail)
    nats: str = "external: rotate on the server (deploy/README.md)"

    def lines(self) -> list[str]:
        stores = [f"{name}: {count} stored events re-encrypted"
                  for name, count in self.events.items()]
        files = [f"{kind}: {count} files re-sealed" for kind, count in self.files.items()]
        return [*stores, *files, f"NATS: {self.nats}"]


def rotate(settings: AssureSettings) -> Rotated:
    """Re-encrypts the stores, evidence, mail and the embedded JetStream under the current key."""
    if not settings.cipher_key:
        raise CannotRotate("set the new key in ASSURE_CIPHER_KEY and the old one in "
                           "ASSURE_CIPHER_PREVIOUS_KEYS")
    rotated = Rotated()
    for definition in ALL:
        app = definition.build(settings)
        try:
            rotated.events[definition.name] = reencrypt(app)
            # The views' documents were sealed under the old key: emptied, they are built
            # again from the re-encrypted store (at the next start, or the next read).
            for follower in app.views.followers.values():
                follower.view.clear()
        finally:
            app.close()
    # Files only once every store took the new key: a store refused leaves them all as they were.
    for definition in ALL:
        if definition.reseal is not None:
            rotated.files.update(definition.reseal(settings))
    if not settings.nats_url:
        rotated.nats = _reencrypt_embedded_nats(settings)
    return rotated


def _reencrypt_embedded_nats(settings: AssureSettings) -> str:
    store = settings.data_dir / "nats"
    if not (store / "jetstream").exists():
        return "no JetStream files yet"
    EmbeddedNats(store, encryption=jetstream_encryption(settings)).start().stop()
    return "JetStream files re-encrypted as the server started"
