"""The relay lease on a real NATS: one holder at a time, handed over on release or expiry."""

from __future__ import annotations

import nats
import pytest

from shared.messaging.lease import Lease, bucket_name
from tests.support import eventually

pytestmark = pytest.mark.integration


async def test_one_instance_holds_the_lease_until_it_lets_go(nats_url, namespace):
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        first = Lease(js, bucket_name(namespace), "risk", ttl=5.0, holder="instance-a")
        second = Lease(js, bucket_name(namespace), "risk", ttl=5.0, holder="instance-b")

        assert await first.acquire() is True
        assert await second.acquire() is False
        assert await first.renew() is True
        assert await Lease(js, bucket_name(namespace), "intake", ttl=5.0).acquire() is True

        await first.release()
        assert await second.acquire() is True
        assert await first.renew() is False  # taken meanwhile: the old holder stands down
        assert not first.held
    finally:
        await nc.close()


async def test_a_holder_that_stops_renewing_loses_the_lease_when_it_expires(nats_url, namespace):
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        dead = Lease(js, bucket_name(namespace), "notify", ttl=1.0, holder="killed")
        waiting = Lease(js, bucket_name(namespace), "notify", ttl=1.0, holder="standby")
        assert await dead.acquire()

        async def taken():
            return await waiting.acquire()

        await eventually(taken, timeout=15, what="the lease to expire and be taken")
        assert await dead.renew() is False
    finally:
        await nc.close()


async def test_an_instance_restarted_after_a_crash_takes_its_own_lease_back(nats_url, namespace):
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        before_crash = Lease(js, bucket_name(namespace), "risk", ttl=30.0, holder="host:/data")
        assert await before_crash.acquire()

        restarted = Lease(js, bucket_name(namespace), "risk", ttl=30.0, holder="host:/data")
        other = Lease(js, bucket_name(namespace), "risk", ttl=30.0, holder="other:/data")

        assert await other.acquire() is False
        assert await restarted.acquire() is True  # no wait for the ttl
    finally:
        await nc.close()
