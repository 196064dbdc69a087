"""Whose data a path is about, as the guard asks for a provider's users (assure/security.py):
the owner of a contract never changes, so it is read from the register once, not before every
submission (issue 16); a contract not found yet is asked again, as it may be awarded later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from assure.security import provider_finder
from services.intake.application import Award

pytestmark = pytest.mark.integration



def award(app: Any, provider_id: str, reference: str) -> None:
    app.award_contract(Award(
        provider_id=provider_id, reference=reference, service_type="care-home",
        annual_value=Decimal("250000"), regulator="care-inspectorate",
        regulator_service_id=None, start_date=date(2025, 4, 1), end_date=None,
        contract_manager="Ann Officer"), "an officer", "c")


def asking(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The references the register is asked about from now on."""
    asked: list[str] = []
    contract = app.contract

    def counted(reference: str) -> Any:
        asked.append(reference)
        return contract(reference)

    monkeypatch.setattr(app, "contract", counted)
    return asked


def test_a_contracts_owner_is_read_from_the_register_once(intake, monkeypatch):
    intake.register_provider("Elm House", "elm", "an officer", "c")
    award(intake, "elm", "ELM-1")
    asked = asking(intake, monkeypatch)
    provider_of = provider_finder({"intake": intake})

    owners = [provider_of({"reference": "ELM-1"}) for _ in range(3)]

    assert owners == ["elm", "elm", "elm"]
    assert asked == ["ELM-1"]


def test_a_contract_not_awarded_yet_is_asked_about_again(intake, monkeypatch):
    intake.register_provider("Oak Lodge", "oak", "an officer", "c")
    asked = asking(intake, monkeypatch)
    provider_of = provider_finder({"intake": intake})

    assert provider_of({"reference": "OAK-1"}) is None
    award(intake, "oak", "OAK-1")

    assert provider_of({"reference": "OAK-1"}) == "oak"
    assert asked == ["OAK-1", "OAK-1"]
