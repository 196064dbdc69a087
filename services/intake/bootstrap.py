"""Wires intake: its application, its HTTP routes and what it consumes."""

from services.intake.application import Intake
from services.intake.entrypoints.api import router
from services.intake.entrypoints.at_rest import reseal
from services.intake.entrypoints.companions import council_link
from services.intake.entrypoints.scheduler import run_daily
from services.intake.entrypoints.subscribers import CONSUMES
from shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="intake", application=Intake, router=router, consumes=CONSUMES, background=(run_daily,),
    companions=(council_link,), reseal=reseal,
)
