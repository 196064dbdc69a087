"""What intake keeps at rest outside its store, re-sealed under the current key when the
council rotates it (`assure key rotate`, with the system stopped)."""

from __future__ import annotations

from services.intake.adapters.evidence_store import EvidenceStore
from shared.settings import AssureSettings


def reseal(settings: AssureSettings) -> dict[str, int]:
    """Seals every evidence file under ASSURE_CIPHER_KEY that is not: how many it re-sealed."""
    evidence = EvidenceStore(settings.data_dir / "evidence", settings.sealer("evidence"))
    return {"evidence": evidence.reseal()}
