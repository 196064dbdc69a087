"""The officers' dashboard: the providers the council monitors, worst first, a page at a time,
each with its risk standing, overdue returns and next deadline, kept current without a reload.

A page reads what it shows and no more (issue 18: rendering all 2,000 providers of the national
bench's data took seconds a load): one page of risk's standings, worst first and filtered by
risk itself, then the register's names and the overdue returns and open interventions of that
page's providers alone. Risk hears of a provider with its first contract; those never awarded
one follow every provider risk knows, as not scored, paged from the register.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assure.console.client import Api, council_today
from assure.console.live import changes, stores_at
from assure.console.paging import Paging, page_number
from assure.console.rendering import render
from assure.console.session import Visitor, visitor
from assure.console.workspace_views import (
    BANDS,
    NOT_SCORED,
    SERVICE_TYPES,
    TRENDS,
    Listed,
    dashboard_columns,
    dashboard_lines,
    unless_refused,
    unnamed,
)
from shared.security.permissions import rule_for

router = APIRouter()
PAGE_SIZE = 50  # providers to a page of the dashboard
HOME = "/console/workspace/"
SERVICES = ("intake", "risk", "escalation")  # whose records the dashboard shows


@router.get("/workspace/")
async def dashboard(request: Request, band: str = "", service_type: str = "",
                    page: str = "") -> Response:
    who = visitor(request)
    return render(request, "workspace/dashboard.html", who,
                  **await _dashboard(request, who, band, service_type, page))


@router.get("/workspace/fragment")
async def dashboard_fragment(request: Request, band: str = "", service_type: str = "",
                             page: str = "") -> Response:
    """The providers' table alone, for the page's live region to fetch again."""
    who = visitor(request)
    return render(request, "workspace/_providers.html", who,
                  **await _dashboard(request, who, band, service_type, page))


@router.get("/workspace/changes")
async def dashboard_changes(request: Request) -> Response:
    """Says when a service the dashboard reads recorded something, to fetch it again."""
    return changes(request, visitor(request), "/intake/providers", SERVICES)


@dataclass(frozen=True)
class Choice:
    """The filters as asked, each kept only if it is one the dashboard offers."""

    band: str
    service_type: str

    @classmethod
    def of(cls, band: str, service_type: str) -> Choice:
        return cls(band if band in (*BANDS, NOT_SCORED) else "",
                   service_type if service_type in SERVICE_TYPES else "")

    @property
    def query(self) -> dict[str, str]:
        return {"band": self.band, "service_type": self.service_type}

    @property
    def risk_query(self) -> dict[str, str]:
        """Risk's own filters: a band, or none yet ("not scored")."""
        return {"band": self.band if self.band in BANDS else "",
                "scored": "false" if self.band == NOT_SCORED else "",
                "service_type": self.service_type}

    @property
    def takes_uncontracted(self) -> bool:
        """Whether providers with no contract (no service type, never scored) are chosen."""
        return self.band in ("", NOT_SCORED) and not self.service_type


async def _dashboard(request: Request, who: Visitor, band: str, service_type: str,
                     page: str) -> dict[str, Any]:
    chosen = Choice.of(band, service_type)
    paging = Paging(page_number(page), 0, PAGE_SIZE, HOME, chosen.query, "Pages of providers")
    before = await stores_at(request, SERVICES)
    async with Api(request, who.token) as api:
        listed, paging = await _page(api, chosen, paging)
        if not listed and paging.number > paging.pages:  # past the end: show the last page
            listed, paging = await _page(api, chosen, replace(paging, number=paging.pages))
        ids = [provider["provider_id"] for provider, _ in listed]
        overdue, interventions, today = await asyncio.gather(
            _of_providers(api, who, ids, "/intake/return-log", status="overdue"),
            _of_providers(api, who, ids, "/escalation/interventions"),
            council_today(api))
    return dict(columns=dashboard_columns([], overdue, interventions),
                lines=dashboard_lines(listed, overdue, interventions), paging=paging,
                fragment=_fragment(chosen, paging), seen=before,
                band=chosen.band, service_type=chosen.service_type, bands=BANDS,
                not_scored=NOT_SCORED, service_types=SERVICE_TYPES, trends=TRENDS,
                today=today)


def _fragment(chosen: Choice, paging: Paging) -> str:
    """Where the live region fetches again the page it shows, with its filters."""
    asked = {**chosen.query, "page": str(paging.number) if paging.number > 1 else ""}
    kept = urlencode({name: value for name, value in asked.items() if value})
    return f"/console/workspace/fragment{'?' if kept else ''}{kept}"


async def _page(api: Api, chosen: Choice, paging: Paging) -> tuple[list[Listed], Paging]:
    """The page's providers, worst first, with their standings, and the paging with the total:
    risk's providers, then (for the filters that take them) those with no contract."""
    answer = await api.raw("/risk/providers", **chosen.risk_query, limit=paging.size,
                           offset=paging.offset)
    standings: list[dict[str, Any]] = answer.json()
    known = int(answer.headers["x-total-count"])
    names, (uncontracted, without) = await asyncio.gather(
        _names(api, [s["provider_id"] for s in standings]),
        _uncontracted(api, chosen, paging, len(standings), known))
    listed = [(names.get(s["provider_id"]) or unnamed(s["provider_id"]), s) for s in standings]
    return listed + [(p, None) for p in uncontracted], replace(paging, total=known + without)


async def _names(api: Api, provider_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The register's entries (name, contracts) of these providers, in one request."""
    if not provider_ids:
        return {}
    return {p["provider_id"]: p for p in await api.get("/intake/providers",
                                                       provider_id=provider_ids)}


async def _uncontracted(api: Api, chosen: Choice, paging: Paging, shown: int,
                        known: int) -> tuple[list[dict[str, Any]], int]:
    """Those with no contract on this page (after the `known` to risk), and how many in all."""
    if not chosen.takes_uncontracted:
        return [], 0
    room = paging.size - shown
    # At least one asked for, so the count comes with a page risk fills.
    answer = await api.raw("/intake/providers", without_contracts="true", limit=max(room, 1),
                           offset=max(paging.offset - known, 0))
    return answer.json()[:room], int(answer.headers["x-total-count"])


async def _of_providers(api: Api, who: Visitor, provider_ids: list[str], path: str,
                        **query: str) -> list[dict[str, Any]] | None:
    """A list's rows about these providers, or None if the role may not read the list (the
    dashboard leaves that column out: never shown as none)."""
    if not provider_ids:  # nothing to ask: only whether it may be read
        found = rule_for("GET", path)
        return [] if found is not None and found.allows(who.identity.role) else None
    return await unless_refused(api.get(path, **query, provider_id=provider_ids))
