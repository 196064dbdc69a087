"""Every service's views equal a replay of the same store (issue 15).

Histories come from the national data set's loader (bench/national_data.py): providers,
contracts of every type and level, the return calendar, returns scored, concerns, interventions
and notifications, all through the real applications. Hypothesis draws the history's shape and
where the views catch up along the way; afterwards each view, kept up to date a page at a time,
must dump the same rows as a replay (shared/views/replay.py) and as a rebuild from zero. Then
the same with two instances on one PostgreSQL store catching up at once, two processes on one
SQLite store (as `assure up` runs the HTTP side and each service apart), and with a rebuild
killed by SIGKILL halfway.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.national_data import Loader, Shape, build_apps, consumed
from shared.settings import AssureSettings
from shared.views.replay import replayed

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 23)


def load(apps: dict[str, Any], providers: int, seed: int,
         catch_up_every: int | None = None) -> None:
    """A history through the applications; with `catch_up_every`, the views catch up after
    roughly that many commits of each service, as reads and the background thread would."""
    if catch_up_every:
        chance = random.Random(seed)
        for app in apps.values():
            app.on_recorded(lambda app=app: chance.random() < 1 / catch_up_every
                            and app.views.catch_up())
    Loader(f"v{seed}", Shape(providers=providers, years=1, seed=seed, today=TODAY), apps,
           consumed(), partitions=2, say=lambda _: None).load()


def assert_views_equal_a_replay(apps: dict[str, Any]) -> int:
    """Every view of every service dumps what a replay gives; returns how many were checked."""
    checked = 0
    for name, app in apps.items():
        app.views.catch_up()
        for projection_class, follower in app.views.followers.items():
            live = follower.view.dump()
            assert live == replayed(app, projection_class), f"{name} {projection_class.name}"
            follower.rebuild()
            assert follower.view.dump() == live, f"{name} {projection_class.name} rebuilt"
            checked += 1
    return checked


def sqlite_settings(directory: Path) -> AssureSettings:
    return AssureSettings(data_dir=directory, clock="training", auth_required=False)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(providers=st.integers(1, 3), seed=st.integers(1, 10_000),
       catch_up_every=st.one_of(st.none(), st.integers(1, 40)))
def test_each_view_equals_a_replay_of_a_random_history(
        tmp_path_factory: pytest.TempPathFactory, providers: int, seed: int,
        catch_up_every: int | None) -> None:
    apps = build_apps(sqlite_settings(tmp_path_factory.mktemp("views")), fast=True)
    try:
        load(apps, providers, seed, catch_up_every)
        assert assert_views_equal_a_replay(apps) >= len(apps)
    finally:
        for app in apps.values():
            app.close()


@pytest.mark.postgres
def test_two_instances_catching_up_at_once_on_postgres(tmp_path: Path, store: dict) -> None:
    """Two instances of every service on one PostgreSQL store follow the same views at the
    same time: whichever commits a page first, the views equal the replay."""
    if not store:
        pytest.skip("PostgreSQL only")
    config = AssureSettings(data_dir=tmp_path, clock="training", auth_required=False, **store)
    first = build_apps(config, fast=False)
    load(first, providers=2, seed=7)
    second = build_apps(config, fast=False)
    try:
        errors: list[BaseException] = []
        threads = [threading.Thread(target=follow, args=(apps, errors))
                   for apps in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        for name, app in second.items():
            for projection_class, follower in app.views.followers.items():
                assert follower.view.dump() == replayed(app, projection_class), name
    finally:
        for app in (*first.values(), *second.values()):
            app.close()


def follow(apps: dict[str, Any], errors: list[BaseException]) -> None:
    """Catches every view of every service up, three times over."""
    try:
        for _ in range(3):
            for app in apps.values():
                for follower in app.views.followers.values():
                    follower.catch_up()
    except BaseException as error:  # noqa: BLE001 - the test reports it
        errors.append(error)


FOLLOWING = textwrap.dedent("""
    import sys
    from shared.settings import AssureSettings
    from bench.national_data import build_apps
    import shared.views.store as store
    store.PAGE = 40  # many small pages, so the two processes' commits interleave
    apps = build_apps(AssureSettings(data_dir=sys.argv[1], clock="training",
                                     auth_required=False), fast=False)
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(3):
        for app in apps.values():
            for follower in app.views.followers.values():
                follower.catch_up()
    print("done", flush=True)
""")


def test_two_processes_catching_up_at_once_on_sqlite(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes follow the same SQLite views at the same time, a small page at a time:
    neither fails ("database is locked"), and the views equal the replay."""
    apps = build_apps(sqlite_settings(tmp_path), fast=False)
    load(apps, providers=2, seed=7)
    monkeypatch.setattr("shared.views.store.PAGE", 40)
    other = subprocess.Popen([sys.executable, "-c", FOLLOWING, str(tmp_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parents[2])
    try:
        assert other.stdin is not None and other.stdout is not None
        assert other.stdout.readline().strip() == "ready"
        other.stdin.write("go\n")
        other.stdin.flush()
        errors: list[BaseException] = []
        follow(apps, errors)
        assert not errors, errors
        assert other.stdout.readline().strip() == "done", "the other process failed"
        assert other.wait(timeout=120) == 0
        for name, app in apps.items():
            for projection_class, follower in app.views.followers.items():
                assert follower.view.dump() == replayed(app, projection_class), name
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
        for app in apps.values():
            app.close()


KILLED_REBUILD = textwrap.dedent("""
    import sys
    from shared.settings import AssureSettings
    from bench.national_data import build_apps
    import time
    import shared.views.store as store
    store.PAGE = 40  # many small pages, so the kill lands between two of them
    # Each page takes a while to turn into rows, so the kill that follows the third page's
    # report lands while the fourth is being made, before it commits, however busy the machine.
    rows = store.Follower._rows
    store.Follower._rows = lambda self, *args: (time.sleep(0.5), rows(self, *args))[1]
    apps = build_apps(AssureSettings(data_dir=sys.argv[1], clock="training",
                                     auth_required=False), fast=False)
    app = apps[sys.argv[2]]
    for follower in app.views.followers.values():
        follower.rebuild(progress=lambda done, total: print(done, total, flush=True))
""")


def test_a_rebuild_killed_halfway_carries_on_to_the_same_rows(tmp_path: Path) -> None:
    apps = build_apps(sqlite_settings(tmp_path), fast=False)
    load(apps, providers=3, seed=11)
    notify = apps["notify"]
    notify.views.catch_up()
    before = {p: f.view.dump() for p, f in notify.views.followers.items()}
    for app in apps.values():
        app.close()

    process = subprocess.Popen([sys.executable, "-c", KILLED_REBUILD, str(tmp_path), "notify"],
                               stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert process.stdout is not None
    for _ in range(3):  # three pages committed, then killed during the next
        assert process.stdout.readline(), "the rebuild ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    apps = build_apps(sqlite_settings(tmp_path), fast=False)
    try:
        notify = apps["notify"]
        followers = list(notify.views.followers.values())
        assert followers[0].behind() > 0, "the kill should have left the view part built"
        notify.views.catch_up()
        for projection_class, follower in notify.views.followers.items():
            assert follower.view.dump() == before[projection_class]
            assert follower.view.dump() == replayed(notify, projection_class)
    finally:
        for app in apps.values():
            app.close()
