"""The governance view read from real JetStream streams: it follows them, a rebuild gives the
same rows, and a rebuild killed (SIGKILL) halfway resumes to the same rows, on SQLite and
PostgreSQL. The reference is the view fed directly with the same published events."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import nats
import pytest

from assure.reporting import open_projection
from assure.reporting.feed import GovernanceFeed
from bench.national_data import fill_streams
from bench.report_feed import feed, streams_of
from shared.messaging.topology import Topology
from shared.settings import AssureSettings
from tests.integration.test_governance_view import PARTITIONS, _history

pytestmark = pytest.mark.integration

KILLED_HALFWAY = """
import asyncio, sys, time
from assure.reporting import open_projection
from assure.reporting.feed import GovernanceFeed
from shared.settings import AssureSettings

settings = AssureSettings.model_validate_json(sys.argv[1])

def slowly(read, total):
    time.sleep(0.05)  # time for the test to see it half done and kill it

async def main():
    feed = GovernanceFeed(open_projection(settings), settings, settings.nats_url, batch=5)
    await feed.rebuild(progress=slowly)

asyncio.run(main())
"""


@pytest.fixture
async def published(settings: AssureSettings, tmp_path: Path) -> dict:
    """A history by the real services, published to the namespace's streams as the relays
    would, and the reference rows: the same events fed straight into a view."""
    apps = await asyncio.to_thread(_history, tmp_path / "stores", 5, 3, 6)
    nc = await nats.connect(settings.nats_url)
    try:
        await fill_streams(nc.jetstream(), Topology.from_settings(settings), apps)
    finally:
        await nc.close()
    reference = open_projection(AssureSettings(data_dir=tmp_path / "reference"))
    feed(reference, streams_of(apps, PARTITIONS))
    return reference.view.dump()


def _settings(settings: AssureSettings, tmp_path: Path) -> AssureSettings:
    return settings.model_copy(update={"data_dir": tmp_path / "view", "partitions": PARTITIONS})


async def test_the_view_follows_the_streams_and_a_rebuild_gives_the_same_rows(
        settings, tmp_path, published):
    ours = _settings(settings, tmp_path)
    following = await GovernanceFeed(open_projection(ours), ours, ours.nats_url).start()
    try:
        assert await following.caught_up(60)
        assert following.view.dump() == published
        assert following.rebuild_in_background()
        assert not following.rebuild_in_background()  # one at a time
        for _ in range(600):
            status = await following.status()
            if status["caught_up"] and not status["rebuilding"]:
                break
            await asyncio.sleep(0.1)
        assert status["read"] == status["total"] > 0
        assert following.view.dump() == published
    finally:
        await following.stop()


async def test_a_rebuild_killed_halfway_resumes_to_the_same_rows(settings, tmp_path, published):
    ours = _settings(settings, tmp_path)
    view = open_projection(ours).view
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    child = subprocess.Popen([sys.executable, "-c", KILLED_HALFWAY, ours.model_dump_json()],
                             env=env)
    total = sum(len(rows) for rows in published.values())
    try:
        for _ in range(600):  # until some of the view is written, not all of it
            counts = await asyncio.to_thread(view.row_counts)
            if 0 < sum(counts.values()) < total:
                break
            assert child.poll() is None, "the rebuild ended before it could be killed"
            await asyncio.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    halfway = await asyncio.to_thread(view.dump)
    assert halfway != published

    again = GovernanceFeed(open_projection(ours), ours, ours.nats_url)
    try:
        await again.replay()  # from where the killed one committed
        assert again.view.dump() == published
        await again.rebuild()  # and from zero: the same rows
        assert again.view.dump() == published
    finally:
        await again.stop()
