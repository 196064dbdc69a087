"""The approvals queue names each provider waiting: from one list of every provider when many
wait (a request each took the queue past a minute on the national bench's data), one by one
when few do, and by its id when the council has no such provider (registered elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from assure.console.approvals import FEW, _provider_names
from assure.console.client import ApiError

pytestmark = pytest.mark.unit


class Register:
    """The API's answers for providers, and what was asked of it."""

    def __init__(self, names: dict[str, str], may_list: bool = True) -> None:
        self.names, self.may_list, self.asked = names, may_list, []

    async def get(self, path: str, **_: Any) -> Any:
        self.asked.append(path)
        if path == "/intake/providers":
            if not self.may_list:
                raise ApiError(403, "not for your role")
            return [{"provider_id": p, "name": n} for p, n in self.names.items()]
        provider_id = path.rsplit("/", 1)[-1]
        if provider_id not in self.names:
            raise ApiError(404, "there is no such provider")
        return {"provider_id": provider_id, "name": self.names[provider_id]}


MANY = {f"p{n}": f"Provider {n}" for n in range(FEW + 2)}


async def test_many_waiting_are_named_from_one_list_and_a_stranger_by_its_id():
    api = Register(MANY)
    names = await _provider_names(api, {*MANY, "elsewhere"})  # type: ignore[arg-type]
    assert names == {**MANY, "elsewhere": "elsewhere"}
    assert api.asked == ["/intake/providers", "/intake/providers/elsewhere"]


async def test_few_waiting_are_named_one_by_one():
    api = Register(MANY)
    names = await _provider_names(api, {"p1", "p2"})  # type: ignore[arg-type]
    assert names == {"p1": "Provider 1", "p2": "Provider 2"}
    assert api.asked == ["/intake/providers/p1", "/intake/providers/p2"]


async def test_a_role_that_may_not_list_them_asks_one_by_one():
    api = Register(MANY, may_list=False)
    assert await _provider_names(api, set(MANY)) == MANY  # type: ignore[arg-type]
    assert len(api.asked) == 1 + len(MANY)
