"""rich's progress bar for long commands: on a terminal only, quiet in pipes and logs.

Quiet means not drawn at all (rich's `disable`), so what a command prints into a pipe or a log
is the same with or without a bar: no cursor movements, no carriage returns, no colour codes.
On a terminal, lines printed while the bar is drawn appear above it.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

T = TypeVar("T")


def on_a_terminal() -> bool:
    return sys.stdout.isatty()


class bar:  # noqa: N801 - used as a context manager, like open()
    """`with bar(total, "rebuilding") as (progress, task): progress.update(task, ...)`.

    A total of None is a bar that only says the command is still working (a pulse), and is
    wiped when done (`transient`), as is any bar asked to be."""

    def __init__(self, total: int | None, label: str, transient: bool = False) -> None:
        columns: list[ProgressColumn] = [TextColumn("{task.description}"), BarColumn()]
        if total is not None:
            columns.append(MofNCompleteColumn())
        columns.append(TimeElapsedColumn())
        # A console of its own, which looks at stdout now (rich's shared one decided once,
        # when first made, whether it writes to a terminal).
        self.progress = Progress(*columns, console=Console(), disable=not on_a_terminal(),
                                 transient=transient or total is None)
        self.total = total
        self.label = label

    def __enter__(self) -> tuple[Progress, Any]:
        self.progress.start()
        return self.progress, self.progress.add_task(self.label, total=self.total)

    def __exit__(self, *_: Any) -> None:
        self.progress.stop()


def above(progress: Progress, say: Callable[[str], None]) -> Callable[[str], None]:
    """`say`, its lines printed above the bar while the bar is drawn. (rich moves what is
    printed to stdout above the bar, but click's `echo` writes past it, and the bar would be
    drawn over the line.) In a pipe, `say` itself."""
    if progress.disable:
        return say
    return lambda line: progress.console.out(line, highlight=False)


def waiting(label: str) -> bar:
    """A pulse while one long call is answered (`with waiting("building the report"):`)."""
    return bar(None, label)


def counted(progress: Progress, task: Any,
            act: Callable[[T], Awaitable[None]]) -> Callable[[T], Awaitable[None]]:
    """`act`, moving the bar on by one each time it finishes (for work done concurrently)."""

    async def acting(item: T) -> None:
        await act(item)
        progress.advance(task)

    return acting
