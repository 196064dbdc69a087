"""The dead letters: every message a service parked after repeated failures, as operators see
them (GET /<service>/dead-letters), oldest first. Every service keeps this view."""

from __future__ import annotations

from typing import Any

from shared.dead_letter import DeadLetter
from shared.views.paging import EVERYTHING, Page, Paging, read_page, sortable, to_doc
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin


def shown(letter: DeadLetter) -> dict[str, Any]:
    """What the dead-letters list shows of one parked message."""
    return {
        "id": str(letter.id),
        "upstream": letter.upstream,
        "message_key": letter.message_key,
        "subject": letter.subject,
        "error": letter.error,
        "attempts": letter.attempts,
        "parked_at": letter.created_on.isoformat(),
        "replayed": letter.replayed,
    }


class DeadLettersView(TableViewMixin):
    family = "dead"
    view_name = "dead-letters"
    version = 1
    tables = {"letters": "id TEXT PRIMARY KEY, parked_at TEXT NOT NULL, "
                         "replayed INTEGER NOT NULL, doc TEXT NOT NULL"}
    indexes = {"letters": ("parked_at, id", "replayed")}

    def letters(self, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """Every parked message, oldest first."""
        return read_page(self, "SELECT doc FROM {letters} ORDER BY parked_at, id",
                         "SELECT COUNT(*) AS n FROM {letters}", (), paging)

    def waiting(self) -> int:
        """How many parked messages have not been replayed."""
        return self.select("SELECT COUNT(*) AS n FROM {letters} WHERE replayed = 0")[0]["n"]


class DeadLettersIndex(StoreProjection[DeadLettersView]):
    name = "dead-letters"
    view_class = DeadLettersView
    follows = (DeadLetter,)

    def rows_for(self, aggregate: DeadLetter) -> list[Row]:
        return [Row("INSERT INTO {letters} (id, parked_at, replayed, doc) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET parked_at = excluded.parked_at, "
                    "replayed = excluded.replayed, doc = excluded.doc",
                    (str(aggregate.id), sortable(aggregate.created_on),
                     int(aggregate.replayed), to_doc(shown(aggregate))))]
