"""The base of every service's eventsourcing Application: store, tracking, index, dead letters."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    JSONTranscoder,
    ProcessRecorder,
    Tracking,
    Transcoding,
)

from shared.chain import (
    ChainedEventStore,
    ChainedMapper,
    Verification,
    verify_aggregates,
    verify_chains,
)
from shared.clock import ClockMode, Today, clock_of
from shared.contracts.envelope import Envelope, IntegrationEvent, unwrap
from shared.dead_letter import DeadLetter
from shared.messaging.clock_bucket import ClockBucket
from shared.observability import tracing
from shared.read_log import HistoryRead
from shared.security import signed_in
from shared.snapshots import SealedSnapshots, SealedSnapshotStore
from shared.views.dead_letters import DeadLettersIndex
from shared.views.keys import KeysIndex
from shared.views.paging import EVERYTHING, Page, Paging
from shared.views.store import ServiceViews, StoreProjection


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class Processing(ProcessingEvent[UUID]):
    """Events collected while handling one upstream message, with the envelope that caused them."""

    def __init__(self, tracking: Tracking | None, envelope: Envelope | None = None) -> None:
        super().__init__(tracking=tracking)
        self.envelope = envelope


@dataclass(frozen=True)
class Outcome:
    """What handling one upstream message did."""

    duplicate: bool
    new_events: int = 0


class NotFound(LookupError):
    """The thing asked for does not exist in this service."""


class ServiceApplication(Application[UUID]):
    """One service's event store; its notification log is the outbox."""

    service: ClassVar[str]
    # A service built without settings (unit tests, the benchmark) reads the real date.
    default_clock: ClassVar[ClockMode] = ClockMode.REAL
    # The service's read models (shared/views), besides the history index and the dead letters
    # every service keeps.
    projections: ClassVar[tuple[type[StoreProjection[Any]], ...]] = ()

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        # The council's date (shared/clock.py); the runtime connects it to the shared clock.
        self.clock: Today = clock_of(self.env, self.default_clock)
        self.recorder: ProcessRecorder
        self.mapper: ChainedMapper
        self.mapper.recorder = self.recorder
        self._listeners: list[Callable[[], None]] = []
        self.views = ServiceViews(self, (KeysIndex, DeadLettersIndex, *self.projections))

    def close(self) -> None:
        self.views.close()
        super().close()

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    # Tamper evidence: each stored event is chained to its aggregate's previous one (chain.py).

    def construct_mapper(self) -> ChainedMapper:
        mapper = self.factory.mapper(transcoder=self.construct_transcoder(),
                                     mapper_class=ChainedMapper)
        assert isinstance(mapper, ChainedMapper)
        mapper.key = self.audit_key
        return mapper

    def construct_event_store(self) -> ChainedEventStore:
        return ChainedEventStore(mapper=self.mapper, recorder=self.recorder)

    @property
    def audit_key(self) -> bytes | None:
        key = self.env.get("ASSURE_AUDIT_KEY", "")
        return key.encode() if key else None

    def verify(self) -> Verification:
        """Checks every hash chain in this service's store, and the snapshots sealed to them."""
        if self.snapshots is None:
            return verify_chains(self.recorder, self.audit_key)
        return verify_chains(self.recorder, self.audit_key, self.snapshots.recorder,
                             min(self.snapshotting_intervals.values(), default=1))

    def verify_provider(self, provider_id: str) -> Verification:
        """Checks the hash chains of the provider's own records (and their snapshots): what its
        history page shows, at the cost of its records rather than of the whole store."""
        ids = self.aggregates_under(f"provider:{provider_id}")
        if self.snapshots is None:
            return verify_aggregates(self.recorder, ids, self.audit_key)
        return verify_aggregates(self.recorder, ids, self.audit_key, self.snapshots.recorder,
                                 min(self.snapshotting_intervals.values(), default=1))

    # Snapshots of the aggregates named in `snapshotting_intervals`, sealed to their chains
    # (snapshots.py): loading one reads its latest snapshot and the events after it.

    def construct_snapshot_store(self) -> EventStore[UUID]:
        mapper = self.factory.mapper(transcoder=self.construct_transcoder(),
                                     mapper_class=SealedSnapshots)
        assert isinstance(mapper, SealedSnapshots)
        mapper.key, mapper.events = self.audit_key, self.recorder
        # A snapshot holds the aggregate's whole state, mostly repeated words: zlib keeps it
        # several times smaller, and inflating costs little beside decoding the JSON.
        mapper.compressor = mapper.compressor or ZlibCompressor()
        return SealedSnapshotStore(mapper=mapper,
                                   recorder=self.factory.aggregate_recorder(purpose="snapshots"))

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: Any = project_aggregate) -> None:
        # Another instance may have taken the same snapshot first: it is the same state.
        with contextlib.suppress(IntegrityError):
            super().take_snapshot(aggregate_id, version, projector_func)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    async def connect_clock(self, js: Any, bucket: str, replicas: int) -> None:
        """Joins the shared clock as a reader (a training clock only: the real date needs no
        store); its owner, intake, writes it too."""
        if self.clock.training:
            self.clock.attach(await ClockBucket.open(js, bucket, replicas))
            await self.clock.current()

    # Outbox ---------------------------------------------------------------------------------

    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        """The public contract for a stored domain event, or None if it stays private."""
        return None

    def on_recorded(self, listener: Callable[[], None]) -> None:
        """Calls listener (from any thread) after each commit, so the relay wakes at once."""
        self._listeners.append(listener)

    def _notify(self, recordings: Any) -> None:
        super()._notify(recordings)
        for listener in self._listeners:
            listener()

    # Tracked consumption --------------------------------------------------------------------

    def handle(self, envelope: Envelope, tracking: Tracking) -> Outcome:
        """Applies one upstream event; its effects and the tracking record commit together."""
        if self.recorder.has_tracking_id(tracking.application_name, tracking.notification_id):
            return Outcome(duplicate=True)
        processing = Processing(tracking, envelope)
        self.policy(unwrap(envelope), processing)
        return self._commit(processing)

    def handle_run(self, run: Sequence[tuple[Envelope, Tracking]],
                   each: Callable[[int], AbstractContextManager[Any]] | None = None) -> Outcome:
        """Applies upstream events of one partition, no provider twice, in one commit tracked at
        the last (tracking only moves forward, so it covers the run); each message's events are
        collected under its own envelope, and its policy runs inside `each(i)` (its trace's span,
        so the events it makes carry its trace). A clash raises: the caller applies them one by
        one."""
        together = Processing(run[-1][1])
        for index, (envelope, tracking) in enumerate(run):
            processing = Processing(tracking, envelope)
            with each(index) if each else nullcontext():
                self.policy(unwrap(envelope), processing)
                # Stored together after the loop, each event keeps its own message's trace.
                for domain_event in processing.events:
                    tracing.stamp(vars(domain_event))
            together.events += processing.events
            together.aggregates.update(processing.aggregates)
            together.saved_kwargs.update(processing.saved_kwargs)
        recordings = self._record(together)
        self._take_snapshots(together)
        self._notify(recordings)
        return Outcome(duplicate=False, new_events=len(together.events))

    def _commit(self, processing: Processing) -> Outcome:
        tracking = processing.tracking
        try:
            recordings = self._record(processing)
        except IntegrityError:
            if tracking and self.recorder.has_tracking_id(
                tracking.application_name, tracking.notification_id
            ):
                return Outcome(duplicate=True)
            raise
        self._take_snapshots(processing)
        self._notify(recordings)
        return Outcome(duplicate=False, new_events=len(processing.events))

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Upstream events this service does not act on are tracked and otherwise ignored."""

    @classmethod
    def handlers(cls) -> tuple[type[IntegrationEvent], ...]:
        """The upstream events its policy has a handler for: the one table of what it acts on."""
        registry = inspect.getattr_static(cls, "policy").dispatcher.registry
        return tuple(model for model in registry if isinstance(model, type)
                     and issubclass(model, IntegrationEvent) and model is not IntegrationEvent)

    def handled_event_types(self) -> frozenset[str]:
        """The event types its consumers ask NATS for; nothing else is sent to it."""
        return frozenset(model.event_type for model in self.handlers())

    def position(self, tracking_name: str) -> int:
        return self.recorder.max_tracking_id(tracking_name) or 0

    # Dead letters ---------------------------------------------------------------------------

    def park(
        self,
        *,
        upstream: str,
        message_key: str,
        subject: str,
        payload: str,
        error: str,
        attempts: int,
        tracking: Tracking | None,
    ) -> Outcome:
        """Parks a failing message; with tracking, its partition moves past it in one commit."""
        letter = DeadLetter(
            upstream=upstream,
            message_key=message_key,
            subject=subject,
            payload=payload,
            error=error[:2000],
            attempts=attempts,
        )
        processing = Processing(tracking)
        processing.collect_events(letter)
        try:
            return self._commit(processing)
        except IntegrityError:
            return Outcome(duplicate=True)  # parked already by an earlier delivery

    def dead_letters_waiting(self) -> int:
        return self.views.get(DeadLettersIndex).waiting()

    def dead_letters(self, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """The parked messages, oldest first, as operators see them."""
        return self.views.get(DeadLettersIndex).letters(paging)

    def replay_dead_letter(self, letter_id: UUID) -> Outcome:
        """Applies a parked message again (after a fix), exactly once."""
        letter: DeadLetter = self.get(DeadLetter, letter_id)
        letter.replay()
        envelope = Envelope.model_validate_json(letter.payload)
        processing = Processing(Tracking(f"replay:{letter_id}", 1), envelope)
        self.policy(unwrap(envelope), processing)
        processing.collect_events(letter)
        return self._commit(processing)

    # Reading --------------------------------------------------------------------------------

    def get(self, kind: type, aggregate_id: UUID) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError as error:
            raise NotFound(f"no {kind.__name__} {aggregate_id}") from error
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__} {aggregate_id}")
        return aggregate

    def find(self, kind: type, aggregate_id: UUID) -> Any:
        """The aggregate if it exists, else None; NotFound if it is of another kind. One read
        of the store: asking whether it exists first would read it twice."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__} {aggregate_id}")
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether it has stored events: one read of a single row, for when the aggregate
        itself is not needed (use `find` when it is)."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def index_keys(self, domain_event: Any) -> Iterable[str]:
        """Keys under which an aggregate is found again; every provider's aggregates by default."""
        provider_id = getattr(domain_event, "provider_id", None)
        if provider_id:
            yield f"provider:{provider_id}"
        if isinstance(domain_event, HistoryRead.Recorded):
            yield f"reads:{domain_event.about_provider}"

    def aggregates_under(self, key: str) -> list[UUID]:
        return self.views.get(KeysIndex).ids(key)

    def has_any_under(self, key: str) -> bool:
        return self.views.get(KeysIndex).has(key)

    def metrics(self) -> list[Any]:
        """The service's own figures for `/metrics`, as prometheus_client metric families
        labelled with the service (read from its views, so a scrape stays cheap)."""
        return []

    def history(self, provider_id: str) -> list[dict[str, Any]]:
        """Every stored event of every aggregate about the provider, oldest first."""
        entries = []
        for aggregate_id in self.aggregates_under(f"provider:{provider_id}"):
            for domain_event in self.events.get(aggregate_id):
                entries.append(describe(self.service, domain_event))
        entries.sort(key=lambda entry: entry["time"])
        return entries

    # Auditors: reads recorded, and the state as it stood at a moment -------------------------

    def record_read(self, provider_id: str, reader: str, what: str) -> None:
        """Records that someone read the provider's history; the history itself is unchanged."""
        self.save(HistoryRead(about_provider=provider_id, reader=reader, what=what,
                              at=datetime.now(UTC)))

    def reads(self, provider_id: str) -> list[dict[str, str]]:
        found = (self.repository.get(i) for i in self.aggregates_under(f"reads:{provider_id}"))
        return [read.describe() for read in found]

    def aggregates_as_at(self, provider_id: str, moment: datetime) -> list[Any]:
        """The provider's aggregates replayed from their stored events up to `moment`; those
        that did not exist yet are left out. Replay, not a snapshot that could disagree."""
        found = []
        for aggregate_id in self.aggregates_under(f"provider:{provider_id}"):
            aggregate = None
            for domain_event in self.events.get(aggregate_id):
                if domain_event.timestamp > moment:
                    break
                aggregate = domain_event.mutate(aggregate)
            if aggregate is not None:
                found.append(aggregate)
        return found

    def state_as_at(self, provider_id: str, moment: datetime) -> dict[str, Any]:
        """What this service knew of the provider at `moment`, for an auditor; services say
        what matters in their own terms by overriding `summarise`."""
        return self.summarise(self.aggregates_as_at(provider_id, moment))

    def summarise(self, aggregates: list[Any]) -> dict[str, Any]:
        return {"aggregates": sorted(type(a).__name__ for a in aggregates)}


