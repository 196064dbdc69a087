"""An organisation's own return calendar and local holidays, read from a JSON file.

Keys left out keep the documented defaults (domain-rules.md §4). Example:

    {
      "level_2": [
        {"period_start": "04-01", "period_end": "09-30", "issue": "10-01", "due": "10-20"},
        {"period_start": "10-01", "period_end": "03-31", "issue": "04-01", "due": "04-20"}
      ],
      "roll_to_working_day": true,
      "local_holidays": ["2026-12-29", "2026-12-30"]
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from services.intake.domain.calendar import DEFAULT_CALENDAR, CalendarConfig, Round

ROUND_KEYS = ("level_1", "level_2", "level_3", "kpi_quarterly", "kpi_six_monthly", "kpi_annual")


@dataclass(frozen=True)
class OrganisationCalendar:
    config: CalendarConfig
    local_holidays: tuple[date, ...]


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


def _round(item: dict[str, str]) -> Round:
    return Round(**{key: _month_day(item[key]) for key in ("period_start", "period_end",
                                                             "issue", "due")})


def parse(document: dict[str, Any]) -> OrganisationCalendar:
    """Builds the calendar; a wrong key or an impossible calendar is refused with ValueError."""
    unknown = set(document) - {*ROUND_KEYS, "roll_to_working_day", "local_holidays"}
    if unknown:
        raise ValueError(f"unknown calendar settings: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {
        key: tuple(_round(item) for item in document[key]) for key in ROUND_KEYS
        if key in document
    }
    if "roll_to_working_day" in document:
        changes["roll_to_working_day"] = bool(document["roll_to_working_day"])
    holidays = tuple(date.fromisoformat(d) for d in document.get("local_holidays", ()))
    return OrganisationCalendar(replace(DEFAULT_CALENDAR, **changes), holidays)


def load(path: str | Path | None) -> OrganisationCalendar:
    if not path:
        return OrganisationCalendar(DEFAULT_CALENDAR, ())
    return parse(json.loads(Path(path).read_text()))
