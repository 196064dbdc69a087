"""The auditors' and committee's views: a provider's whole history, its state as at a date,
its downloads, who has read it and whether every store's hash chains are intact; and the
governance report (in `governance`)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from assure.console import governance
from assure.console.as_at import facts as as_at_facts
from assure.console.client import Api, ApiError, council_today
from assure.console.history import told
from assure.console.paging import Paging, page_number
from assure.console.plain_words import Plain, uk_moment
from assure.console.rendering import render
from assure.console.session import Visitor, visitor
from shared.contracts.envelope import PROVIDER_ID_PATTERN
from shared.security.permissions import rule_for

router = APIRouter()
router.include_router(governance.router)

DOWNLOADS = {"csv": "CSV (spreadsheet)", "jsonl": "JSON Lines (one event a line)",
             "pdf": "PDF (to print or file)"}
SERVICES = {"intake": "Intake (providers, contracts, returns)", "risk": "Risk",
            "escalation": "Escalation (interventions)", "notify": "Notifications"}
DATE_PARTS = ("day", "month", "year")
# Events to a page of a history: a provider three years on the national bench's data has 650,
# a page of 230 kB the browser took most of a second to show (bench.console_paint).
HISTORY_PAGE = 100


def may(who: Visitor, path: str) -> bool:
    """Whether the role matrix lets this person call an API route (to hide what they cannot)."""
    found = rule_for("GET", path)
    return found is not None and found.allows(who.identity.role)


def readers_only(who: Visitor) -> None:
    if not may(who, "/history/{provider_id}"):
        raise ApiError(403, "Provider histories are for auditors, commissioning officers and "
                            "managers, senior managers and administrators.")


# The choice of provider ----------------------------------------------------------------------


@router.get("/audit/")
async def choose(request: Request, provider_id: str | None = None) -> Response:
    who = visitor(request)
    readers_only(who)
    if provider_id is not None:
        wanted = provider_id.strip()
        if re.fullmatch(PROVIDER_ID_PATTERN, wanted):
            return RedirectResponse(f"/console/audit/providers/{wanted}", 303)
        problem = ("Enter the provider id" if not wanted else "Enter a provider id using only "
                   "letters, numbers, hyphens and underscores, like elm-court")
        return render(request, "audit/choose.html", who, status=422,
                      errors=[{"text": problem, "href": "#provider_id"}], problem=problem,
                      typed=provider_id, providers=await _providers(request, who))
    return render(request, "audit/choose.html", who, providers=await _providers(request, who))


async def _providers(request: Request, who: Visitor) -> list[dict[str, Any]]:
    """Every provider, where the API lists them (`GET /intake/providers`); else none, and the
    page asks for the id."""
    if not may(who, "/intake/providers"):
        return []
    try:
        async with Api(request, who.token) as api:
            found = await api.get("/intake/providers")
    except ApiError:
        return []
    return [{**provider, "link": Markup('<a class="govuk-link" href="/console/audit/providers/'
                                        '{}">{}</a>').format(provider["provider_id"],
                                                             provider.get("name") or
                                                             provider["provider_id"])}
            for provider in found] if isinstance(found, list) else []


# The history -------------------------------------------------------------------------------


@router.get("/audit/providers/{provider_id}")
async def history(request: Request, provider_id: str, service: str = "",
                  page: str = "") -> Response:
    who = visitor(request)
    readers_only(who)
    service = service if service in SERVICES else ""
    paging = Paging(page_number(page), 0, HISTORY_PAGE, f"/console/audit/providers/{provider_id}",
                    {"service": service}, "Pages of the history")
    async with Api(request, who.token) as api:
        # The provider's own records verified: checking the whole council's (`assure verify`)
        # on every page load took a minute at 2,000 providers (bench.console_paint).
        (entries, paging), provider, verified, today = await asyncio.gather(
            _events(api, provider_id, service, paging), _provider(api, provider_id),
            _if_may(api, who, "/history/{provider_id}/verify", provider_id),
            council_today(api))
        if not entries and paging.number > paging.pages:  # past the end: show the last page
            entries, paging = await _events(api, provider_id, service,
                                            replace(paging, number=paging.pages))
        # After the history is read, so this read is among them.
        reads = await _if_may(api, who, "/history/{provider_id}/reads", provider_id)
    plain = Plain({provider_id: provider["name"]} if provider else {})
    return render(request, "audit/history.html", who, provider_id=provider_id,
                  provider=provider, name=plain.name(provider_id), paging=paging,
                  items=told(entries, plain, _when), service=service, services=SERVICES,
                  verified=verified, reads=_reads(reads), downloads=DOWNLOADS, date_form={},
                  date_problems={}, today=today)


async def _if_may(api: Api, who: Visitor, route: str, provider_id: str) -> Any:
    """The route's answer about the provider, or None if the person's role may not ask it."""
    return await api.get(route.format(provider_id=provider_id)) if may(who, route) else None


async def _events(api: Api, provider_id: str, service: str,
                  paging: Paging) -> tuple[list[dict[str, Any]], Paging]:
    """A page of the provider's history (of one service's events, if chosen), and the paging
    with how many events there are."""
    answer = await api.raw(f"/history/{provider_id}", service=service, limit=paging.size,
                           offset=paging.offset)
    return answer.json(), replace(paging, total=int(answer.headers["x-total-count"]))


def _reads(reads: list[dict[str, str]] | None) -> list[dict[str, Any]] | None:
    """Most recent first, each with its moment in UK time, and what was read in words ("state
    as at 20 January 2027", not the moment in ISO form)."""
    if reads is None:
        return None
    plain = Plain({})
    return [{**read, "what": plain.text(read["what"]), "when": _when(read["at"])}
            for read in reversed(reads)]


async def _provider(api: Api, provider_id: str) -> dict[str, Any] | None:
    try:
        return await api.get(f"/intake/providers/{provider_id}")
    except ApiError as error:
        if error.status == 404:
            return None  # a history can outlive, or come before, the register
        raise


def _when(text: str) -> Markup:
    return Markup('<time datetime="{}">{}</time>').format(text, uk_moment(text))


# The state as at a date ------------------------------------------------------------------------


@router.get("/audit/providers/{provider_id}/as-at")
async def as_at(request: Request, provider_id: str) -> Response:
    who = visitor(request)
    readers_only(who)
    typed = {part: request.query_params.get(f"as-at-{part}", "").strip() for part in DATE_PARTS}
    async with Api(request, who.token) as api:
        today = await council_today(api)
        provider = await _provider(api, provider_id)
    plain = Plain({provider_id: provider["name"]} if provider else {})
    page = {"provider_id": provider_id, "name": plain.name(provider_id), "today": today}
    if not any(f"as-at-{part}" in request.query_params for part in DATE_PARTS):
        # Arriving, not asking yet: the date form, no error.
        return render(request, "audit/as_at.html", who, date_form=typed, date_problems={},
                      state=None, **page)
    day, problems = read_date(typed, today)
    if problems:
        part, problem = next(iter(problems.items()))
        errors = [{"text": problem, "href": f"#as-at-{'day' if part == 'date' else part}"}]
        return render(request, "audit/as_at.html", who, status=422, errors=errors,
                      date_form=typed, date_problems=problems, state=None, **page)
    async with Api(request, who.token) as api:
        state = await api.get(f"/history/{provider_id}/as-at", date=day.isoformat())
    return render(request, "audit/as_at.html", who, date_form=typed, date_problems={}, day=day,
                  state=state, services=SERVICES, sections=[
                      (name, as_at_facts(found, plain))
                      for name, found in state["services"].items()], **page)


def read_date(typed: dict[str, str], today: date) -> tuple[date | None, dict[str, str]]:
    """The date as typed in a GOV.UK date input, or the problem with the part to fix first."""
    missing = [part for part in DATE_PARTS if not typed.get(part)]
    if len(missing) == len(DATE_PARTS):
        return None, {"date": "Enter the date"}
    if missing:
        return None, {missing[0]: f"The date must include a {missing[0]}"}
    if not all(typed[part].isdigit() for part in DATE_PARTS) or len(typed["year"]) != 4:
        return None, {"date": "The date must be a real date, like 27 3 2026"}
    try:
        day = date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
    except ValueError:
        return None, {"date": "The date must be a real date, like 27 3 2026"}
    if day > today:
        return None, {"date": "The date must be today or in the past"}
    return day, {}


# Downloads, streamed through the console -------------------------------------------------------


@router.get("/audit/providers/{provider_id}/download/{export}")
async def download(request: Request, provider_id: str, export: str) -> Response:
    who = visitor(request)
    readers_only(who)
    if export not in DOWNLOADS:
        raise ApiError(404, f"There is no {export} download: choose CSV, JSON Lines or PDF.")
    async with Api(request, who.token) as api:
        answer = await api.raw(f"/history/{provider_id}", format=export)
    return governance.passed_on(answer)
