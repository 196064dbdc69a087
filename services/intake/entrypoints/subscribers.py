"""What intake consumes: assessed risk (levels are recomputed), approved suspensions, and the
reminders notify sent about overdue returns (the return log shows their dates)."""

from shared.contracts import escalation, notify, risk

CONSUMES = {
    "notify": (notify.NotificationDelivered,),
    "risk": (risk.RiskLevelAssessed,),
    "escalation": (escalation.EscalationApproved,),
}
