"""rich's progress bar for long commands: on a terminal only, quiet in pipes and logs."""

from __future__ import annotations

import sys
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class bar:  # noqa: N801 - used as a context manager, like open()
    """`with bar(total, "rebuilding") as (progress, task): progress.update(task, ...)`."""

    def __init__(self, total: int, label: str) -> None:
        self.progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), disable=not sys.stdout.isatty())
        self.total = total
        self.label = label

    def __enter__(self) -> tuple[Progress, Any]:
        self.progress.start()
        return self.progress, self.progress.add_task(self.label, total=self.total)

    def __exit__(self, *_: Any) -> None:
        self.progress.stop()
