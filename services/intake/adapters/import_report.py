"""The list behind an import's counts: every id no contract holds and every row not read.

An import answers with counts; a real monthly file has ~10,000 services the council does not
buy, so their ids go into a CSV the officer can download (issue 21), kept beside the evidence store
(sealed like evidence, in a folder of their own so the reports route reaches no return's
evidence: application/ports.py) and named by their SHA-256.
"""

from __future__ import annotations

import csv
import tempfile

from services.intake.adapters.evidence_store import EvidenceStore

HEADER = ("what", "row", "id_or_column", "message")
REPORTS = "/intake/imports/reports"


class ImportReport:
    """Lines written to a temporary file as the import goes, so memory stays flat."""

    def __init__(self) -> None:
        # Spooled: in memory up to 1 MB, on disk beyond.
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by publish()
            max_size=1 << 20, mode="w+t",
            encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(HEADER)
        self.lines = 0

    def unmatched(self, service_id: str) -> None:
        self._write("not one of our contracts", None, service_id, "")

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self._write("not read", row, column or "", message)

    def _write(self, what: str, row: int | None, key: str, message: str) -> None:
        self._writer.writerow((what, "" if row is None else row, key, message))
        self.lines += 1

    def publish(self, store: EvidenceStore) -> str | None:
        """Stores the report in the import reports' folder and gives the path to download it;
        None when there is nothing."""
        try:
            if not self.lines:
                return None
            self._file.seek(0)
            content = self._file.read().encode("utf-8")
            return f"{REPORTS}/{store.put(content)}"
        finally:
            self._file.close()

