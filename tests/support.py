"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import uvicorn

from assure.system import System
from services.intake.application import Award
from shared.contracts.forms import example
from shared.nats_server import free_port
from shared.security.identity import Identity
from shared.settings import AssureSettings

T = TypeVar("T")

SECTIONS_GREEN: dict[str, str] = {}
SECTIONS_UNSAFE = {"safety_and_quality": "red", "finance": "red"}


def cmr_answers(ratings: dict[str, str] | None = None) -> dict[str, Any]:
    """A valid LEVEL 1 return (April to July 2026), with some sections re-rated."""
    answers = example("cmr-level-1")
    for section, rating in (ratings or {}).items():
        answers[section]["rating"] = rating
    return answers


def return_form(sections: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """The body of POST /intake/contracts/{reference}/returns for a LEVEL 1 return."""
    return {
        "form": "cmr-level-1",
        "answers": cmr_answers(sections),
        "submitted_by": "Registered manager",
        **overrides,
    }


def contract_award(reference: str, **overrides: Any) -> dict[str, Any]:
    """A LEVEL 1 care-home contract (over £100,000 and regulated)."""
    return {
        "reference": reference,
        "service_type": "care-home",
        "annual_value": "250000",
        "regulator": "care-inspectorate",
        "regulator_service_id": f"CS{zlib.crc32(reference.encode()):010d}",
        "start_date": "2025-04-01",
        "contract_manager": "Ann Contract-Manager",
        "awarded_by": "coordinator",
        **overrides,
    }


def as_(issuer: Any, user: str, role: Any, provider: str | None = None) -> dict[str, str]:
    """The header of a request made by this person, signed by the development issuer."""
    return {"Authorization": f"Bearer {issuer.issue(Identity(user, role, provider))}"}


async def register_with_contract(http: Any, provider_id: str) -> str:
    """Registers a provider with one LEVEL 1 contract over HTTP; returns its reference."""
    await http.post("/intake/providers", json={
        "provider_id": provider_id, "name": provider_id.title(), "registered_by": "t"})
    reference = f"{provider_id}-c1"
    answer = await http.post(f"/intake/providers/{provider_id}/contracts",
                             json=contract_award(reference))
    assert answer.status_code in (200, 201), answer.text
    return reference


def register_in_process(system: System, *provider_ids: str) -> None:
    """Registers providers with one care-home contract each, through intake's application."""
    intake = system.apps["intake"]
    for provider_id in provider_ids:
        intake.register_provider(provider_id.title(), provider_id, "test", "c")
        intake.award_contract(Award(
            provider_id=provider_id, reference=f"{provider_id}-c1", service_type="care-home",
            annual_value=Decimal(250000), regulator="care-inspectorate",
            regulator_service_id=None, start_date=date(2025, 4, 1), end_date=None,
            contract_manager="Ann"), "test", "c")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], timeout: float = 20.0, what: str = "condition"
) -> T:
    """Polls until probe returns something truthy; the system is asynchronous by design."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(settings: AssureSettings, **kwargs: Any) -> AsyncIterator[System]:
    system = await System(settings, **kwargs).start()
    try:
        yield system
    finally:
        await system.stop()


@contextlib.asynccontextmanager
async def serving(system: System) -> AsyncIterator[str]:
    """Serves the system's HTTP entry point on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(system.http_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
