"""Tamper evidence: every stored event is chained to its aggregate's previous event by a hash.

Each stored event's state ends with a fixed-length trailer, `\\n#chain:<prev>:<hash>`, where
`hash` covers the aggregate's id, the event's version and topic, the stored payload and `prev`,
the hash of the aggregate's previous event (64 zeros for its first). Editing a stored row breaks
that row's hash; removing or reordering events breaks the next event's link. With
`ASSURE_AUDIT_KEY` set, the hashes are HMAC-SHA-256 under that key, so someone who can write to
the database but not read the key cannot forge a consistent chain; without it they are plain
SHA-256, which still shows every accidental or casual edit.

`ChainedMapper` seals events as eventsourcing stores them and strips the trailer as it reads
them, so aggregates, the relay and read models never see it; `verify_chains` reads a whole store
and reports the first broken link, and checks the snapshots sealed to the chains (snapshots.py).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    EventStore,
    Mapper,
    Recording,
    StoredEvent,
)

from shared.observability import tracing
from shared.security import signed_in

GENESIS = "0" * 64
MARKER = b"\n#chain:"
_TRAILER = len(MARKER) + 64 + 1 + 64
_PAGE = 1000


def link(key: bytes | None, prev: str, originator_id: UUID | str, version: int, topic: str,
         payload: bytes) -> str:
    """The hash of one stored event, covering its predecessor's hash."""
    message = b"\n".join([prev.encode(), str(originator_id).encode(), str(version).encode(),
                          topic.encode(), payload])
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def seal(payload: bytes, prev: str, digest: str) -> bytes:
    return payload + MARKER + prev.encode() + b":" + digest.encode()


def unseal(state: bytes) -> tuple[bytes, str | None, str | None]:
    """The payload and the trailer's (prev, hash); (state, None, None) if it has no trailer."""
    trailer = state[-_TRAILER:]
    if len(state) < _TRAILER or not trailer.startswith(MARKER):
        return state, None, None
    prev, _, digest = trailer[len(MARKER):].decode("ascii", "replace").partition(":")
    return state[:-_TRAILER], prev, digest


def _without_trailer(stored: StoredEvent) -> StoredEvent:
    payload, _, _ = unseal(stored.state)
    return StoredEvent(originator_id=stored.originator_id,
                       originator_version=stored.originator_version, topic=stored.topic,
                       state=payload)


class ChainHeads:
    """The newest committed link, (version, hash), of the aggregates this process wrote last.

    Appending to an aggregate needs the hash of its event before; this keeps it for the most
    recently written aggregates (least recently written dropped beyond `size`), so a command
    that loads an aggregate and appends to it does not read its last event back. A head is put
    here only after the batch that wrote it has committed, never from one that failed.

    Several instances or processes may write the same store, so a head here may be stale: some
    other writer appended after it. A head is only used for the version right after it,
    though, and a stale head's next version is one that other writer has stored already: the
    store's one-event-per-version constraint refuses that insert (IntegrityError), so a link
    made from a stale head is never committed. A writer that has seen the newer events asks
    for a later version than the head knows, and reads the store as before.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._heads: OrderedDict[Any, tuple[int, str]] = OrderedDict()
        self._lock = threading.Lock()  # one application serves several threads

    def before(self, originator_id: Any, version: int) -> str | None:
        """The hash of the aggregate's event at `version - 1`, if that is the head held."""
        with self._lock:
            head = self._heads.get(originator_id)
            if head is None or head[0] != version - 1:
                return None
            self._heads.move_to_end(originator_id)
            return head[1]

    def committed(self, links: dict[Any, tuple[int, str]]) -> None:
        with self._lock:
            for originator_id, head in links.items():
                self._heads[originator_id] = head
                self._heads.move_to_end(originator_id)
            while len(self._heads) > self.size:
                self._heads.popitem(last=False)

    def __len__(self) -> int:
        return len(self._heads)


class ChainedMapper(Mapper[UUID]):
    """eventsourcing's mapper, sealing each stored event into its aggregate's hash chain."""

    key: bytes | None = None
    recorder: ApplicationRecorder | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heads = ChainHeads()
        # The batch being stored is the calling thread's: threads of one application store
        # their own batches at once.
        self._local = threading.local()

    @property
    def batch(self) -> dict[Any, tuple[int, str]]:
        """The hashes of events sealed in the batch being stored, by aggregate: (version, hash)."""
        batch = getattr(self._local, "batch", None)
        if batch is None:
            batch = self._local.batch = {}
        return batch

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        who = signed_in.stamp()
        state = vars(domain_event)
        if who is not None and signed_in.FIELD not in state:
            # Recorded in the event's own state, so the chain seals it with the rest; the
            # aggregates' methods take only the attributes they name, so replay ignores it.
            state[signed_in.FIELD] = who
        tracing.stamp(state)  # the trace it was recorded in, for the relay to continue
        stored = super().to_stored_event(domain_event)
        prev = self._previous(stored.originator_id, stored.originator_version)
        digest = link(self.key, prev, stored.originator_id, stored.originator_version,
                      stored.topic, stored.state)
        self.batch[stored.originator_id] = (stored.originator_version, digest)
        return StoredEvent(originator_id=stored.originator_id,
                           originator_version=stored.originator_version, topic=stored.topic,
                           state=seal(stored.state, prev, digest))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return super().to_domain_event(_without_trailer(stored_event))

    def _previous(self, originator_id: Any, version: int) -> str:
        """The hash of the aggregate's event before `version`: none before the first (every
        aggregate here starts at version 1), else from this batch, else the head of a chain
        this process committed, else stored."""
        if version <= 1:
            return GENESIS
        in_batch = self.batch.get(originator_id)
        if in_batch and in_batch[0] == version - 1:
            return in_batch[1]
        cached = self.heads.before(originator_id, version)
        if cached is not None:
            return cached
        assert self.recorder is not None, "the application gives the mapper its recorder"
        before = self.recorder.select_events(originator_id, lte=version - 1, desc=True, limit=1)
        if not before:
            return GENESIS
        _, _, digest = unseal(before[0].state)
        return digest or GENESIS


