"""escalation's application layer: one module per use case, composed into one application.

`interventions.Interventions` is the service's application: the policy for the concerns risk
publishes, composed of the use cases beside it (the ladder's steps, improvement plans, breach
notices, serious steps and their second person, deadlines, briefings, monitoring reports), each
a mixin over the records every use case reads (`records.InterventionRecords`). `integration`
maps its domain events to the integration events it publishes; `projections` are its read models.
"""

from services.escalation.application.interventions import POLICY_PROPOSER, Interventions

__all__ = ["POLICY_PROPOSER", "Interventions"]
