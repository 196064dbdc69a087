"""What notify consumes: the events it has a handler for (addressing, reminders) and every
upstream event a default routing rule names.

This table documents the defaults (it feeds the AsyncAPI catalogue and the NATS users); at run
time notify's consumers ask for the events of the council's own rules
(`Notifications.handled_event_types`), so a rule for another event type needs no change here.
"""

from services.notify.application import Notifications
from services.notify.domain.defaults import DEFAULT_RULES
from shared.contracts.envelope import registered_contracts
from shared.messaging.topology import by_upstream

ROUTED = {rule.event for rule in DEFAULT_RULES}
UPSTREAMS = ("intake", "risk", "escalation")

CONSUMES = by_upstream(
    model for model in (*Notifications.handlers(), *registered_contracts())
    if model.source_service in UPSTREAMS
    and (model in Notifications.handlers() or model.event_type in ROUTED)
)
