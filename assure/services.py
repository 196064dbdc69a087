"""The four services, in the order events flow through them."""

from services.escalation.bootstrap import SERVICE as ESCALATION
from services.intake.bootstrap import SERVICE as INTAKE
from services.notify.bootstrap import SERVICE as NOTIFY
from services.risk.bootstrap import SERVICE as RISK

ALL = (INTAKE, RISK, ESCALATION, NOTIFY)
