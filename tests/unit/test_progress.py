"""Long commands' progress bars (assure/progress.py): drawn on a terminal, and in a pipe not a
byte of them, so what a command prints into a pipe or a log is exactly what it says."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
import typer

from assure.progress import above, bar, counted, waiting

pytestmark = pytest.mark.unit

CONTROL = re.compile(r"[\x1b\r]")  # escape sequences and carriage returns: a bar being drawn


class Terminal(io.StringIO):
    """What a person's terminal would receive."""

    def isatty(self) -> bool:
        return True


def a_long_command() -> None:
    """Says two things while a bar counts three steps, then waits on one long call."""
    with bar(3, "loading") as (progress, task):
        say = above(progress, typer.echo)  # as `assure demo --dataset 2022` says what it did
        say("first line")
        for _ in range(3):
            progress.advance(task)
        say("second line")
    with waiting("building the report") as (progress, _):
        progress.refresh()  # drawn now, as rich's own thread draws it while a call goes on
    print("done")


def test_in_a_pipe_the_output_is_only_what_the_command_says(monkeypatch):
    piped = io.StringIO()
    monkeypatch.setattr("sys.stdout", piped)
    a_long_command()
    assert piped.getvalue() == "first line\nsecond line\ndone\n"
    assert not CONTROL.search(piped.getvalue())


def test_on_a_terminal_the_bar_is_drawn_and_the_lines_still_said(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)
    a_long_command()
    shown = terminal.getvalue()
    assert CONTROL.search(shown)
    assert "loading" in shown and "3/3" in shown
    assert "building the report" in shown
    assert all(line in shown for line in ("first line", "second line", "done"))


def test_counted_work_moves_the_bar_once_for_each_item_done_concurrently():
    done: list[int] = []

    async def act(item: int) -> None:
        await asyncio.sleep(0)
        done.append(item)

    async def run() -> float:
        with bar(5, "working") as (progress, task):
            await asyncio.gather(*(counted(progress, task, act)(i) for i in range(5)))
            return progress.tasks[0].completed

    assert asyncio.run(run()) == 5
    assert sorted(done) == [0, 1, 2, 3, 4]
