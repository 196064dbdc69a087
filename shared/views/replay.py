"""A view made afresh from a replay of the store, to compare a live view with.

Independent of the Follower's paging and in-memory building: every stored event's own rows in
log order, then each followed aggregate as the repository replays it now, written into a
scratch in-memory database with the view's own tables. A view kept up to date must dump the
same rows (tests, and `assure views check` when an auditor asks).
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from shared.views.store import PAGE, StoreProjection, database_class


def replayed(app: Any, projection_class: type[StoreProjection[Any]]) -> dict[str, list[Any]]:
    """The rows the projection has for the whole store, by replay, as `dump()` gives them."""
    factory = InfrastructureFactory.construct(Environment("replay", {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": f"file:replay-{uuid.uuid4().hex}?mode=memory&cache=shared"}))
    try:
        view = database_class(projection_class.view_class, postgres=False)(
            datastore=factory.datastore)
        view.create_table()
        projection = projection_class(view=view)
        projection.app = app
        rows, seen = [], {}
        position = 0
        while page := app.recorder.select_notifications(
                start=position + 1, limit=PAGE, topics=projection.event_topics()):
            for notification in page:
                domain_event = app.mapper.to_domain_event(notification)
                rows += projection.rows_for_event(domain_event, notification.id)
                seen[domain_event.originator_id] = True
            position = page[-1].id
        if projection.follows:
            for aggregate_id in seen:
                aggregate = app.repository.get(aggregate_id)
                if isinstance(aggregate, projection.follows):
                    rows += projection.rows_for(aggregate)
        with view._writing() as cursor:  # noqa: SLF001 - the scratch view is ours alone
            view.execute_rows(cursor, rows)
        return view.dump()
    finally:
        factory.datastore.close()
