"""Events outlive the code that wrote them: stores written by an earlier Assure still load.

tests/fixtures/stores/ keeps event stores written by earlier versions (each directory's README
says which and how). Today's code must map every stored event to a domain event (a renamed
class needs its old topic registered, a reshaped one an upcaster), replay every aggregate,
verify every hash chain, and rebuild every read model from them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assure.services import ALL
from shared.eventstore import ServiceApplication
from shared.service import ServiceDefinition
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration
STORES = Path(__file__).resolve().parents[1] / "fixtures" / "stores"
WRITTEN = sorted(path for path in STORES.iterdir() if path.is_dir())


@pytest.fixture(params=WRITTEN, ids=[path.name for path in WRITTEN])
def old_data(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of one earlier version's stores (opening a store may write to it)."""
    data = tmp_path / "data"
    data.mkdir()
    for store in Path(request.param).glob("*.sqlite"):
        shutil.copy(store, data / store.name)
    return data


@pytest.fixture(params=ALL, ids=[definition.name for definition in ALL])
def opened(request: pytest.FixtureRequest, old_data: Path) -> Iterator[ServiceApplication]:
    definition: ServiceDefinition = request.param
    settings = AssureSettings(data_dir=old_data, clock="training", run_background_jobs=False,
                              auth_required=False)
    app = definition.build(settings)
    try:
        yield app
    finally:
        app.close()


def test_every_stored_event_maps_to_a_domain_event_and_every_aggregate_replays(opened):
    notifications = opened.recorder.select_notifications(start=1, limit=1_000_000)
    assert notifications, "the fixture holds this service's events"
    originators = set()
    for notification in notifications:
        opened.mapper.to_domain_event(notification)
        originators.add(notification.originator_id)
    for originator_id in originators:
        aggregate = opened.repository.get(originator_id)
        stored = opened.recorder.select_events(originator_id, desc=True, limit=1)
        assert aggregate.version == stored[0].originator_version


def test_every_hash_chain_still_verifies(opened):
    verification = opened.verify()
    assert verification.intact, verification


def test_every_read_model_rebuilds_from_the_old_events(opened):
    for follower in opened.views.named():
        follower.rebuild()
        assert follower.behind() == 0, follower
    assert opened.history("demo-oakwood"), "the demo's care home has a history in every service"


def test_the_old_stores_are_there_to_open():
    # Without them every test above would be collected with nothing to run.
    assert WRITTEN, f"no stores kept under {STORES}"
    for written in WRITTEN:
        assert {store.name for store in written.glob("*.sqlite")} == {
            f"{definition.name}.sqlite" for definition in ALL}, written
