"""`assure history`: a provider's events from all four services, merged in time order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from assure.gateway import merge

SERVICES = ("intake", "risk", "escalation", "notify")


def fetch(base_url: str, provider_id: str) -> list[dict[str, Any]]:
    """Asks each service for its part of the history and merges them."""
    with httpx.Client(base_url=base_url, timeout=30.0) as http:
        parts = []
        for service in SERVICES:
            response = http.get(f"/{service}/providers/{provider_id}/history")
            response.raise_for_status()
            parts.append(response.json())
    return merge(parts)


def render(entries: list[dict[str, Any]]) -> str:
    lines = []
    for entry in entries:
        when = datetime.fromisoformat(entry["time"]).strftime("%-d %b %Y %H:%M:%S")
        lines.append(
            f"{when}  {entry['service']:<10} {entry['aggregate']}.{entry['event']:<16} "
            f"{_summary(entry['data'])}"
        )
    return "\n".join(lines) if lines else "No events about this provider."


def _summary(data: dict[str, Any]) -> str:
    keys = ("name", "band", "score", "summary", "step", "approver", "recipient", "subject")
    shown = [f"{k}={data[k]}" for k in keys if data.get(k) not in (None, "")]
    return ", ".join(shown)[:140]
