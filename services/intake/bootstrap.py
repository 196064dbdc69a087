"""Wires intake: its adapters, built from the service's settings and handed to its application,
its HTTP routes, what it consumes and its daily schedule."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path

from services.intake.adapters.calendar_file import load as load_calendar
from services.intake.adapters.cqc import CqcClient
from services.intake.adapters.evidence_store import EvidenceStore
from services.intake.adapters.sharing_file import load as load_sharing
from services.intake.application import Intake
from services.intake.application.ports import DEFAULT_EVIDENCE_DIR, IntakeAdapters
from services.intake.entrypoints.at_rest import reseal
from services.intake.entrypoints.companions import council_link
from services.intake.entrypoints.scheduler import run_daily
from services.intake.entrypoints.subscribers import CONSUMES
from shared.at_rest import Sealer
from shared.service import ServiceDefinition
from shared.working_days import Nation, WorkingDays


def adapters_from(env: Mapping[str, str]) -> IntakeAdapters:
    """The adapters a service environment names (AssureSettings.eventstore_env): a wrong
    calendar or sharing file stops the start, not the first schedule run."""
    calendar = load_calendar(env.get("ASSURE_CALENDAR_FILE"))
    nation = Nation(env.get("ASSURE_NATION", Nation.SCOTLAND.value))
    evidence = EvidenceStore(Path(env.get("ASSURE_EVIDENCE_DIR", str(DEFAULT_EVIDENCE_DIR))),
                             Sealer.from_env(env, "evidence"))
    cqc_key = env.get("ASSURE_CQC_API_KEY", "")
    cqc = partial(CqcClient, env.get("ASSURE_CQC_API_URL", ""), cqc_key) if cqc_key else None
    return IntakeAdapters.with_evidence_in(
        evidence, calendar, WorkingDays(nation, calendar.local_holidays),
        load_sharing(env.get("ASSURE_SHARING_FILE")), cqc)


def build_intake(env: dict[str, str]) -> Intake:
    """Intake on the store and with the adapters a service environment names."""
    return Intake(env, adapters_from(env))


SERVICE = ServiceDefinition(
    name="intake", application=Intake, routes="services.intake.entrypoints.api",
    consumes=CONSUMES, background=(run_daily,), companions=(council_link,), reseal=reseal,
    builder=build_intake,
)
