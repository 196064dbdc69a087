"""What escalation consumes: each concern opens a proportionate intervention.

Read from the application's handlers, so the table and what its consumers ask NATS for cannot
drift apart."""

from services.escalation.application import Interventions
from shared.messaging.topology import by_upstream

CONSUMES = by_upstream(Interventions.handlers())
