"""The approvals queue names each provider waiting: in one request for the providers waiting
(a request each took the queue past a minute on the national bench's data, and the whole
register is thousands), one by one for a role that may not list the register, and by its id
when the council has no such provider (registered elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from assure.console.approvals import _provider_names
from assure.console.client import ApiError

pytestmark = pytest.mark.unit


class Register:
    """The API's answers for providers, and what was asked of it."""

    def __init__(self, names: dict[str, str], may_list: bool = True) -> None:
        self.names, self.may_list, self.asked = names, may_list, []

    async def get(self, path: str, **params: Any) -> Any:
        self.asked.append(path)
        if path == "/intake/providers":
            if not self.may_list:
                raise ApiError(403, "not for your role")
            asked = params.get("provider_id", self.names)  # the register answers those known
            return [{"provider_id": p, "name": self.names[p]} for p in asked if p in self.names]
        provider_id = path.rsplit("/", 1)[-1]
        if provider_id not in self.names:
            raise ApiError(404, "there is no such provider")
        return {"provider_id": provider_id, "name": self.names[provider_id]}


MANY = {f"p{n}": f"Provider {n}" for n in range(7)}


async def test_many_waiting_are_named_from_one_list_and_a_stranger_by_its_id():
    api = Register(MANY)
    names = await _provider_names(api, {*MANY, "elsewhere"})  # type: ignore[arg-type]
    assert names == {**MANY, "elsewhere": "elsewhere"}
    assert api.asked == ["/intake/providers", "/intake/providers/elsewhere"]


async def test_only_those_waiting_are_asked_for():
    api = Register({**MANY, "p-not-waiting": "Not waiting"})
    names = await _provider_names(api, {"p1", "p2"})  # type: ignore[arg-type]
    assert names == {"p1": "Provider 1", "p2": "Provider 2"}
    assert api.asked == ["/intake/providers"]


async def test_none_waiting_asks_nothing():
    api = Register(MANY)
    assert await _provider_names(api, set()) == {}  # type: ignore[arg-type]
    assert api.asked == []


async def test_a_role_that_may_not_list_them_asks_one_by_one():
    api = Register(MANY, may_list=False)
    assert await _provider_names(api, set(MANY)) == MANY  # type: ignore[arg-type]
    assert len(api.asked) == 1 + len(MANY)
