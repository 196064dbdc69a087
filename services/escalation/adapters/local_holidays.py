"""The council's local holidays, from the same calendar file intake reads (ASSURE_CALENDAR_FILE).

Only `local_holidays` matters here; intake checks the rest of the file when it starts.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path


def load(path: str | Path | None) -> tuple[date, ...]:
    if not path:
        return ()
    document = json.loads(Path(path).read_text())
    return tuple(date.fromisoformat(day) for day in document.get("local_holidays", ()))
