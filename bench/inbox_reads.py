"""notify's inbox reads, in process, on a data set `bench.views` made: each version of the
inboxes' view (services/notify/application/inbox_view.py) that the data set holds or this run
builds, asked for the pages officers read, the counts and the page's rows timed apart.

    python -m bench.inbox_reads --data-dir ~/.cache/assure-bench/views-sqlite-2000p-3y-s1-g2

The first run on a data set made before version 2 builds version 2's tables beside version 1's
(timed), so both are measured on the same store. CPU milliseconds, median of `--repeat`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.notify.application.inbox_view import InboxIndex, InboxView
from services.notify.domain.rules import CONTRACT_MANAGER
from shared.settings import AssureSettings
from shared.views.paging import Paging

PAGE = Paging(limit=50)


def cases(view: InboxView) -> dict[str, dict[str, Any]]:
    """What is asked: the role's inbox as bench.views asks it, an officer's own (their contracts'
    providers only), the largest role inbox, and the unread ones alone."""
    reader = first(view, "SELECT reader AS found, COUNT(*) AS n FROM {readers} GROUP BY reader "
                         "ORDER BY n DESC, reader LIMIT 1", "nobody")
    manager = first(view, "SELECT manager AS found FROM {managers} ORDER BY manager LIMIT 1",
                    "nobody")
    largest = first(view, "SELECT recipient AS found, COUNT(*) AS n FROM {notifications} "
                          "GROUP BY recipient ORDER BY n DESC LIMIT 1", CONTRACT_MANAGER)
    return {
        "contract managers' inbox, a reader": dict(recipients=(CONTRACT_MANAGER,), reader=reader),
        "an officer's own inbox": dict(recipients=(CONTRACT_MANAGER, f"user-{reader}"),
                                       reader=reader, manager=manager),
        f"{largest}'s inbox, a reader": dict(recipients=(largest,), reader=reader),
        "contract managers' inbox, unread only": dict(recipients=(CONTRACT_MANAGER,),
                                                       reader=reader, unread_only=True),
    }


def first(view: InboxView, sql: str, otherwise: str) -> str:
    found = view.select(sql)
    return str(found[0]["found"]) if found else otherwise


def cpu_ms(call: Callable[[], Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        began = time.process_time()
        call()
        timings.append((time.process_time() - began) * 1000)
    return round(statistics.median(timings), 2)


def measure(view: InboxView, repeat: int) -> dict[str, Any]:
    found = {}
    for name, asked in cases(view).items():
        page = view.inbox(paging=PAGE, **asked)
        counts = dict(recipients=asked["recipients"], reader=asked["reader"],
                      manager=asked.get("manager"))
        found[name] = {
            "page_ms": cpu_ms(lambda asked=asked: view.inbox(paging=PAGE, **asked), repeat),
            "counts_ms": cpu_ms(lambda counts=counts: view.counted(**counts), repeat),
            "rows": len(page), "total": page.total, "unread": page.counts["unread"]}
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    from assure.services import ALL  # the system's own wiring of notify

    notify = next(d for d in ALL if d.name == "notify")
    app = notify.build(AssureSettings(data_dir=args.data_dir, clock="training",
                                      auth_required=False, run_background_jobs=False))
    try:
        results: dict[str, Any] = {}
        follower = app.views.followers[InboxIndex]
        if InboxIndex in app.views.predecessors:
            previous = app.views.predecessors[InboxIndex]
            previous.catch_up()
            results[f"version {previous.view.version}"] = measure(previous.view, args.repeat)
        began, cpu = time.perf_counter(), time.process_time()
        read = follower.catch_up()
        results["built"] = {"events": read, "seconds": round(time.perf_counter() - began, 1),
                            "cpu_seconds": round(time.process_time() - cpu, 1)}
        results[f"version {follower.view.version}"] = measure(follower.view, args.repeat)
    finally:
        app.close()
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return results


if __name__ == "__main__":
    main()
