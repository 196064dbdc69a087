"""Dates and money as a UK council writes them: 15 April 2025, £100,000."""

from datetime import date
from decimal import Decimal

_PENNY = Decimal("0.01")


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
