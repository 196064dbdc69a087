"""What the end-to-end tests with sign-in on share: the system served in process with the
development issuer, and tokens for anyone (`tests.support.as_`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from assure.security import development_issuer
from tests.support import running


@pytest.fixture
async def secured(settings) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    """The system with sign-in on, its HTTP entry point, and its development issuer."""
    signed = settings.model_copy(update={"auth_required": True})
    async with running(signed) as system:
        transport = httpx.ASGITransport(app=system.http_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://assure") as http:
            yield http, development_issuer(signed)
