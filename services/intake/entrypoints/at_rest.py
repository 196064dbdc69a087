"""What intake keeps at rest outside its store, re-sealed under the current key when the
council rotates it (`assure key rotate`, with the system stopped)."""

from __future__ import annotations

from services.intake.adapters.evidence_store import EvidenceStore
from shared.settings import AssureSettings


def reseal(settings: AssureSettings) -> dict[str, int]:
    """Seals every file under ASSURE_CIPHER_KEY that is not, by kind: how many it re-sealed.
    Import reports (the rows an import could not use) are sealed like evidence, in a folder
    beside it: left under the old key, they could not be read once that key is retired."""
    sealer = settings.sealer("evidence")
    evidence = EvidenceStore(settings.data_dir / "evidence", sealer)
    reports = EvidenceStore(settings.data_dir / "import-reports", sealer)
    return {"evidence": evidence.reseal(), "import reports": reports.reseal()}
