"""What notify consumes: every upstream event a routing rule names, and what addressing needs.

notify's consumers read each upstream stream whole and its policy reads every event against the
rules, so a council's rule for another event type needs no change here; this list documents the
defaults (it feeds the AsyncAPI catalogue).
"""

from types import ModuleType

from services.notify.domain.defaults import DEFAULT_RULES
from shared.contracts import escalation, intake, risk
from shared.contracts.envelope import IntegrationEvent, registered_contracts

ADDRESSING = (intake.ContractAwarded, intake.ReturnSubmitted)
ROUTED = {rule.event for rule in DEFAULT_RULES}


def _consumed(module: ModuleType) -> tuple[type[IntegrationEvent], ...]:
    models = [model for model in registered_contracts() if model.__module__ == module.__name__]
    return tuple(m for m in models if m.event_type in ROUTED or m in ADDRESSING)


CONSUMES = {module.STREAM.lower(): _consumed(module) for module in (intake, risk, escalation)}
