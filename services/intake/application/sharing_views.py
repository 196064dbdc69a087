"""intake's read model of sharing with other councils: the agreements, what we shared, what
arrived from where, and the outbox of messages for each partner's edge (which the council
link publishes in order; shared/views).

Lists read rows and their `doc` (the JSON the API shows); nothing is replayed to list them.
"""

from __future__ import annotations

import json
from typing import Any

from services.intake.application.partner_messages import message_for
from services.intake.domain.agreement import Agreement
from services.intake.domain.shared_intelligence import (
    ReceivedIntelligence,
    RefusedIntelligence,
    SharedFact,
)
from shared.views.paging import (
    EVERYTHING,
    Doc,
    Page,
    Paging,
    read_page,
    sortable,
    to_doc,
    where,
)
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin


def agreement_shown(a: Agreement) -> dict[str, Any]:
    return {
        "reference": a.reference, "partner": a.partner, "partner_name": a.partner_name,
        "status": a.status.value, "sends": a.sends, "receives": a.receives,
        "service_ids": a.service_ids, "free_text": a.free_text, "starts_on": a.starts_on,
        "ends_on": a.ends_on, "proposed_here": a.proposed_here, "proposed_by": a.proposed_by,
        "approved_here_by": a.approved_here_by, "approved_there_by": a.approved_there_by,
        "ended_reason": a.ended_reason, "proposed_at": a.created_on,
        "last_changed_at": a.modified_on,
    }


def shared_shown(f: SharedFact) -> dict[str, Any]:
    return {
        "fact_id": str(f.id), "provider_id": f.provider_id, "agreement": f.agreement,
        "partner": f.partner, "partner_name": f.partner_name, "category": f.category,
        "regulator": f.regulator, "service_id": f.service_id, "occurred_on": f.occurred_on,
        "details": f.details, "shared_at": f.created_on, "withdrawn": f.withdrawn,
        "withheld": f.withheld,
    }


def received_shown(r: ReceivedIntelligence) -> dict[str, Any]:
    return {
        "arrival_id": str(r.id), "status": "withdrawn" if r.withdrawn else "applied",
        "council": r.council, "council_name": r.council_name, "agreement": r.agreement,
        "fact_id": r.fact_id, "category": r.category, "regulator": r.regulator,
        "service_id": r.service_id, "provider_id": r.provider_id,
        "contract_reference": r.contract_reference, "occurred_on": r.occurred_on,
        "details": r.details, "arrived_at": r.created_on, "withdrawn": r.withdrawn,
        "reason": None,
    }


def refused_shown(r: RefusedIntelligence) -> dict[str, Any]:
    return {
        "arrival_id": str(r.id), "status": "refused", "council": r.council,
        "council_name": r.council_name, "agreement": r.agreement, "fact_id": r.fact_id,
        "category": r.category, "regulator": None, "service_id": r.service_id,
        "provider_id": None, "contract_reference": None, "occurred_on": None, "details": {},
        "arrived_at": r.created_on, "withdrawn": None, "reason": r.reason,
    }


