"""`assure import`: send a regulator's file to a running Assure with a progress bar, and say
what the import did in counts, with the full list to download."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import httpx
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from assure.signin import command_line_auth

ROUTES = {"care-inspectorate": "/intake/imports/care-inspectorate",
          "call-monitoring": "/intake/imports/call-monitoring"}


class ImportRefused(RuntimeError):
    """The system refused the file (too large, not ours to send); the message says why."""


class _Counted:
    """The file as httpx reads it for the upload, moving the bar on each chunk."""

    def __init__(self, file: IO[bytes], progress: Progress, task: TaskID) -> None:
        self._file, self._progress, self._task = file, progress, task

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._progress.update(self._task, advance=len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        if offset == 0 and whence == 0:
            self._progress.reset(self._task, total=self._size())
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()

    def _size(self) -> int:
        return Path(self._file.name).stat().st_size if hasattr(self._file, "name") else 0


def send(base_url: str, kind: str, path: Path, timeout: float = 600) -> dict[str, Any]:
    """Uploads the file, a bar showing the bytes sent (on a terminal), and gives the summary."""
    progress = Progress(TextColumn(f"sending {path.name}"), BarColumn(), DownloadColumn(),
                        TransferSpeedColumn(), TimeElapsedColumn(),
                        disable=not sys.stdout.isatty())
    with progress, path.open("rb") as file:
        task = progress.add_task("upload", total=path.stat().st_size)
        counted = _Counted(file, progress, task)
        response = httpx.post(f"{base_url}{ROUTES[kind]}", timeout=timeout,
                              files={"file": (path.name, counted, "text/csv")},  # type: ignore[dict-item]
                              auth=command_line_auth())
    return _checked(response)


def download(base_url: str, report: str, to: Path) -> Path:
    """Saves the import's full list (every unmatched id and unread row) as CSV."""
    response = httpx.get(f"{base_url}{report}", timeout=60, auth=command_line_auth())
    if response.status_code >= 400:
        raise ImportRefused(f"{response.status_code}: {response.text}")
    to.write_bytes(response.content)
    return to


def said(summary: dict[str, Any]) -> str:
    """The summary in words."""
    return (f"{summary['rows']:,} rows read: {summary['recorded']} grades recorded, "
            f"{summary['unchanged']} unchanged, {summary['older']} older than the grades held "
            f"(kept as history), {summary['closed']} closures; {summary['unmatched']:,} "
            f"services are not ours, {summary['errors']} rows could not be read.")


def _checked(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except (ValueError, AttributeError):
            detail = response.text
        raise ImportRefused(f"{response.status_code}: {detail}")
    return response.json()
