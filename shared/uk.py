"""Dates, money and sentences as a UK council writes them: 15 April 2025, £100,000, one full
stop at the end of a sentence.

Standard library only, so every service's domain may use it; the pydantic field types that
check a date a person gives are in shared/uk_types.py (issue 17)."""

from datetime import date, datetime
from decimal import Decimal

_PENNY = Decimal("0.01")

# Every date or moment a person gives: no contract the council monitors began before 2000 (the
# Care Standards Act 2000 and the Regulation of Care (Scotland) Act 2001 set up the regulated
# market it commissions from), and nothing is planned past 2099. A date outside is a slip of
# the keyboard (0001-01-01, 9999-12-31), and one near the calendar's end would overflow the
# deadline arithmetic that adds working days to it.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def long_date(value: date) -> str:
    """15 April 2025."""
    return f"{value.day} {value:%B %Y}"


def pounds(value: Decimal) -> str:
    """Money in UK style: "£100,000" for whole pounds, "£10,000.01" otherwise."""
    sign = "-" if value < 0 else ""
    amount = abs(value)
    if amount == amount.to_integral_value():
        return f"{sign}£{amount:,.0f}"
    return f"{sign}£{amount.quantize(_PENNY):,.2f}"


_ENDS_A_SENTENCE = (".", "!", "?", "…")


def sentence(text: str) -> str:
    """The text with a full stop, unless it already ends a sentence."""
    return text if text.endswith(_ENDS_A_SENTENCE) else text + "."


def clause(text: str) -> str:
    """Free text (a concern's summary, a reason) for wording that puts its own full stop after
    it: without the full stop it may end with, so "the limit of 3." never reads "3.."."""
    text = text.rstrip()
    return text[:-1] if text.endswith(".") else text


def within_sane_years(value: date) -> date:
    """The date (or moment) if it falls from EARLIEST to LATEST; else ValueError saying so."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"give a date from {long_date(EARLIEST)} to {long_date(LATEST)}")
    return value
