"""The envelope every integration event travels in, named after CloudEvents' attributes."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

# Provider ids become one token of a NATS subject, so they may not hold '.', '*', '>' or spaces.
PROVIDER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

ASSURE_NAMESPACE = uuid5(NAMESPACE_URL, "https://assure.example/events")


class IntegrationEvent(BaseModel):
    """A public, versioned fact one service tells the others; frozen once published."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    # Earlier versions whose messages this model still reads: a later version only adds
    # optional fields, so an old message validates against it with those fields unset.
    reads_versions: ClassVar[tuple[int, ...]] = ()
    source_service: ClassVar[str]

    provider_id: str = Field(pattern=PROVIDER_ID_PATTERN)


class Envelope(BaseModel):
    """CloudEvents-style wrapper: who said what, about which provider, caused by what."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str
    type: str
    dataversion: int
    source: str
    subject: str = Field(pattern=PROVIDER_ID_PATTERN)
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    correlationid: str
    causationid: str | None = None
    data: dict[str, Any]


_REGISTRY: dict[tuple[str, int], type[IntegrationEvent]] = {}


def contract(cls: type[IntegrationEvent]) -> type[IntegrationEvent]:
    """Registers a contract so envelopes of its type and version can be decoded."""
    for version in (cls.version, *cls.reads_versions):
        _REGISTRY[(cls.event_type, version)] = cls
    return cls


def registered_contracts() -> list[type[IntegrationEvent]]:
    """Each contract once, at its current version."""
    return list(dict.fromkeys(_REGISTRY.values()))


class UnknownEventType(ValueError):
    """An envelope names a type and version no contract is registered for."""


def wrap(
    event: IntegrationEvent,
    *,
    event_id: str,
    time: datetime,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    return Envelope(
        id=event_id,
        type=event.event_type,
        dataversion=event.version,
        source=f"assure/{event.source_service}",
        subject=event.provider_id,
        time=time.astimezone(UTC),
        correlationid=correlation_id or event_id,
        causationid=causation_id,
        data=event.model_dump(mode="json"),
    )


def unwrap(envelope: Envelope) -> IntegrationEvent:
    """Validates the envelope's data against its registered contract."""
    try:
        model = _REGISTRY[(envelope.type, envelope.dataversion)]
    except KeyError as error:
        raise UnknownEventType(f"{envelope.type} v{envelope.dataversion}") from error
    event = model.model_validate(envelope.data)
    if event.provider_id != envelope.subject:
        raise ValueError("envelope subject does not match the event's provider_id")
    return event


def event_id_for(originator_id: UUID, originator_version: int) -> str:
    """A stable id for the integration event made from one stored domain event."""
    return str(uuid5(ASSURE_NAMESPACE, f"{originator_id}:{originator_version}"))


def partition_of(provider_id: str, partitions: int) -> int:
    """Every event about one provider lands in one partition, so it is handled in order."""
    return zlib.crc32(provider_id.encode()) % partitions


def subject_for(event: IntegrationEvent, partitions: int) -> str:
    k = partition_of(event.provider_id, partitions)
    return f"evt.{event.source_service}.p{k}.{event.provider_id}.{event.event_type}"



def now() -> datetime:
    return datetime.now(UTC)
