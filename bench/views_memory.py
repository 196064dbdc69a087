"""A service's application that reads and writes in memory while a batch of history is made.

bench.views makes years of history for a batch of providers at a time through the services'
own commands and policies (intake's `submit_return`, risk's scoring, escalation's proportionate
response, notify's routing). Those read what they need through the application (`find`,
`exists`, `repository.get`, `aggregates_under`) and write with `save`; `InMemory` answers the
reads from the batch's aggregates and keeps the events, so a batch costs no round trip to the
store until it is written, as the application's own event store writes: the same mapper, hash
chain and recorder as the running service. A batch's providers
share no aggregate with another batch's, so nothing outside the batch needs to be read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from shared.eventstore import ServiceApplication


class _Repository:
    """What `app.repository` is asked for while a batch is made: the batch's aggregates."""

    cache = None

    def __init__(self, memory: InMemory) -> None:
        self.memory = memory

    def get(self, aggregate_id: uuid.UUID, version: int | None = None, **_: Any) -> Any:
        try:
            return self.memory.aggregates[aggregate_id]
        except KeyError:
            raise AggregateNotFoundError(aggregate_id) from None

    def __contains__(self, aggregate_id: uuid.UUID) -> bool:
        return aggregate_id in self.memory.aggregates


class InMemory:
    """One service's application, its reads and writes redirected to the batch being made."""

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self.aggregates: dict[uuid.UUID, Any] = {}
        self.keys: dict[str, dict[uuid.UUID, None]] = {}
        self.events: list[Any] = []  # every event of the batch, in the order it was made
        self.handed_on = 0  # how many of them the batch's router has read
        self._store_repository = app.repository
        app._repository = _Repository(self)  # type: ignore[assignment]
        app.exists = self.exists  # type: ignore[method-assign]
        app.save = self.save  # type: ignore[method-assign]
        app.aggregates_under = self.under  # type: ignore[method-assign]
        app.has_any_under = lambda key: bool(self.keys.get(key))  # type: ignore[method-assign]

    def exists(self, aggregate_id: uuid.UUID) -> bool:
        return aggregate_id in self.aggregates

    def under(self, key: str) -> list[uuid.UUID]:
        return list(self.keys.get(key, ()))

    def save(self, *objs: Any, **_: Any) -> list[Any]:
        for obj in objs:  # aggregates (the library's protocol check costs more than the rest)
            if obj is not None:
                self.aggregates[obj.id] = obj
                self._keep(obj.collect_events())
        return []

    def collect(self, processing: ProcessingEvent[uuid.UUID]) -> None:
        """Keeps what a policy collected: its aggregates and their new events."""
        self.aggregates.update(processing.aggregates)
        self._keep(processing.events)

    def _keep(self, domain_events: list[Any]) -> None:
        for domain_event in domain_events:
            self.events.append(domain_event)
            for key in self.app.index_keys(domain_event):
                self.keys.setdefault(key, {})[domain_event.originator_id] = None

    def unread(self) -> Iterator[Any]:
        """Events the router has not handed on yet, including those made while it reads."""
        while self.handed_on < len(self.events):
            self.handed_on += 1
            yield self.events[self.handed_on - 1]

    def write(self, chunk: int = 1000) -> int:
        """Stores the batch's events as the application's event store does (its mapper seals
        each into its aggregate's hash chain, its recorder inserts them), `chunk` events to a
        transaction, then starts the next batch empty; returns how many. (One transaction of
        tens of thousands of events stalls psycopg's pipeline here.)"""
        mapper, recorder = self.app.mapper, self.app.recorder
        mapper.batch.clear()  # as ChainedEventStore.put: links come from this batch or the store
        try:
            stored = [mapper.to_stored_event(domain_event) for domain_event in self.events]
        finally:
            mapper.batch.clear()
        for start in range(0, len(stored), chunk):
            recorder.insert_events(stored[start:start + chunk])
        self._snapshots()
        written = len(self.events)
        self.aggregates, self.keys, self.events, self.handed_on = {}, {}, [], 0
        return written

    def _snapshots(self) -> None:
        """The snapshots the application takes after a save, if it takes any."""
        if not (self.app.snapshots and self.app.snapshotting_intervals):
            return
        processing: ProcessingEvent[uuid.UUID] = ProcessingEvent()
        processing.events, processing.aggregates = self.events, self.aggregates
        self.app._repository = self._store_repository  # they read the store
        try:
            self.app._take_snapshots(processing)
        finally:
            self.app._repository = _Repository(self)  # type: ignore[assignment]
