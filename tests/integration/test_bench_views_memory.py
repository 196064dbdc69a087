"""bench.views' batches read the services' own views from memory: what those views hold when a
batch is made equals what the store's views hold once the batch is written and they are
rebuilt from it, table for table (positions too: the batch is the store's first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.national_data import Shape, build_apps
from bench.views_data import (
    TODAY,
    Batch,
    Made,
    _contracts_by_provider,
    settings_for,
    shortcuts,
)
from bench.views_memory import InMemory

pytestmark = pytest.mark.integration


def test_a_batchs_views_equal_the_stores_views_rebuilt(tmp_path: Path) -> None:
    shape = Shape(12, 1, 7, today=TODAY)
    apps = build_apps(settings_for(tmp_path, None, "unused_", shape), fast=True)
    try:
        with shortcuts(apps):
            memory = {name: InMemory(app) for name, app in apps.items()}
            every = _contracts_by_provider(shape)
            made = Made()
            Batch(memory, shape, 0, shape.providers,
                  [a for i in range(shape.providers) for a in every.get(i, [])], made).make()
            in_memory = {(name, kind): m.views.get(kind).dump()
                         for name, m in memory.items() for kind in m.views.followers}
            for each in memory.values():
                each.write()
                each.restore()
        assert made.returns and made.requested
        compared = 0
        for name, app in apps.items():
            for kind, follower in app.views.followers.items():
                follower.rebuild()
                assert follower.view.dump() == in_memory[(name, kind)], (name, kind.name)
                compared += any(follower.view.dump().values())
        assert compared >= 6  # the register, due dates, risk's, escalation's, notify's, keys
    finally:
        for app in apps.values():
            app.close()
