"""The six-monthly governance report (domain-rules §9, 002) for the Contract Management Group
and the governance committee: its tables, a chart beside each table of figures, a period
chooser and the API's PDF and CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from assure.console.charts import Point, bars
from assure.console.client import Api, ApiError, council_today
from assure.console.rendering import render, uk_date
from assure.console.session import visitor
from assure.report.layout import RETURN_ROWS
from shared.security.permissions import rule_for

router = APIRouter()
FORMATS = {"pdf": "PDF", "csv": "CSV"}
# Short names under each bar; the table beside the chart gives 002's full wording.
BAR_NAMES = {
    "six_monthly_reviews_up_to_date": "Reviews", "personal_outcomes_met": "Outcomes",
    "engagement_surveys_done": "Surveys", "incidents_up_on_previous_period": "Incidents",
    "asp_training_up_to_date": "ASP", "supervisions_up_to_date": "Supervision",
    "mandatory_training_up_to_date": "Training", "affected_by_staffing_shortages": "Staffing",
    "management_changes": "Managers", "personal_outcomes_not_all_met": "Outcomes",
    "capacity_or_vacancy_concerns": "Capacity", "mandatory_training_not_up_to_date": "Training",
}
LEVELS = ("encourage", "enable", "enforce")


def passed_on(answer: httpx.Response) -> Response:
    """A download from the API, handed on as it came: its type and its file name."""
    headers = {name: answer.headers[name] for name in ("content-disposition",)
               if name in answer.headers}
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers=headers)


def _readers_only(request: Request) -> Any:
    who = visitor(request)
    found = rule_for("GET", "/reports/governance")
    if found is None or not found.allows(who.identity.role):
        raise ApiError(403, "The governance report is for auditors, commissioning officers and "
                            "managers, senior managers and administrators.")
    return who


def periods(today: date) -> list[tuple[date, date, str]]:
    """Half-years (April–September, October–March) and financial years to choose from, the
    one in progress first, then the three before it."""
    year = today.year if today.month >= 4 else today.year - 1
    half = date(year, 4, 1) if today.month in range(4, 10) else date(year, 10, 1)
    halves = []
    for _ in range(4):
        end = date(half.year, 9, 30) if half.month == 4 else date(half.year + 1, 3, 31)
        halves.append((half, end, "half-year"))
        half = date(half.year - 1, 10, 1) if half.month == 4 else date(half.year, 4, 1)
    years = [(date(year - back, 4, 1), date(year - back + 1, 3, 31), "financial year")
             for back in range(3)]
    return halves + years


def parse_period(text: str) -> tuple[date, date] | None:
    """`2026-10-01..2027-03-31` as its two dates, or None when it is not that."""
    start, _, end = text.partition("..")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    return (first, last) if first <= last else None


@router.get("/reports/governance")
async def governance(request: Request, period: str = "") -> Response:
    who = _readers_only(request)
    chosen = parse_period(period) if period else None
    async with Api(request, who.token) as api:
        today = await council_today(api)
        if period and chosen is None:
            problem = "Choose a period from the list"
            return render(request, "governance/report.html", who, status=422,
                          errors=[{"text": problem, "href": "#period"}], problem=problem,
                          report=None, choices=_choices(today, None), formats=FORMATS)
        start, end = chosen or (None, None)
        report = await api.get("/reports/governance", start=start, end=end, format="json")
    shown = (date.fromisoformat(report["period"]["start"]),
             date.fromisoformat(report["period"]["end"]))
    return render(request, "governance/report.html", who, report=report,
                  sections=[_section(s) for s in report["sections"]],
                  overall=_overall(report["sections"]), choices=_choices(today, shown),
                  period=f"{shown[0]}..{shown[1]}", formats=FORMATS, problem=None,
                  return_rows=RETURN_ROWS)


@router.get("/reports/governance/download")
async def download(request: Request, period: str = "", format: str = "pdf") -> Response:  # noqa: A002
    who = _readers_only(request)
    chosen = parse_period(period) if period else None
    if format not in FORMATS or (period and chosen is None):
        raise ApiError(404, "There is no such download: choose the PDF or the CSV of a period.")
    start, end = chosen or (None, None)
    async with Api(request, who.token) as api:
        answer = await api.raw("/reports/governance", start=start, end=end, format=format)
    return passed_on(answer)


def _choices(today: date, shown: tuple[date, date] | None) -> list[dict[str, Any]]:
    items = []
    for start, end, kind in periods(today):
        progress = " (in progress)" if start <= today <= end else ""
        items.append({"value": f"{start}..{end}", "checked": (start, end) == shown,
                      "text": f"{uk_date(start)} to {uk_date(end)}{progress}",
                      "hint": {"text": kind.capitalize()}})
    if shown and not any(item["checked"] for item in items):
        items.insert(0, {"value": f"{shown[0]}..{shown[1]}", "checked": True,
                         "text": f"{uk_date(shown[0])} to {uk_date(shown[1])}"})
    return items


def _section(section: dict[str, Any]) -> dict[str, Any]:
    label = section["label"]
    return {
        "label": label,
        "id": section["service_type"],
        "returns": section["returns"],
        "bands": section["bands"],
        "band_total": section["band_total"],
        "band_chart": _band_chart(f"Risk-score bands, {label}", section["bands"]),
        "compliance": section["compliance"],
        "compliance_chart": _share_chart(f"Compliance, {label}", section["compliance"]),
        "intelligence": section["intelligence"],
        "intelligence_chart": _share_chart(f"Intelligence, {label}", section["intelligence"]),
        "interventions": [(level, section["interventions_open"].get(level, 0))
                          for level in LEVELS],
        "escalations": section["escalations"],
    }


def _band_chart(title: str, bands: list[dict[str, Any]]) -> str:
    return bars(title, [Point(_band_label(b["band"]), b["providers"]) for b in bands])


def _band_label(band: str) -> str:
    return band.replace("-", "–")


def _share_chart(title: str, shares: list[dict[str, Any]]) -> str | None:
    """Bars for the indicators some return answered; None when no return did."""
    points = [Point(BAR_NAMES.get(s["indicator"], s["indicator"]), _figure(s["percent"]))
              for s in shares if s["percent"] is not None]
    return bars(title, points, unit="%", high=100) if points else None


def _figure(percent: float) -> float | int:
    """76.7, and 100 rather than 100.0."""
    rounded = round(percent, 1)
    return int(rounded) if rounded == int(rounded) else rounded


def _overall(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Contracts per band over every service type, as the report's summary."""
    totals: dict[str, int] = {}
    for section in sections:
        for band in section["bands"]:
            totals[band["band"]] = totals.get(band["band"], 0) + band["providers"]
    rows = [{"band": band, "providers": count} for band, count in totals.items()]
    return {"bands": rows, "total": sum(totals.values()),
            "chart": _band_chart("Risk-score bands, all service types", rows) if rows else None}