# Who did it and why, as each service's events name them: the signed-in person each command
# records. `submitted_by` (the signatory a return's form names) is the last resort, for returns
# stored before `logged_by` was recorded.
WHO = ("by", "registered_by", "awarded_by", "logged_by", "recorded_by", "proposed_by",
       "approver", "resolved_by", "rescored_by", "decided_by", "opened_by", "officer",
       "requested_by", "received_by", "reviewed_by", "directed_by", "issued_by", "raised_by",
       "closed_by", "attached_by", "coordinator", "reader", "submitted_by")
WHY = ("reason", "summary")


def describe(service: str, domain_event: DomainEventProtocol[UUID]) -> dict[str, Any]:
    """A plain, JSON-ready account of one stored domain event: what, when, who and why."""
    data = {
        key: value
        for key, value in vars(domain_event).items()
        if key not in {"originator_id", "originator_version", "timestamp", "originator_topic"}
    }
    stamp = data.get(signed_in.FIELD) or {}  # who was signed in (shared/security/signed_in)
    qualname = type(domain_event).__qualname__
    aggregate, _, event_name = qualname.rpartition(".")
    return {
        "service": service,
        "aggregate": aggregate,
        "aggregate_id": str(domain_event.originator_id),
        "version": domain_event.originator_version,
        "event": event_name,
        "time": domain_event.timestamp.isoformat(),
        "who": next((str(data[k]) for k in WHO if data.get(k)), None) or stamp.get("name"),
        "role": stamp.get("role"),
        "why": next((str(data[k]) for k in WHY if data.get(k)), None),
        "data": data,
    }
