"""What escalation knew of a provider at a moment: interventions, their plans' and notices'
deadlines, and escalations waiting or decided, from aggregates replayed to that moment."""

from __future__ import annotations

from typing import Any

from services.escalation.domain.breach_notice import BreachNotice
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.improvement_plan import Plan
from services.escalation.domain.intervention import Intervention


def summary(aggregates: list[Any]) -> dict[str, Any]:
    return {
        "interventions": [
            {"intervention_id": str(i.id), "status": i.status.value, "level": i.level,
             "performance_rating": i.rating.value, "next_step": i.step}
            for i in aggregates if isinstance(i, Intervention)
        ],
        "improvement_plans": [
            {"plan_id": str(p.id), "intervention_id": p.intervention_id, "status": p.status.value,
             "directed": p.directed, "plan_due": p.plan_due, "review_due": p.review_due,
             "targets_due": p.targets_due, "visit_due": p.visit_due}
            for p in aggregates if isinstance(p, Plan)
        ],
        "breach_notices": [
            {"notice_id": str(n.id), "intervention_id": n.intervention_id,
             "status": n.status.value, "comply_by": n.comply_by}
            for n in aggregates if isinstance(n, BreachNotice)
        ],
        "escalations": [
            {"escalation_id": str(e.id), "step": e.step, "status": e.status.value}
            for e in aggregates if isinstance(e, Escalation)
        ],
    }
