"""The pydantic field types for a date or moment a person gives: written as ISO 8601 and within
the years Assure accepts (shared/uk.py says which and why)."""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from shared.uk import within_sane_years


def _written_as_a_date(value: Any) -> Any:
    # pydantic would read "0" or 20261123 as a date counted from 1970; a person writes one.
    if not isinstance(value, date) and not (
            isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("a date is written YYYY-MM-DD, e.g. 2026-11-23")
    return value


def _written_as_a_moment(value: Any) -> Any:
    if not isinstance(value, datetime) and not (
            isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value)):
        raise ValueError("a moment is written YYYY-MM-DDTHH:MM with its zone, e.g. "
                         "2026-11-23T10:00:00Z")
    return value


# Any date a person gives, from 2000 to 2099.
DateInRange = Annotated[date, AfterValidator(within_sane_years)]
# A date in a query string or body, as an officer writes it: 2026-11-23, from 2000 to 2099.
IsoDate = Annotated[date, BeforeValidator(_written_as_a_date),
                    AfterValidator(within_sane_years)]
# A moment, ISO 8601: 2026-11-23T10:00:00Z, from 2000 to 2099.
IsoDateTime = Annotated[datetime, BeforeValidator(_written_as_a_moment),
                        AfterValidator(within_sane_years)]