class SharingView(TableViewMixin):
    family = "shr"
    view_name = "sharing"
    version = 1
    tables = {
        "agreements": "id TEXT PRIMARY KEY, reference TEXT NOT NULL, partner TEXT NOT NULL, "
                      "status TEXT NOT NULL, proposed_at TEXT NOT NULL, doc TEXT NOT NULL",
        "shared": "id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, partner TEXT NOT NULL, "
                  "agreement TEXT NOT NULL, shared_at TEXT NOT NULL, doc TEXT NOT NULL",
        "arrivals": "id TEXT PRIMARY KEY, council TEXT NOT NULL, provider_id TEXT NOT NULL, "
                    "status TEXT NOT NULL, arrived_at TEXT NOT NULL, doc TEXT NOT NULL",
        # One row per message for a partner's edge, at its event's position in the store.
        "outbox": "position BIGINT PRIMARY KEY, partner TEXT NOT NULL, subject TEXT NOT NULL, "
                  "fact_id TEXT NOT NULL, envelope TEXT NOT NULL",
    }
    indexes = {"agreements": ("status, proposed_at", "partner, proposed_at", "reference"),
               "shared": ("partner, shared_at", "agreement, shared_at", "provider_id, shared_at",
                          "shared_at"),
               "arrivals": ("council, arrived_at", "provider_id, arrived_at",
                            "status, arrived_at", "arrived_at"),
               "outbox": ("partner, position", "fact_id")}

    def agreements(self, status: str | None = None, partner: str | None = None,
                   paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Agreements (with the status, with the partner, if given), oldest first."""
        clause, params = where(status=status, partner=partner)
        return read_page(self, f"SELECT doc FROM {{agreements}}{clause} "
                               "ORDER BY proposed_at, id",
                         f"SELECT COUNT(*) AS n FROM {{agreements}}{clause}", params, paging)

    def agreement_ids(self, status: str) -> list[str]:
        rows = self.select("SELECT id FROM {agreements} WHERE status = ? ORDER BY proposed_at",
                           (status,))
        return [row["id"] for row in rows]

    def shared(self, partner: str | None = None, agreement: str | None = None,
               provider_id: str | None = None,
               paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What this council shared, newest first."""
        clause, params = where(partner=partner, agreement=agreement, provider_id=provider_id)
        return read_page(self, f"SELECT doc FROM {{shared}}{clause} ORDER BY shared_at DESC, id",
                         f"SELECT COUNT(*) AS n FROM {{shared}}{clause}", params, paging)

    def arrivals(self, council: str | None = None, status: str | None = None,
                 provider_id: str | None = None,
                 paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What arrived from other councils, newest first."""
        clause, params = where(council=council, status=status, provider_id=provider_id)
        return read_page(self, f"SELECT doc FROM {{arrivals}}{clause} "
                               "ORDER BY arrived_at DESC, id",
                         f"SELECT COUNT(*) AS n FROM {{arrivals}}{clause}", params, paging)

    def outbox(self, partner: str, after: int, limit: int) -> list[dict[str, Any]]:
        """The partner's messages after a position, in order: what its relay publishes next
        (each envelope's JSON opened, if it was sealed at rest)."""
        rows = self.select("SELECT position, subject, envelope FROM {outbox} WHERE partner = ? "
                           "AND position > ? ORDER BY position LIMIT ?", (partner, after, limit))
        return [{**row, "envelope": json.dumps(self.doc(row["envelope"]))} for row in rows]

    def positions_of(self, fact_ids: list[str]) -> dict[str, int]:
        """Each fact's latest message position (its sharing, or its withdrawal)."""
        if not fact_ids:
            return {}
        marks = ", ".join("?" * len(fact_ids))
        rows = self.select(f"SELECT fact_id, MAX(position) AS position FROM {{outbox}} "
                           f"WHERE fact_id IN ({marks}) GROUP BY fact_id", tuple(fact_ids))
        return {row["fact_id"]: int(row["position"]) for row in rows}


class SharingIndex(StoreProjection[SharingView]):
    name = "sharing"
    view_class = SharingView
    follows = (Agreement, SharedFact, ReceivedIntelligence, RefusedIntelligence)

    def rows_for(self, aggregate: Any) -> list[Row]:
        if isinstance(aggregate, Agreement):
            return [Row("INSERT INTO {agreements} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                        "DO UPDATE SET status = excluded.status, doc = excluded.doc",
                        (str(aggregate.id), aggregate.reference, aggregate.partner,
                         aggregate.status.value, sortable(aggregate.created_on),
                         to_doc(agreement_shown(aggregate))))]
        if isinstance(aggregate, SharedFact):
            return [Row("INSERT INTO {shared} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                        "DO UPDATE SET doc = excluded.doc",
                        (str(aggregate.id), aggregate.provider_id, aggregate.partner,
                         aggregate.agreement, sortable(aggregate.created_on),
                         to_doc(shared_shown(aggregate))))]
        shown = (received_shown(aggregate) if isinstance(aggregate, ReceivedIntelligence)
                 else refused_shown(aggregate))
        return [Row("INSERT INTO {arrivals} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                    "DO UPDATE SET status = excluded.status, doc = excluded.doc",
                    (shown["arrival_id"], shown["council"], shown["provider_id"] or "",
                     shown["status"], sortable(aggregate.created_on), to_doc(shown)))]

    def rows_for_event(self, domain_event: Any, position: int) -> list[Row]:
        message = message_for(self.app.sharing_setup, self.app.repository, domain_event)
        if message is None:
            return []
        return [Row("INSERT INTO {outbox} VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (position, message.partner, message.subject, message.fact_id or "",
                     # Sealed at rest like the lists' documents: a fact may carry free text.
                     Doc(message.envelope.model_dump_json())))]
