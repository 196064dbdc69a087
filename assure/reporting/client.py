"""`assure views`: a running system's read models, and rebuilding one with a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from assure.progress import bar
from assure.signin import command_line_auth


class ViewsRefused(RuntimeError):
    """The system refused (a rebuild under way already, say); the message says why."""


def status(base_url: str) -> list[dict[str, Any]]:
    return _checked(httpx.get(f"{base_url}/views", timeout=60, auth=command_line_auth()))


def rebuild(base_url: str, view: str = "governance", service: str | None = None,
            poll: float = 0.5, say: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Starts the rebuild and follows it until the view (or every view of the service) has
    read its source; a progress bar on a terminal, one line each at the end otherwise."""
    params = {"service": service} if service else {}
    started = _checked(httpx.post(f"{base_url}/views/{view}/rebuild", params=params,
                                  timeout=60, auth=command_line_auth()))
    chosen = {(s.get("service"), s["view"]) for s in started}
    total = sum(s["total"] for s in started)
    with bar(total, "rebuilding") as (progress, task):
        while True:
            found = [v for v in status(base_url) if (v.get("service"), v["view"]) in chosen]
            progress.update(task, completed=min(sum(v["read"] for v in found), total))
            if not any(v["rebuilding"] for v in found) and all(
                    v["read"] >= s["total"] for v, s in zip(found, started, strict=True)):
                break
            time.sleep(poll)
    for v in found:
        where = f"{v['service']}'s store" if v.get("service") else "the streams"
        unit = "events" if v.get("service") else "messages"
        say(f"{v['view']} view (version {v['version']}) rebuilt: {v['read']} of {v['total']} "
            f"{unit} read from {where}")
    return found


def _checked(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except (ValueError, AttributeError):
            detail = response.text
        if response.status_code == 409:
            detail = "a rebuild of this view is under way already"
        raise ViewsRefused(f"{response.status_code}: {detail}")
    return response.json()
