"""Streams and subjects: one stream per producing service, partitioned by provider."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from nats.js.api import StorageType, StreamConfig

from shared.contracts.envelope import IntegrationEvent, partition_of, registered_contracts
from shared.settings import AssureSettings


@dataclass(frozen=True)
class Topology:
    """Names of streams, subjects and consumers under an optional namespace."""

    partitions: int
    namespace: str = ""
    duplicate_window_seconds: float = 120.0
    replicas: int = 1  # copies of each stream in a NATS cluster (3 for production)

    @classmethod
    def from_settings(cls, settings: AssureSettings) -> Topology:
        return cls(settings.partitions, settings.namespace, settings.duplicate_window_seconds,
                   settings.stream_replicas)

    def _prefix(self, subject: str) -> str:
        return f"{self.namespace}.{subject}" if self.namespace else subject

    def stream(self, service: str) -> str:
        name = service.upper()
        return f"{self.namespace.upper()}_{name}" if self.namespace else name

    def stream_subjects(self, service: str) -> str:
        return self._prefix(f"evt.{service}.>")

    def subject(self, event: IntegrationEvent) -> str:
        k = partition_of(event.provider_id, self.partitions)
        service = event.source_service
        return self._prefix(f"evt.{service}.p{k}.{event.provider_id}.{event.event_type}")

    def partition_filter(self, service: str, k: int) -> str:
        return self._prefix(f"evt.{service}.p{k}.>")

    def event_filters(self, service: str, k: int, event_types: Iterable[str]) -> list[str]:
        """One subject filter per event type of a partition (any provider): what a consumer
        that acts on only those types asks for, so nothing else is sent to it."""
        return [self._prefix(f"evt.{service}.p{k}.*.{event_type}")
                for event_type in sorted(event_types)]

    def provider_filter(self, provider_id: str) -> str:
        return self._prefix(f"evt.*.*.{provider_id}.>")

    def stream_config(self, service: str) -> StreamConfig:
        return StreamConfig(
            name=self.stream(service),
            subjects=[self.stream_subjects(service)],
            storage=StorageType.FILE,
            duplicate_window=self.duplicate_window_seconds,
            num_replicas=self.replicas,
        )


def by_upstream(
    models: Iterable[type[IntegrationEvent]],
) -> dict[str, tuple[type[IntegrationEvent], ...]]:
    """Event contracts grouped by the service whose stream carries them, in a stable order."""
    grouped: dict[str, set[type[IntegrationEvent]]] = defaultdict(set)
    for model in models:
        grouped[model.source_service].add(model)
    return {upstream: tuple(sorted(found, key=lambda m: (m.event_type, m.version)))
            for upstream, found in sorted(grouped.items())}


def event_types_from(upstream: str, event_types: Iterable[str]) -> tuple[str, ...]:
    """Those of `event_types` that `upstream` publishes (names no contract has are dropped)."""
    published = {m.event_type for m in registered_contracts() if m.source_service == upstream}
    return tuple(sorted(published.intersection(event_types)))


def message_id(service: str, notification_id: int) -> str:
    """The Nats-Msg-Id of the integration event made from one stored notification."""
    return f"{service}:{notification_id}"


def notification_id_from(msg_id: str | None, service: str) -> int:
    """The producer's notification id from a Nats-Msg-Id, refusing a forged or foreign one."""
    prefix = f"{service}:"
    number = msg_id[len(prefix) :] if msg_id and msg_id.startswith(prefix) else ""
    # Exactly the form message_id() writes: ASCII digits, no leading zero.
    if not re.fullmatch(r"[1-9][0-9]*", number):
        raise ValueError(f"message id {msg_id!r} is not from {service}")
    return int(number)
