"""Snapshots of aggregates that grow without end, sealed to the hash chain of their events.

A service names such aggregates in `snapshotting_intervals` (e.g. a provider's risk profile,
every 50 events): the library then stores the aggregate's state every 50 versions in a store of
its own (the `snapshots` table beside the events), and loading the aggregate reads the latest
snapshot and the events after it, not its whole life.

A snapshot is derived data, so it must never be able to say something its events do not:

- It is sealed like an event (chain.py): its stored payload (encrypted under the current key
  like any event) ends with the chain's trailer, whose `prev` is the hash of the aggregate's
  event at the snapshot's version. An edited snapshot does not match its seal; one moved onto
  another chain does not match the event it names. A snapshot whose seal does not hold is not
  used: the aggregate is replayed from its events, and the failure logged; `verify` names it.
- An auditor's replay as at a moment reads events only (eventstore.aggregates_as_at).
- `assure key rotate` drops the snapshots and takes them again from the re-encrypted events
  (rekey.py), so nothing stays under a retired key.
- A change to what an aggregate keeps (the attributes its events set) needs the aggregate's
  `class_version` and an `upcast_vN_vN+1`, as for an event, or old snapshots would load as the
  old shape.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, EventStore, Mapper, StoredEvent

from shared.chain import link, seal, unseal

log = logging.getLogger(__name__)


class BrokenSnapshot(ValueError):
    """A stored snapshot does not match its seal: it is not used."""


class SealedSnapshots(Mapper[UUID]):
    """eventsourcing's mapper for snapshots, sealing each to its aggregate's hash chain."""

    key: bytes | None = None
    events: ApplicationRecorder | None = None  # the event store's recorder, to link to

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        prev = self.event_hash(stored.originator_id, stored.originator_version)
        digest = link(self.key, prev, stored.originator_id, stored.originator_version,
                      stored.topic, stored.state)
        return StoredEvent(originator_id=stored.originator_id,
                           originator_version=stored.originator_version, topic=stored.topic,
                           state=seal(stored.state, prev, digest))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        payload, prev, digest = unseal(stored_event.state)
        if prev is None or digest is None or not hmac.compare_digest(digest, link(
                self.key, prev, stored_event.originator_id, stored_event.originator_version,
                stored_event.topic, payload)):
            raise BrokenSnapshot(f"the snapshot of {stored_event.originator_id} at version "
                                 f"{stored_event.originator_version} does not match its seal")
        return super().to_domain_event(StoredEvent(
            originator_id=stored_event.originator_id,
            originator_version=stored_event.originator_version, topic=stored_event.topic,
            state=payload))

    def event_hash(self, originator_id: Any, version: int) -> str:
        """The hash the aggregate's event at `version` carries in the store."""
        assert self.events is not None, "the application gives the mapper its event recorder"
        found = self.events.select_events(originator_id, gt=version - 1, lte=version)
        digest = unseal(found[0].state)[2] if found else None
        if digest is None:
            raise BrokenSnapshot(f"no stored event of {originator_id} at version {version} "
                                 "to take a snapshot at")
        return digest


class SealedSnapshotStore(EventStore[UUID]):
    """The snapshot store: a snapshot that does not hold is passed over, so the repository
    replays the aggregate from its events instead."""

    def get(self, originator_id: UUID, **kwargs: Any) -> Iterator[Any]:
        try:
            return iter(list(super().get(originator_id, **kwargs)))
        except BrokenSnapshot as error:
            log.error("%s: replaying the events of %s instead", error, originator_id)
            return iter([])
