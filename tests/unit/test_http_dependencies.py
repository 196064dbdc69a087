"""The dependencies nearly every route runs do no I/O, so they are coroutines: FastAPI hands a
plain function dependency to its thread pool and back, for every request (issue 16)."""

from __future__ import annotations

import inspect

import pytest

from shared.http import application_of, correlation_id

pytestmark = pytest.mark.unit


def test_the_application_and_the_correlation_id_are_had_without_a_thread():
    assert inspect.iscoroutinefunction(application_of("intake"))
    assert inspect.iscoroutinefunction(correlation_id)
