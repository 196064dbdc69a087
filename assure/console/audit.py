"""The auditors' and committee's views: a provider's whole history, its state as at a date,
its downloads, who has read it and whether every store's hash chains are intact; and the
governance report (in `governance`)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from assure.console import governance
from assure.console.client import Api, ApiError, council_today
from assure.console.rendering import money, render
from assure.console.session import Visitor, visitor
from assure.exports import UK
from shared.contracts.envelope import PROVIDER_ID_PATTERN
from shared.eventstore import WHO
from shared.security.permissions import rule_for

router = APIRouter()
router.include_router(governance.router)

DOWNLOADS = {"csv": "CSV (spreadsheet)", "jsonl": "JSON Lines (one event a line)",
             "pdf": "PDF (to print or file)"}
SERVICES = {"intake": "Intake (providers, contracts, returns)", "risk": "Risk",
            "escalation": "Escalation (interventions)", "notify": "Notifications"}
# Data not worth a column: identifiers for machines, whole answers and message bodies (they are
# in the downloads), and who and why (their own columns).
HIDDEN = {"provider_id", "correlation_id", "causation_id", "answers", "indicators", "body",
          "evidence", "submission_key", "request_digest", "addresses", "lease_until",
          "about_event_id", "regulator_service_id", "reason", "summary", "sequence",
          "attempt", "signed_in", "traceparent"} | set(WHO)  # who acted has its own column
DATE_PARTS = ("day", "month", "year")


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
async def history(request: Request, provider_id: str, service: str = "") -> Response:
    who = visitor(request)
    readers_only(who)
    async with Api(request, who.token) as api:
        entries = await api.get(f"/history/{provider_id}")
        provider = await _provider(api, provider_id)
        verified = await api.get("/verify") if may(who, "/verify") else None
        reads = await api.get(f"/history/{provider_id}/reads") if may(
            who, "/history/{provider_id}/reads") else None
        today = await council_today(api)
    shown = [entry for entry in entries if entry["service"] == service] if service in SERVICES \
        else entries
    return render(request, "audit/history.html", who, provider_id=provider_id,
                  provider=provider, rows=[_row(entry) for entry in shown], total=len(entries),
                  service=service if service in SERVICES else "", services=SERVICES,
                  verified=verified, reads=_reads(reads), downloads=DOWNLOADS, date_form={},
                  date_problems={}, today=today)


def _reads(reads: list[dict[str, str]] | None) -> list[dict[str, Any]] | None:
    """Most recent first, each with its moment in UK time."""
    if reads is None:
        return None
    return [{**read, "when": Markup('<time datetime="{}">{}</time>').format(
        read["at"], moment(read["at"]))} for read in reversed(reads)]


async def _provider(api: Api, provider_id: str) -> dict[str, Any] | None:
    try:
        return await api.get(f"/intake/providers/{provider_id}")
    except ApiError as error:
        if error.status == 404:
            return None  # a history can outlive, or come before, the register
        raise


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    return {"time": Markup('<time datetime="{}">{}</time>').format(entry["time"],
                                                                   moment(entry["time"])),
            "service": entry["service"].capitalize(),
            "event": f"{words(entry['aggregate'])}: {words(entry['event']).lower()}",
            "who": entry.get("who") or "", "why": entry.get("why") or "",
            "data": summary(entry.get("data") or {})}


def moment(text: str) -> str:
    """23 Nov 2026, 4:18:51pm, UK time: auditors need the seconds."""
    when = datetime.fromisoformat(text).astimezone(UK)
    hour = when.hour % 12 or 12
    return f"{when.day} {when:%b %Y}, {hour}:{when:%M:%S}{'am' if when.hour < 12 else 'pm'}"


def words(name: str) -> str:
    """RiskProfile → Risk profile; ConcernRaised → Concern raised."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return spaced[:1].upper() + spaced[1:].lower()


def summary(data: dict[str, Any], most: int = 4) -> str:
    """What the event says, briefly: its other fields as "name: value"."""
    shown = []
    for key, value in data.items():
        if key in HIDDEN or value in (None, "", [], {}):
            continue
        text = _plain(value, key) if not isinstance(value, (list, dict)) else \
            f"{len(value)} items"
        shown.append(f"{key.replace('_', ' ')}: {text[:60]}")
    return "; ".join(shown[:most])


# The state as at a date ------------------------------------------------------------------------


@router.get("/audit/providers/{provider_id}/as-at")
async def as_at(request: Request, provider_id: str) -> Response:
    who = visitor(request)
    readers_only(who)
    typed = {part: request.query_params.get(f"as-at-{part}", "").strip() for part in DATE_PARTS}
    async with Api(request, who.token) as api:
        today = await council_today(api)
    if not any(f"as-at-{part}" in request.query_params for part in DATE_PARTS):
        # Arriving, not asking yet: the date form, no error.
        return render(request, "audit/as_at.html", who, provider_id=provider_id,
                      date_form=typed, date_problems={}, state=None, today=today)
    day, problems = read_date(typed, today)
    if problems:
        part, problem = next(iter(problems.items()))
        errors = [{"text": problem, "href": f"#as-at-{'day' if part == 'date' else part}"}]
        return render(request, "audit/as_at.html", who, status=422, errors=errors,
                      provider_id=provider_id, date_form=typed, date_problems=problems,
                      state=None, today=today)
    async with Api(request, who.token) as api:
        state = await api.get(f"/history/{provider_id}/as-at", date=day.isoformat())
    return render(request, "audit/as_at.html", who, provider_id=provider_id, date_form=typed,
                  date_problems={}, day=day, state=state, services=SERVICES,
                  sections=[(name, facts(found)) for name, found in state["services"].items()],
                  today=today)


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


def facts(found: dict[str, Any]) -> list[dict[str, Any]]:
    """A service's state as summary-list rows: each key, its value in words."""
    return [{"key": {"text": key.replace("_", " ").capitalize()},
             "value": {"html": value_html(value)}} for key, value in found.items()]


def value_html(value: Any) -> str:
    """Plain values as text; a record as its fields; a list of records one to a paragraph."""
    if value in (None, "", [], {}):
        return "None" if value in (None, "") else "None recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return "; ".join(f"{escape(k.replace('_', ' '))}: {escape(_plain(v, k))}"
                         for k, v in value.items())
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            counted = Counter(_plain(item) for item in value)
            return str(escape(", ".join(f"{item} ({count})" if count > 1 else item
                                        for item, count in counted.items())))
        return "".join(f'<p class="govuk-body">{value_html(item)}</p>' for item in value)
    return str(escape(_plain(value)))


def _plain(value: Any, key: str = "") -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith("value"):
        return money(value)
    return str(value)


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
