"""What intake consumes: assessed risk (levels are recomputed) and approved suspensions."""

from shared.contracts import escalation, risk

CONSUMES = {
    "risk": (risk.RiskLevelAssessed,),
    "escalation": (escalation.EscalationApproved,),
}
