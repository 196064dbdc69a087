"""The history index: which aggregates are found under a key (a provider's, the dead letters).

Every service's stored events name the keys their aggregate is found under
(`ServiceApplication.index_keys`); this view keeps each key's aggregates in the order they first
appeared, so reading a provider's history, the dead letters or an auditor's reads never scans
the store, and start-up reads nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin


class KeysView(TableViewMixin):
    family = "keys"
    view_name = "keys"
    version = 1
    tables = {"keys": "key TEXT NOT NULL, aggregate_id TEXT NOT NULL, position BIGINT NOT NULL, "
                      "PRIMARY KEY (key, aggregate_id)"}

    def ids(self, key: str) -> list[uuid.UUID]:
        rows = self.select("SELECT aggregate_id FROM {keys} WHERE key = ? ORDER BY position",
                           (key,))
        return [uuid.UUID(r["aggregate_id"]) for r in rows]

    def has(self, key: str) -> bool:
        return bool(self.select("SELECT 1 AS found FROM {keys} WHERE key = ? LIMIT 1", (key,)))


class KeysIndex(StoreProjection[KeysView]):
    name = "keys"
    view_class = KeysView

    def rows_for_event(self, domain_event: Any, position: int) -> list[Row]:
        aggregate_id = str(domain_event.originator_id)
        return [Row("INSERT INTO {keys} VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (key, aggregate_id, position))
                for key in self.app.index_keys(domain_event)]
