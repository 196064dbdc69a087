"""`assure tick`: moves a training clock on a month at a time, so a long move shows progress."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from assure.progress import bar
from assure.signin import command_line_auth
from shared.clock import MAX_STEP


class ClockRefused(RuntimeError):
    """The system refused (a real clock, a date behind it, too far ahead); says why."""


def steps(today: date, to: date) -> list[date]:
    """The last day of each month from today's to the target's, then the target itself."""
    found, day = [], today
    while True:
        month_end = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if month_end >= to:
            break
        if month_end > today:  # the clock already stands at this month's end
            found.append(month_end)
        day = month_end + timedelta(days=1)
    return [*found, to]


def tick_to(base_url: str, to: str) -> dict[str, Any]:
    """Moves the clock to `to` in monthly steps; the totals of every step."""
    try:
        target = date.fromisoformat(to)
    except ValueError:
        raise ClockRefused(f"--to must be a date written YYYY-MM-DD, not {to!r}") from None
    with httpx.Client(base_url=base_url, timeout=300, auth=command_line_auth()) as http:
        clock = _checked(http.get("/intake/clock"))
        today = date.fromisoformat(clock["today"])
        if target <= today or target - today > MAX_STEP:  # the system says why, in its words
            return _checked(http.post("/intake/clock/tick", json={"to": to}))
        totals = {"today": clock["today"], "requested": 0, "overdue": 0}
        days = steps(today, target)
        with bar(len(days), "moving the clock") as (progress, task):
            for day in days:
                result = _checked(http.post("/intake/clock/tick", json={"to": day.isoformat()}))
                totals = {"today": result["today"],
                          "requested": totals["requested"] + result["requested"],
                          "overdue": totals["overdue"] + result["overdue"]}
                progress.advance(task)
        return totals


def _checked(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise ClockRefused(f"{response.status_code}: {detail}")
    return response.json()
