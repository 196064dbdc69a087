"""Where years of running would have left the data set's relays, consumers and dispatcher.

A relay takes its position from its stream's tail (shared/messaging/relay.py `resync`), so on
streams that are empty `assure up` would publish the whole history again and every consumer
would apply it again. bench.national fills the streams with every published event; at national
size that takes longer than making the store, so here each service's stream holds only its
last published event, put there by the service's own relay (`OutboxRelay.publish_pending`), as
if the older messages had aged out of the stream. Each consuming service records that message
as handled (its tracking, as its consumer would have), and notify records its dispatcher as
having derived every notification's deliveries (the data set made and sent them already).

What this leaves out: the governance report's view reads the streams from their start, so here
it holds only those last events; bench.report measures it at this size.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from eventsourcing.persistence import Tracking

from assure.services import ALL
from services.notify.application.deliveries import DERIVED
from shared.contracts.envelope import partition_of
from shared.messaging.consumer import tracking_name
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import Topology
from shared.nats_server import EmbeddedNats, jetstream_encryption
from shared.runtime import ensure_stream
from shared.settings import AssureSettings


def leave_as_run(apps: dict[str, Any], settings: AssureSettings) -> dict[str, int]:
    """Each service's last published event on its stream, taken as handled by its consumers;
    notify's deliveries derived. Returns the notification id each stream's tail is."""
    server = EmbeddedNats(settings.data_dir / "nats", sync_always=settings.nats_sync_always,
                          encryption=jetstream_encryption(settings)).start()
    try:
        tails = asyncio.run(_publish_tails(apps, settings, server.url))
    finally:
        server.stop()
    for upstream, (position, provider_id) in tails.items():
        partition = partition_of(provider_id, settings.partitions)
        for definition in ALL:
            if upstream in definition.consumes and definition.name in apps:
                apps[definition.name].recorder.insert_tracking(
                    Tracking(tracking_name(upstream, partition), position))
    notify = apps["notify"]
    notify.recorder.insert_tracking(Tracking(DERIVED, notify.recorder.max_notification_id()))
    return {name: position for name, (position, _) in tails.items()}


async def _publish_tails(apps: dict[str, Any], settings: AssureSettings, url: str
                         ) -> dict[str, tuple[int, str]]:
    nc = await nats.connect(url)
    try:
        js, topology = nc.jetstream(), Topology.from_settings(settings)
        tails = {}
        for name, app in apps.items():
            await ensure_stream(js, topology, name)
            found = last_published(app)
            if found is None:
                continue
            relay = OutboxRelay(app, js, topology, settings.publish_timeout_seconds)
            relay.position = found[0] - 1  # from just before it: it, then private ones only
            await relay.publish_pending()
            tails[name] = found
        return tails
    finally:
        await nc.close()


def last_published(app: Any) -> tuple[int, str] | None:
    """The notification id and provider of the service's last stored event that its relay
    publishes, or None if it has none."""
    end = app.recorder.max_notification_id() or 0
    while end > 0:
        start = max(1, end - 999)
        page = app.recorder.select_notifications(start=start, limit=end - start + 1)
        for notification in reversed(page):
            contract = app.to_integration(app.mapper.to_domain_event(notification))
            if contract is not None:
                return notification.id, contract.provider_id
        end = start - 1
    return None