class ChainedEventStore(EventStore[UUID]):
    """Starts each batch afresh, so a hash is only taken from the batch it was sealed in; once
    the batch has committed, its newest links become the mapper's chain heads."""

    mapper: ChainedMapper

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        batch = self.mapper.batch
        batch.clear()
        try:
            recordings = super().put(domain_events, **kwargs)
            self.mapper.heads.committed(batch)
            return recordings
        finally:
            batch.clear()


@dataclass(frozen=True)
class BrokenLink:
    """The first place a store's chain does not hold."""

    aggregate_id: str
    version: int
    topic: str
    reason: str


@dataclass(frozen=True)
class Verification:
    """What checking one store found."""

    events: int
    aggregates: int
    broken: BrokenLink | None
    snapshots: int = 0

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chains(recorder: ApplicationRecorder, key: bytes | None,
                  snapshots: AggregateRecorder | None = None,
                  snapshots_from: int = 1) -> Verification:
    """Reads every stored event in order and checks each link; stops at the first broken one.
    Then the snapshots of each aggregate of `snapshots_from` events or more, if it has them."""
    return _verify(all_events(recorder), recorder, key, snapshots, snapshots_from)


def verify_aggregates(recorder: ApplicationRecorder, aggregate_ids: Sequence[UUID],
                      key: bytes | None, snapshots: AggregateRecorder | None = None,
                      snapshots_from: int = 1) -> Verification:
    """Checks the whole chain of each of these aggregates (one provider's records, say), and
    their snapshots: reading only their own events, where `verify_chains` reads the store."""
    events = (stored for aggregate_id in aggregate_ids
              for stored in recorder.select_events(aggregate_id))
    return _verify(events, recorder, key, snapshots, snapshots_from)


def _verify(events: Iterable[StoredEvent], recorder: ApplicationRecorder, key: bytes | None,
            snapshots: AggregateRecorder | None, snapshots_from: int) -> Verification:
    """Checks each event's link to the one before it of its aggregate (in the order given),
    stopping at the first broken one; then the snapshots sealed to them."""
    last: dict[str, tuple[int, str]] = {}
    count = 0
    for stored in events:
        count += 1
        aggregate = str(stored.originator_id)
        problem = _check(stored, last.get(aggregate), key)
        if problem:
            return Verification(count, len(last), BrokenLink(
                aggregate, stored.originator_version, stored.topic, problem))
        _, _, digest = unseal(stored.state)
        last[aggregate] = (stored.originator_version, str(digest))
    if snapshots is None:
        return Verification(count, len(last), None)
    checked, broken = _verify_snapshots(recorder, snapshots, key, last, snapshots_from)
    return Verification(count, len(last), broken, checked)


def _verify_snapshots(recorder: ApplicationRecorder, snapshots: AggregateRecorder,
                      key: bytes | None, last: dict[str, tuple[int, str]],
                      snapshots_from: int) -> tuple[int, BrokenLink | None]:
    """How many snapshots were checked, and the first that does not hold."""
    checked = 0
    for aggregate, (version, _) in last.items():
        if version < snapshots_from:
            continue
        for snapshot in snapshots.select_events(UUID(aggregate)):
            checked += 1
            problem = _check_snapshot(recorder, snapshot, key)
            if problem:
                return checked, BrokenLink(aggregate, snapshot.originator_version,
                                           f"snapshot of {snapshot.topic}", problem)
    return checked, None


def _check(stored: StoredEvent, before: tuple[int, str] | None, key: bytes | None) -> str:
    payload, prev, digest = unseal(stored.state)
    if prev is None or digest is None:
        return "the event carries no hash"
    expected_prev = GENESIS if before is None else before[1]
    if before is not None and stored.originator_version != before[0] + 1:
        return f"version {before[0] + 1} is missing before it"
    if prev != expected_prev:
        return "its link does not match the hash of the event before it"
    recomputed = link(key, prev, stored.originator_id, stored.originator_version, stored.topic,
                      payload)
    if not hmac.compare_digest(recomputed, digest):
        return "its content does not match its hash (the stored event was changed)"
    return ""


def _check_snapshot(recorder: ApplicationRecorder, stored: StoredEvent,
                    key: bytes | None) -> str:
    """A snapshot is sealed like an event, its `prev` the hash of the event at its version."""
    payload, prev, digest = unseal(stored.state)
    if prev is None or digest is None:
        return "the snapshot carries no hash"
    recomputed = link(key, prev, stored.originator_id, stored.originator_version, stored.topic,
                      payload)
    if not hmac.compare_digest(recomputed, digest):
        return "the snapshot does not match its hash (the stored snapshot was changed)"
    event = recorder.select_events(stored.originator_id, gt=stored.originator_version - 1,
                                   lte=stored.originator_version)
    if not event or unseal(event[0].state)[2] != prev:
        return "the snapshot is not linked to the event at its version"
    return ""


def all_events(recorder: ApplicationRecorder) -> Iterator[StoredEvent]:
    """Every stored event of the store, in the order they were recorded."""
    start = 1
    while True:
        page = recorder.select_notifications(start, _PAGE)
        yield from page
        if len(page) < _PAGE:
            return
        start = page[-1].id + 1
