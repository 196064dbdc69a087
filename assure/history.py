"""`assure history`: a provider's events from all four services, merged in time order."""

from __future__ import annotations

import getpass
from typing import Any

import httpx

from assure.audit import merge
from assure.exports import uk_time, who_and_why
from assure.signin import command_line_auth

SERVICES = ("intake", "risk", "escalation", "notify")


def fetch(base_url: str, provider_id: str, reader: str | None = None) -> list[dict[str, Any]]:
    """Asks each service for its part of the history and merges them; each service records
    the read under the reader's name (the login name by default)."""
    headers = {"X-Assure-User": reader or getpass.getuser()}
    with httpx.Client(base_url=base_url, timeout=30.0, headers=headers,
                      auth=command_line_auth()) as http:
        parts = []
        for service in SERVICES:
            response = http.get(f"/{service}/providers/{provider_id}/history")
            response.raise_for_status()
            parts.append(response.json())
    return merge(parts)


def export_history(base_url: str, provider_id: str, export: str,
                   reader: str | None = None) -> bytes:
    """The history as JSON Lines, CSV or PDF, from the single entry point."""
    headers = {"X-Assure-User": reader or getpass.getuser()}
    response = httpx.get(f"{base_url}/history/{provider_id}", params={"format": export},
                         headers=headers, timeout=120.0, auth=command_line_auth())
    return response.raise_for_status().content


def fetch_as_at(base_url: str, provider_id: str, day: str,
                reader: str | None = None) -> dict[str, Any]:
    headers = {"X-Assure-User": reader or getpass.getuser()}
    response = httpx.get(f"{base_url}/history/{provider_id}/as-at", params={"date": day},
                         headers=headers, timeout=120.0, auth=command_line_auth())
    return response.raise_for_status().json()


def render(entries: list[dict[str, Any]]) -> str:
    """One line an event, in UK time, then who acted and why, indented, where they are known."""
    lines = []
    for entry in entries:
        lines.append(
            f"{uk_time(entry['time'])}  {entry['service']:<10} "
            f"{entry['aggregate']}.{entry['event']:<16} {_summary(entry['data'])}".rstrip()
        )
        lines += [f"    {line}" for line in who_and_why(entry)]
    return "\n".join(lines) if lines else "No events about this provider."


def _summary(data: dict[str, Any]) -> str:
    keys = ("name", "band", "score", "summary", "step", "approver", "recipient", "subject")
    shown = [f"{k}={data[k]}" for k in keys if data.get(k) not in (None, "")]
    return ", ".join(shown)[:140]
