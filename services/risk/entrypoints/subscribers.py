"""What risk consumes: every return is scored; grades, reported concerns, call-monitoring
figures and overdue returns are read against the poor-performance rules of §6; contracts give
the service types (the impact on the risk matrix) and monitoring levels (the log's filters).

Read from the application's handlers, so the table and what its consumers ask NATS for cannot
drift apart."""

from services.risk.application import RiskAssessment
from shared.messaging.topology import by_upstream

CONSUMES = by_upstream(RiskAssessment.handlers())
