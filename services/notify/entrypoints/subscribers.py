"""What notify consumes: concerns and escalation decisions people must hear about."""

from shared.contracts import escalation, risk

CONSUMES = {
    "risk": (risk.ConcernRaised,),
    "escalation": (escalation.EscalationProposed, escalation.EscalationApproved),
}
