"""`assure report`: fetches the governance report from a running system over HTTP."""

from __future__ import annotations

import re
from typing import Any

import httpx

from assure.signin import command_line_auth

FORMATS = ("html", "csv", "pdf", "json")


class ReportRefused(RuntimeError):
    """The system refused the request (a wrong period, say); the message says why."""


def fetch(base_url: str, format: str = "html", start: str | None = None,
          end: str | None = None, year: bool = False) -> tuple[bytes, str]:
    """The report's bytes and the file name the system suggests for them."""
    if format not in FORMATS:
        raise ReportRefused(f"the format is one of {', '.join(FORMATS)}, not {format!r}")
    params: dict[str, Any] = {"format": format, "period": "year" if year else "half-year"}
    params.update({k: v for k, v in {"start": start, "end": end}.items() if v})
    response = httpx.get(f"{base_url}/reports/governance", params=params, timeout=300.0,
                         auth=command_line_auth())
    if response.status_code >= 400:
        raise ReportRefused(f"{response.status_code}: {_detail(response)}")
    found = re.search(r'filename="([^"]+)"', response.headers.get("content-disposition", ""))
    return response.content, found.group(1) if found else f"governance-report.{format}"


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text
