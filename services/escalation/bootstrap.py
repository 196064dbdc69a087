"""Wires escalation: its application, its HTTP routes, what it consumes and its daily check."""

from services.escalation.application import Interventions
from services.escalation.entrypoints.api import router
from services.escalation.entrypoints.scheduler import check_daily
from services.escalation.entrypoints.subscribers import CONSUMES
from shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="escalation",
    application=Interventions,
    router=router,
    consumes=CONSUMES,
    background=(check_daily,),
)
