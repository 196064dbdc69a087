"""What notify keeps at rest outside its store, re-sealed under the current key when the
council rotates it (`assure key rotate`, with the system stopped)."""

from __future__ import annotations

from services.notify.adapters.mail import FolderMailer
from shared.settings import AssureSettings


def reseal(settings: AssureSettings) -> dict[str, int]:
    """Seals every mail file under ASSURE_CIPHER_KEY that is not: how many it re-sealed."""
    mail = FolderMailer(settings.data_dir / "mail", settings.sealer("mail"))
    return {"mail": mail.reseal()}
