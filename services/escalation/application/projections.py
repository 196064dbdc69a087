"""escalation's read models: the escalations (the approvals queue among them) and the
interventions with their plans and notices, each kept as the JSON its list shows.

An intervention's list entry shows its improvement plans and breach notices, which are
aggregates of their own: each keeps a row of its own (an aggregate's row is always its own state),
and a page of interventions is put together from the three tables in the order the intervention
lists its plans and notices, as `GET /interventions/{id}` does.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.escalation.domain.breach_notice import OPTIONS_ON_FAILURE, BreachNotice
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.improvement_plan import (
    DirectedImprovementPlan,
    ImprovementPlan,
    Plan,
)
from services.escalation.domain.intervention import Intervention
from shared.views.paging import (
    EVERYTHING,
    Page,
    Paging,
    read_page,
    sortable,
    to_doc,
    where,
)
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin

# What each list shows ----------------------------------------------------------------------------


def escalation_shown(e: Escalation) -> dict[str, Any]:
    return {
        "escalation_id": e.id, "provider_id": e.provider_id,
        "intervention_id": e.intervention_id, "step": e.step, "reason": e.reason,
        "proposed_by": e.proposed_by, "proposed_at": e.created_on, "status": e.status.value,
        "decided_by": e.decided_by,
    }


def plan_shown(plan: Plan) -> dict[str, Any]:
    return {
        "plan_id": plan.id, "intervention_id": plan.intervention_id, "directed": plan.directed,
        "status": plan.status.value, "requested_on": plan.requested_on,
        "plan_due": plan.plan_due, "review_due": plan.review_due,
        "targets_due": plan.targets_due, "visit_due": plan.visit_due,
        "received_on": plan.received_on, "reviewed_on": plan.reviewed_on,
        "concluded_on": plan.concluded_on, "actions": [a.as_record() for a in plan.actions],
        "breach_notice_id": getattr(plan, "breach_notice_id", None),
    }


def notice_shown(notice: BreachNotice) -> dict[str, Any]:
    return {
        "notice_id": notice.id, "intervention_id": notice.intervention_id,
        "deficiency": notice.deficiency, "action_required": notice.action_required,
        "issued_on": notice.issued_on, "comply_by": notice.comply_by,
        "status": notice.status.value,
        "options_now_open": OPTIONS_ON_FAILURE if notice.status == "failed" else [],
        "regulator_notified": notice.regulator_notified,
    }


def intervention_own(i: Intervention) -> dict[str, Any]:
    """The intervention's own part of its entry (its plans and notices are added to it)."""
    return {
        "intervention_id": i.id, "provider_id": i.provider_id,
        "contract_reference": i.contract_reference, "status": i.status.value,
        "level": i.level, "performance_rating": i.rating.value, "next_step": i.step,
        "reason": i.reason, "opened_by": i.opened_by, "concern_ids": i.concern_ids,
        "engagement": i.engagement, "suspended_on": i.suspended_on,
        "waiting_for_decision": [{"escalation_id": k, "step": v} for k, v in i.pending.items()],
        "steps": i.steps, "missed_deadlines": i.noticed,
    }


def intervention_shown(
    i: Intervention, plans: list[Plan], notices: list[BreachNotice]
) -> dict[str, Any]:
    return {**intervention_own(i), "improvement_plans": [plan_shown(p) for p in plans],
            "breach_notices": [notice_shown(n) for n in notices]}


# The escalations ---------------------------------------------------------------------------------


