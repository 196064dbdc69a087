"""The console reads and changes nothing itself: every page calls the same HTTP API as any
client, in process, as the signed-in person, so the guard, the role matrix and provider
isolation apply to the console exactly as they do to the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi import Request

from assure.console import organisations


class ApiError(Exception):
    """An answer other than 2xx: its status and what the API said, for the page to show."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail

    def problems(self) -> dict[str, str]:
        """Each bad field, by its dotted path in the request body, with the API's message."""
        if isinstance(self.detail, list):
            found: dict[str, str] = {}
            for item in self.detail:
                loc = [str(part) for part in item.get("loc", []) if part != "body"]
                found.setdefault(".".join(loc) or "form", _sentence(item.get("msg", "")))
            return found
        field = "form"
        if isinstance(self.detail, dict):
            field = self.detail.get("field") or "form"
        return {field: _sentence(str(self.message))}

    @property
    def message(self) -> str:
        if isinstance(self.detail, str):
            return self.detail
        if isinstance(self.detail, dict):
            return str(self.detail.get("detail", self.detail))
        return "; ".join(f"{k}: {v}" for k, v in self.problems().items())


def _sentence(text: str) -> str:
    text = text.removeprefix("Value error, ").strip()
    return text[:1].upper() + text[1:] if text else "Check this answer"


class Api:
    """The API as the visitor: their bearer token on every call."""

    def __init__(self, request: Request, token: str | None) -> None:
        client = request.client
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=request.app, client=(client.host, client.port) if client else ("?", 0)),
            base_url="http://assure.internal",
            headers={"Authorization": f"Bearer {token}"} if token else {},
            timeout=30.0,
        )

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.aclose()

    async def get(self, path: str, **params: Any) -> Any:
        answer = await self._http.get(path, params={k: v for k, v in params.items()
                                                    if v not in (None, "")})
        found = self._read(answer)
        organisations.remember(path, found)
        return found

    async def raw(self, path: str, **params: Any) -> httpx.Response:
        """The answer as it came (a download: CSV, XLSX, PDF), raising on an error."""
        answer = await self._http.get(path, params={k: v for k, v in params.items()
                                                    if v not in (None, "")})
        self._read(answer, parse=False)
        return answer

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        answer = await self._http.post(path, json=body, **kwargs) if body is not None or not \
            kwargs else await self._http.post(path, **kwargs)
        return self._read(answer)

    async def put(self, path: str, body: Any) -> Any:
        """Replaces what is kept at the path (a draft return, say)."""
        return self._read(await self._http.put(path, json=body))

    @staticmethod
    def _read(answer: httpx.Response, parse: bool = True) -> Any:
        if answer.status_code >= 400:
            try:
                body = answer.json()
                # A refusal naming its field ({"detail", "field"}) keeps the field for problems().
                detail = body if "field" in body else body.get("detail", answer.text)
            except ValueError:
                detail = answer.text
            raise ApiError(answer.status_code, detail)
        if not parse or not answer.content:
            return None
        if "json" in answer.headers.get("content-type", ""):
            return answer.json()
        return answer.text


async def council_today(api: Api) -> date:
    """The council's date from intake's clock (a training clock's, when it is one), so the
    console's "today" is the one every service acts on."""
    return date.fromisoformat((await api.get("/intake/clock"))["today"])
