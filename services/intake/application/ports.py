"""What intake's use cases are handed rather than open themselves: the evidence folders, the
council's calendar and working days, its sharing set-up and the CQC API.

`bootstrap.py` builds them from the service's settings. An application built without them (unit
tests, the benchmark) gets `IntakeAdapters.unconfigured()`: the documented defaults, as with
no settings at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.intake.adapters.calendar_file import OrganisationCalendar
from services.intake.adapters.calendar_file import load as load_calendar
from services.intake.adapters.cqc import CqcClient
from services.intake.adapters.evidence_store import EvidenceStore
from services.intake.domain.sharing_setup import SharingSetup
from shared.working_days import Nation, WorkingDays

DEFAULT_EVIDENCE_DIR = Path("assure-data/evidence")


@dataclass(frozen=True)
class IntakeAdapters:
    """The outside world intake's use cases talk to, built once at start."""

    evidence: EvidenceStore
    # Import reports: a folder beside the evidence folder, sealed under the same key, so the
    # reports route reaches no return's evidence (adapters/import_report.py).
    import_reports: EvidenceStore
    calendar: OrganisationCalendar
    working_days: WorkingDays
    sharing_setup: SharingSetup | None
    # Opens a client for the CQC API; None where no API key is configured.
    cqc: Callable[[], CqcClient] | None

    @classmethod
    def unconfigured(cls) -> IntakeAdapters:
        """The defaults of a service with no settings: unsealed evidence under assure-data/,
        the documented calendar in Scotland, no sharing, no CQC API."""
        calendar = load_calendar(None)
        return cls.with_evidence_in(
            EvidenceStore(DEFAULT_EVIDENCE_DIR), calendar,
            WorkingDays(Nation.SCOTLAND, calendar.local_holidays), None, None)

    @classmethod
    def with_evidence_in(cls, evidence: EvidenceStore, calendar: OrganisationCalendar,
                         working_days: WorkingDays, sharing_setup: SharingSetup | None,
                         cqc: Callable[[], CqcClient] | None) -> IntakeAdapters:
        """Import reports are kept beside the evidence, under the same key."""
        reports = EvidenceStore(evidence.root.with_name("import-reports"), evidence.sealer)
        return cls(evidence, reports, calendar, working_days, sharing_setup, cqc)
