"""What the officers' workspace shows, put together from the API's answers: a line of the
dashboard for each provider on its page, the deadlines an intervention counts down to, the
score trend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from assure.console.charts import Point
from assure.console.client import ApiError
from shared.settings import AssureSettings
from shared.vocabulary import ServiceType
from shared.working_days import Nation, WorkingDays, local_holidays_in

T = TypeVar("T")

BANDS = ("100%", "75-99%", "50-74%", "below 50%")
NOT_SCORED = "not scored"
TRENDS = {"up": "Up", "down": "Down", "steady": "Steady"}


async def unless_refused(call: Awaitable[T]) -> T | None:
    """A part of a page the visitor's role may not read (403) is None, and the page leaves it
    out: a refusal is never read as "nothing" (issue 18: operational staff, who may not read the
    return log, were shown "Overdue returns 0" for every provider)."""
    try:
        return await call
    except ApiError as error:
        if error.status != 403:
            raise
        return None


@dataclass(frozen=True)
class Deadline:
    what: str
    due: date
    intervention_id: str


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _plan_deadlines(plan: dict[str, Any]) -> Iterable[tuple[str, date | None]]:
    if plan["status"] not in ("requested", "received"):
        return ()
    name = "Directed plan" if plan["directed"] else "Improvement plan"
    return (
        (f"{name} due", None if plan["received_on"] else _day(plan["plan_due"])),
        (f"{name} 30-day review", None if plan["reviewed_on"] else _day(plan["review_due"])),
        (f"{name} targets met", _day(plan["targets_due"])),
    )


def deadlines(intervention: dict[str, Any]) -> list[Deadline]:
    """The dates still ahead of an open intervention (or passed unmet), soonest first: plans
    outstanding, reviews not held, targets, breach notices not yet met."""
    found: list[tuple[str, date | None]] = []
    for plan in intervention["improvement_plans"]:
        found += _plan_deadlines(plan)
    found += [("Breach notice timescale", _day(notice["comply_by"]))
              for notice in intervention["breach_notices"] if notice["status"] == "issued"]
    ident = str(intervention["intervention_id"])
    return sorted((Deadline(what, due, ident) for what, due in found if due is not None),
                  key=lambda d: d.due)


@dataclass
class ProviderLine:
    """One provider on the dashboard."""

    provider_id: str
    name: str
    suspended: bool
    service_types: list[str]
    levels: list[int]
    band: str | None = None
    score: Decimal | None = None
    risk_level: str | None = None
    trend: str | None = None
    open_concerns: int = 0
    overdue_returns: int | None = 0  # None: the visitor's role may not read the return log
    next_deadline: Deadline | None = None
    deadlines: list[Deadline] = field(default_factory=list)


Rows = list[dict[str, Any]] | None  # None: refused to the visitor's role, not empty


def dashboard_columns(standings: Rows, overdue: Rows, interventions: Rows) -> set[str]:
    """The dashboard's column groups the visitor's role may read: a part refused is left out,
    never shown as none."""
    return {name for name, rows in (("risk", standings), ("overdue", overdue),
                                    ("deadlines", interventions)) if rows is not None}


# A provider on a page of the dashboard: as the register has it (name, contracts), and its
# risk standing (None: risk has not heard of it, for want of a contract).
Listed = tuple[dict[str, Any], dict[str, Any] | None]


def unnamed(provider_id: str) -> dict[str, Any]:
    """A provider risk knows and the register does not name (registered elsewhere): its id
    says who it is."""
    return {"provider_id": provider_id, "name": provider_id, "suspended": False,
            "contracts": []}


def dashboard_lines(listed: list[Listed], overdue: Rows,
                    interventions: Rows) -> list[ProviderLine]:
    """Each provider of the page, in the page's order, with its risk standing, overdue
    returns and next deadline (what the visitor's role may read of them)."""
    late = None if overdue is None else Counter(row["provider_id"] for row in overdue)
    due: dict[str, list[Deadline]] = {}
    for intervention in interventions or []:
        due.setdefault(intervention["provider_id"], []).extend(deadlines(intervention))
    lines = []
    for provider, standing in listed:
        contracts = [c for c in provider["contracts"] if not c["ended_on"]]
        line = ProviderLine(
            provider["provider_id"], provider["name"], provider["suspended"],
            sorted({c["service_type"] for c in contracts}),
            sorted({c["level"] for c in contracts if c["level"] is not None}))
        _standing(line, standing)
        line.overdue_returns = None if late is None else late[line.provider_id]
        line.deadlines = sorted(due.get(line.provider_id, []), key=lambda d: d.due)
        line.next_deadline = line.deadlines[0] if line.deadlines else None
        lines.append(line)
    return lines


def _standing(line: ProviderLine, standing: dict[str, Any] | None) -> None:
    if standing is None:
        return
    line.band, line.risk_level = standing["latest_band"], standing["risk_level"]
    line.score = standing["latest_score"]
    line.trend = standing.get("trend")
    line.open_concerns = len(standing["open_concerns"])


def score_points(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The returns that stand and count (not corrected, not held), oldest first, with the
    score each was last given and its change from the row before (None for the first): the
    rows of the trend table and the points of its chart. The scores route gives no change, and
    the change that matters here is the one between the scores that count, as the table shows."""
    rows: list[dict[str, Any]] = []
    for record in scores:
        if record["superseded_by"] or record["held"] or not record["scores"]:
            continue
        latest = record["scores"][-1]
        score = Decimal(str(latest["score"]))
        change = None if not rows else score - rows[-1]["score"]
        rows.append({"period_start": record["period_start"], "period_end": record["period_end"],
                     "form": record["form"], "score": score, "band": latest["band"],
                     "change": change, "return_id": record["return_id"]})
    return rows


def chart_points(rows: list[dict[str, Any]]) -> list[Point]:
    return [Point(f"{date.fromisoformat(str(r['period_end'])[:10]):%b %Y}",
                  Decimal(str(r["score"]))) for r in rows]


SERVICE_TYPES = tuple(sorted(kind.value for kind in ServiceType))


def council_calendar(settings: AssureSettings) -> WorkingDays:
    """The working days escalation counts its deadlines on: the nation's holidays and the
    council's own, from the same calendar file."""
    return WorkingDays(Nation(settings.nation), local_holidays_in(settings.calendar_file))


def working_days_left(calendar: WorkingDays, today: date, due: date) -> str:
    """'due today', 'in 8 working days', or '3 working days overdue'."""
    if due == today:
        return "due today"
    start, end = sorted((today, due))
    count, day = 0, start
    while day < end:
        day = calendar.on_or_after(day + timedelta(days=1))
        if day <= end:
            count += 1
    plural = "" if count == 1 else "s"
    if due > today:
        return f"in {count} working day{plural}"
    return f"{count} working day{plural} overdue" if count else "overdue"
