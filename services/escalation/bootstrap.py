"""Wires escalation: its application with the council's working days (its nation's public
holidays and the local ones in its calendar file, read here so a wrong file stops the start),
its HTTP routes, what it consumes and its daily check."""

from __future__ import annotations

from collections.abc import Mapping

from services.escalation.application import Interventions
from services.escalation.entrypoints.scheduler import check_daily
from services.escalation.entrypoints.subscribers import CONSUMES
from shared.service import ServiceDefinition
from shared.working_days import Nation, WorkingDays, local_holidays_in


def build_escalation(env: Mapping[str, str]) -> Interventions:
    """escalation on the store, with the working days a service environment names."""
    nation = Nation(env.get("ASSURE_NATION", Nation.SCOTLAND.value))
    calendar = WorkingDays(nation, local_holidays_in(env.get("ASSURE_CALENDAR_FILE")))
    return Interventions(dict(env), calendar)


SERVICE = ServiceDefinition(
    name="escalation",
    application=Interventions,
    routes="services.escalation.entrypoints.api",
    consumes=CONSUMES,
    background=(check_daily,),
    builder=build_escalation,
)
