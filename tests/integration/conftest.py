"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assure.services import ALL
from shared.settings import AssureSettings

INTAKE = next(d for d in ALL if d.name == "intake")


@pytest.fixture
def intake(settings: AssureSettings) -> Iterator[Any]:
    """Intake's application on the test's store, closed afterwards."""
    app = INTAKE.build(settings)
    yield app
    app.close()
