"""The governance view fed in-process from applications' notification logs: each stored event
turned into the envelope its relay would publish, in the order the stream would hold them, and
applied with the tracking position the feed would give it. For tests and benchmarks that build
histories without NATS; the running system reads the same envelopes from JetStream."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import Any

from eventsourcing.persistence import Tracking

from assure.reporting.feed import STREAMS
from assure.reporting.projection import GovernanceProjection, applied
from assure.reporting.view import NAME, Applied
from bench.national_data import envelope_of
from shared.contracts.envelope import partition_of
from shared.messaging.consumer import tracking_name
from shared.messaging.topology import Topology


def published(app: Any, service: str, partitions: int) -> Iterator[Applied]:
    """What the service's stream holds, in order, as the view applies it."""
    position = 0
    while page := app.recorder.select_notifications(start=position, limit=1000,
                                                    inclusive_of_start=False):
        for notification in page:
            position = notification.id
            envelope = envelope_of(app, app.mapper.to_domain_event(notification))
            if envelope is None:
                continue
            partition = partition_of(envelope.subject, partitions)
            yield applied(envelope, Tracking(
                f"{NAME}/{tracking_name(service, partition)}", notification.id))


def streams_of(apps: Mapping[str, Any], partitions: int) -> dict[str, list[Applied]]:
    return {s: list(published(apps[s], s, partitions)) for s in STREAMS if s in apps}


def feed(projection: GovernanceProjection, streams: Mapping[str, list[Applied]],
         batch: int = 500, rng: random.Random | None = None) -> int:
    """Applies the streams in batches; with `rng`, interleaved at random, in random batch sizes
    and with batches delivered twice, as restarts and several readers can make them."""
    topology = Topology(partitions=1)
    read = {s: 0 for s in streams}
    applied_count = 0
    while any(read[s] < len(streams[s]) for s in streams):
        service = (rng.choice([s for s in streams if read[s] < len(streams[s])]) if rng
                   else next(s for s in streams if read[s] < len(streams[s])))
        size = rng.randint(1, 7) if rng else batch
        start = read[service]
        if rng and start and rng.random() < 0.3:
            start = max(0, start - rng.randint(1, 5))  # redelivered: already applied
        chunk = streams[service][start:start + size]
        read[service] = max(read[service], start + len(chunk))
        applied_count += projection.process_batch(
            chunk, f"{NAME}/{topology.stream(service)}", start + len(chunk))
    return applied_count
