"""Wires risk: its application with the council's configuration (read from the file the
settings name, so a wrong file stops the start), its HTTP routes and what it consumes."""

from __future__ import annotations

from collections.abc import Mapping

from services.risk.adapters.configuration_file import load_configuration
from services.risk.application import RiskAssessment
from services.risk.entrypoints.subscribers import CONSUMES
from shared.service import ServiceDefinition


def build_risk(env: Mapping[str, str]) -> RiskAssessment:
    """risk on the store, with the configuration a service environment names."""
    return RiskAssessment(dict(env), load_configuration(env.get("ASSURE_RISK_CONFIG_FILE")))


SERVICE = ServiceDefinition(
    name="risk", application=RiskAssessment, routes="services.risk.entrypoints.api",
    consumes=CONSUMES, builder=build_risk,
)
