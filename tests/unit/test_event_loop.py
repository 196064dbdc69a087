"""`assure up` and its service processes run on uvloop's event loop where it is installed
(shared/event_loop.py), and on asyncio's own where it is not."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import pytest

from shared import event_loop

pytestmark = pytest.mark.unit


async def loop_class() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_the_processes_run_on_uvloop_where_it_is_installed():
    pytest.importorskip("uvloop")

    assert event_loop.run(loop_class()).startswith("uvloop")


def test_without_uvloop_they_run_on_asyncios_own_loop(monkeypatch):
    real_import = builtins.__import__

    def without_uvloop(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvloop":
            raise ImportError("not installed here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_uvloop)

    assert event_loop.run(loop_class()).startswith("asyncio")
