"""What notify consumes: concerns and escalation decisions people must hear about."""

from shared.contracts import escalation, intake, risk

CONSUMES = {
    "intake": (intake.ReturnRequested, intake.ReturnOverdue),
    "risk": (risk.ConcernRaised,),
    "escalation": (escalation.EscalationProposed, escalation.EscalationApproved),
}
