"""What intake consumes: assessed risk (levels are recomputed), approved suspensions, and the
reminders notify sent about overdue returns (the return log shows their dates).

Read from the application's handlers, so the table and what its consumers ask NATS for cannot
drift apart."""

from services.intake.application import Intake
from shared.messaging.topology import by_upstream

CONSUMES = by_upstream(Intake.handlers())