class EscalationsView(TableViewMixin):
    family = "escs"
    view_name = "escalations"
    version = 1
    tables = {"escalations": "id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, "
                             "intervention_id TEXT NOT NULL, status TEXT NOT NULL, "
                             "proposed_by TEXT NOT NULL, proposed_at TEXT NOT NULL, "
                             "doc TEXT NOT NULL"}
    indexes = {"escalations": ("status, proposed_at", "provider_id, proposed_at",
                               "intervention_id, status", "proposed_at")}

    def listed(self, status: str | None = None, provider_id: str | None = None,
               paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Escalations (with the status, about the provider, if given), oldest first."""
        clause, params = where(status=status, provider_id=provider_id)
        return read_page(self, f"SELECT doc FROM {{escalations}}{clause} "
                               "ORDER BY proposed_at, id",
                         f"SELECT COUNT(*) AS n FROM {{escalations}}{clause}", params, paging)

    def ids(self, **filters: str | None) -> list[UUID]:
        clause, params = where(**filters)
        rows = self.select(f"SELECT id FROM {{escalations}}{clause} ORDER BY proposed_at, id",
                           params)
        return [UUID(row["id"]) for row in rows]


class EscalationsIndex(StoreProjection[EscalationsView]):
    name = "escalations"
    view_class = EscalationsView
    follows = (Escalation,)

    def rows_for(self, aggregate: Escalation) -> list[Row]:
        e = aggregate
        return [Row("INSERT INTO {escalations} VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                    "DO UPDATE SET status = excluded.status, doc = excluded.doc",
                    (str(e.id), e.provider_id, e.intervention_id, e.status.value,
                     e.proposed_by, sortable(e.created_on), to_doc(escalation_shown(e))))]


# The interventions -------------------------------------------------------------------------------


class InterventionsView(TableViewMixin):
    family = "ivs"
    view_name = "interventions"
    version = 1
    tables = {
        # contract_reference is '' for an intervention about the whole provider.
        "interventions": "id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, "
                         "contract_reference TEXT NOT NULL, status TEXT NOT NULL, "
                         "opened_at TEXT NOT NULL, doc TEXT NOT NULL",
        "plans": "id TEXT PRIMARY KEY, intervention_id TEXT NOT NULL, doc TEXT NOT NULL",
        "notices": "id TEXT PRIMARY KEY, intervention_id TEXT NOT NULL, doc TEXT NOT NULL",
    }
    indexes = {"interventions": ("status, opened_at", "provider_id, status", "opened_at"),
               "plans": "intervention_id", "notices": "intervention_id"}

    def listed(self, open_only: bool = False, provider_id: str | None = None,
               paging: Paging = EVERYTHING,
               provider_ids: tuple[str, ...] | None = None) -> Page[dict[str, Any]]:
        """Interventions (open ones only, about the provider or these providers, if asked),
        oldest first, each with its plans and notices."""
        clause, params = where(status="open" if open_only else None, provider_id=provider_id)
        if provider_ids is not None:  # a page's providers; none asked keeps none
            marks = ", ".join("?" for _ in provider_ids)
            among = f"provider_id IN ({marks})" if marks else "1 = 0"
            clause = f"{clause} AND {among}" if clause else f" WHERE {among}"
            params = (*params, *provider_ids)
        page = read_page(self, f"SELECT doc FROM {{interventions}}{clause} "
                               "ORDER BY opened_at, id",
                         f"SELECT COUNT(*) AS n FROM {{interventions}}{clause}", params, paging)
        return Page(self._with_plans_and_notices(page.items), page.total)

    def _with_plans_and_notices(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not entries:
            return []
        ids = tuple(entry["intervention_id"] for entry in entries)
        marks = ", ".join("?" * len(ids))
        plans = self._docs_by_id("plans", "plan_id", marks, ids)
        notices = self._docs_by_id("notices", "notice_id", marks, ids)
        return [{**{k: v for k, v in entry.items() if k not in ("plan_ids", "notice_ids")},
                 "improvement_plans": [plans[i] for i in entry["plan_ids"] if i in plans],
                 "breach_notices": [notices[i] for i in entry["notice_ids"] if i in notices]}
                for entry in entries]

    def _docs_by_id(self, table: str, key: str, marks: str,
                    ids: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        rows = self.select(f"SELECT doc FROM {{{table}}} WHERE intervention_id IN ({marks})", ids)
        docs = [self.doc(row["doc"]) for row in rows]
        return {doc[key]: doc for doc in docs}

    def current(self, provider_id: str, contract_reference: str | None) -> UUID | None:
        """The open intervention for the provider (and contract), if there is one."""
        found = self.ids(provider_id=provider_id, status="open",
                         contract_reference=contract_reference or "")
        return found[0] if found else None

    def ids(self, **filters: str | None) -> list[UUID]:
        """Interventions' ids (those with the columns' values given), oldest first."""
        clause, params = where(**filters)
        rows = self.select(f"SELECT id FROM {{interventions}}{clause} ORDER BY opened_at, id",
                           params)
        return [UUID(row["id"]) for row in rows]


PLANS = (Plan, ImprovementPlan, DirectedImprovementPlan)


class InterventionsIndex(StoreProjection[InterventionsView]):
    name = "interventions"
    view_class = InterventionsView
    follows = (Intervention, *PLANS, BreachNotice)

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, Intervention):
            return [_intervention_row(aggregate)]
        table = "plans" if isinstance(aggregate, Plan) else "notices"
        shown = plan_shown(aggregate) if table == "plans" else notice_shown(aggregate)
        return [Row(f"INSERT INTO {{{table}}} VALUES (?, ?, ?) ON CONFLICT (id) "
                    "DO UPDATE SET doc = excluded.doc",
                    (str(aggregate.id), aggregate.intervention_id, to_doc(shown)))]


def _intervention_row(i: Intervention) -> Row:
    entry = {**intervention_own(i), "plan_ids": i.plan_ids, "notice_ids": i.notice_ids}
    return Row("INSERT INTO {interventions} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
               "DO UPDATE SET status = excluded.status, doc = excluded.doc",
               (str(i.id), i.provider_id, i.contract_reference or "", i.status.value,
                sortable(i.created_on), to_doc(entry)))
