"""Wires risk: its application, its HTTP routes and what it consumes."""

from services.risk.application import RiskAssessment
from services.risk.entrypoints.api import router
from services.risk.entrypoints.subscribers import CONSUMES
from shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="risk", application=RiskAssessment, router=router, consumes=CONSUMES
)
