"""What the command-line loaders (the demo, the 2022 data set) share when they call a running
Assure over HTTP: an answer or a clear error, and waiting for the asynchronous services."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


def ok(response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; anything else stops the run, saying what was answered."""
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url} answered "
                           f"{response.status_code}: {response.text}")
    return response.json()


def wait(probe: Callable[[], Any], timeout: float) -> Any:
    """Polls until `probe` gives something: the services score and notify asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError("the system did not answer in time; is `assure up` running?")
