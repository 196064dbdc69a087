"""A fact of ours an agreement with another council may share: suspensions, decommissions and
breach notices from escalation, serious concerns from risk (never one raised by reading another
council's fact), each named by what it rests on so its withdrawal finds it again.

Which integration event states which fact is read at the edge of the application
(services/intake/application/shareable.py), so this module needs no contract models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.vocabulary import Category

# Concerns raised here by the rules that read another council's facts (risk's `shared-*`
# rules) are never shared on: two councils would otherwise echo one fact back and forth.
RECEIVED_RULE_PREFIX = "shared-"


@dataclass(frozen=True)
class Fact:
    """A fact of ours that an agreement may share: its category, what it rests on (the key its
    withdrawal finds it by), its day, its plain values and any free text."""

    category: Category
    source: str
    occurred_on: date
    details: dict[str, Any]
    text: str | None = None
    contract_reference: str | None = None  # only this contract's service, if set
