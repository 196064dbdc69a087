"""The officers' workspace: the providers at a glance (`dashboard`), the return log with
allocation and its exports, a provider's page (score trend, issues and risk log, interventions,
timeline) and the intervention actions. (The approvals queue and the inbox are `approvals` and
`inbox`; a provider's monitoring reports are served by their own module.)"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from assure.console import charts, dashboard
from assure.console.client import Api, ApiError, council_today
from assure.console.navigation import CASEWORK
from assure.console.paging import Paging, page_number
from assure.console.rendering import render
from assure.console.return_form import form_title
from assure.console.session import Visitor, done, visitor
from assure.console.workspace_forms import (
    ACTIONS,
    Action,
    Answers,
    blank,
    read,
    refusal,
    subject,
)
from assure.console.workspace_views import (
    chart_points,
    council_calendar,
    deadlines,
    score_points,
    unless_refused,
    working_days_left,
)
from shared.security.identity import Role

router = APIRouter()
router.include_router(dashboard.router)
# Who may allocate returns (the API's RETURNS_OFFICE): the buttons are shown only to them.
ALLOCATORS = {Role.CONTRACT_COORDINATOR, Role.COMMISSIONING_OFFICER}
STATUSES = ("requested", "overdue", "submitted", "late")
RETURNS_PAGE = 50  # rows of the return log to a page


# The return log ------------------------------------------------------------------------------

def _log_query(status: str, provider_id: str, mine: str, who: Visitor) -> dict[str, str]:
    return {"status": status if status in STATUSES else "", "provider_id": provider_id,
            "allocated_to": who.identity.display if mine else ""}


@router.get("/workspace/returns")
async def return_log(request: Request, status: str = "", provider_id: str = "",
                     mine: str = "", page: str = "") -> Response:
    who = visitor(request)
    query = _log_query(status, provider_id, mine, who)
    shown = {"status": query["status"], "provider_id": provider_id, "mine": mine}
    paging = Paging(page_number(page), 0, RETURNS_PAGE, "/console/workspace/returns", shown,
                    "Pages of the return log")
    async with Api(request, who.token) as api:
        rows, paging = await _log_page(api, query, paging)
        if not rows and paging.number > paging.pages:  # past the end: show the last page
            rows, paging = await _log_page(api, query, replace(paging, number=paging.pages))
    return render(request, "workspace/returns.html", who, rows=rows, query=query, mine=mine,
                  form_title=form_title,
                  statuses=STATUSES, may_allocate=who.identity.role in ALLOCATORS,
                  paging=paging, export_query=urlencode({k: v for k, v in shown.items() if v}))


async def _log_page(api: Api, query: dict[str, str],
                    paging: Paging) -> tuple[list[dict[str, Any]], Paging]:
    """One page of the return log, and the paging with the total the API counted."""
    answer = await api.raw("/intake/return-log", **query, limit=paging.size,
                           offset=paging.offset)
    return answer.json(), replace(paging, total=int(answer.headers["x-total-count"]))


@router.get("/workspace/returns/export.{kind}")
async def export_return_log(request: Request, kind: Literal["csv", "xlsx"], status: str = "",
                            provider_id: str = "", mine: str = "") -> Response:
    """The API's own export, passed through: same file, type and name."""
    who = visitor(request)
    async with Api(request, who.token) as api:
        answer = await api.raw("/intake/return-log", format=kind,
                               **_log_query(status, provider_id, mine, who))
    return Response(answer.content, media_type=answer.headers["content-type"], headers={
        "Content-Disposition": answer.headers["content-disposition"]})


@router.post("/workspace/returns/{request_id}/{change}")
async def allocate(request: Request, request_id: UUID,
                   change: Literal["allocate", "release"],
                   back: Annotated[str, Form()] = "") -> Response:
    who = visitor(request)
    async with Api(request, who.token) as api:
        await api.post(f"/intake/return-log/{request_id}/{change}", {})
    said = "allocated to you" if change == "allocate" else "released for someone else to take"
    to = back if back.startswith("/console/workspace/returns") else "/console/workspace/returns"
    return done(to, f"Return {said}")


# A provider ----------------------------------------------------------------------------------

async def _provider(api: Api, provider_id: str) -> dict[str, Any]:
    at = f"/providers/{provider_id}"
    provider, risk, scores, log, interventions, timeline = await asyncio.gather(
        api.get(f"/intake{at}"),
        unless_refused(api.get(f"/risk{at}/risk")),
        unless_refused(api.get(f"/risk{at}/scores")),
        unless_refused(api.get(f"/risk{at}/log")),
        unless_refused(api.get(f"/escalation{at}/interventions")),
        unless_refused(api.get(f"/escalation{at}/timeline")),
    )
    # A part refused is None, and the page says the role does not show it (never "none").
    return {"provider": provider, "risk": risk, "log": log, "interventions": interventions,
            "timeline": timeline, "scores": None if scores is None else score_points(scores)}


@router.get("/workspace/providers/{provider_id}")
async def provider_page(request: Request, provider_id: str) -> Response:
    who = visitor(request)
    async with Api(request, who.token) as api:
        found, today = await asyncio.gather(_provider(api, provider_id), council_today(api))
    calendar = council_calendar(request.app.state.console_settings)
    for intervention in found["interventions"] or []:
        intervention["deadlines"] = [
            (d, working_days_left(calendar, today, d.due)) for d in deadlines(intervention)]
    chart = charts.line(f"Risk score of {found['provider']['name']} by return period",
                        chart_points(found["scores"] or []))
    return render(request, "workspace/provider.html", who, chart=chart, form_title=form_title,
                  **found)


# An intervention and its actions -------------------------------------------------------------

async def _intervention_page(request: Request, who: Visitor, intervention_id: UUID,
                             status: int = 200, acting: Action | None = None,
                             answers: Answers | None = None) -> Response:
    async with Api(request, who.token) as api:
        intervention, today = await asyncio.gather(
            api.get(f"/escalation/interventions/{intervention_id}"), council_today(api))
        provider = await api.get(f"/intake/providers/{intervention['provider_id']}")
    calendar = council_calendar(request.app.state.console_settings)
    due = [(d, working_days_left(calendar, today, d.due)) for d in deadlines(intervention)]
    typed = {key: blank(action, today) for key, action in ACTIONS.items()}
    if acting and answers:
        typed[acting.key] = answers.typed
    subjects = {key: subject(action, intervention) for key, action in ACTIONS.items()}
    # Only what the rules accept today (escalation's `actions_now`), the rarer under a
    # disclosure: an officer sees the next thing to do, not every command there is.
    offered = [a for a in ACTIONS.values() if a.offered(intervention, subjects[a.key])]
    return render(
        request, "workspace/intervention.html", who, status=status, intervention=intervention,
        provider=provider, deadlines=due, typed=typed, subjects=subjects,
        actions=[a for a in offered if not a.more], more_actions=[a for a in offered if a.more],
        acting=acting.key if acting else None, problems=answers.problems if answers else {},
        missing=answers.missing if answers else {},
        errors=answers.errors() if answers else None,
        may_act=who.identity.role in CASEWORK and intervention["status"] == "open")


@router.get("/workspace/interventions/{intervention_id}")
async def intervention_page(request: Request, intervention_id: UUID) -> Response:
    return await _intervention_page(request, visitor(request), intervention_id)


def _api_path(action: Action, form: dict[str, str]) -> str:
    if not action.of:
        return action.api
    key = action.subject_key
    try:
        return action.api.format(**{key: UUID(form.get(key, ""))})
    except ValueError as error:
        what = "breach notice" if key == "notice_id" else "improvement plan"
        raise ApiError(404, f"there is no such {what}") from error


@router.post("/workspace/interventions/{intervention_id}/{action_key}")
async def act(request: Request, intervention_id: UUID, action_key: str) -> Response:
    who = visitor(request)
    action = ACTIONS.get(action_key)
    if action is None:
        raise ApiError(404, f"there is no action called {action_key}")
    form = {k: str(v) for k, v in (await request.form()).items()}
    answers = read(action, form)
    if not answers.problems:
        try:
            async with Api(request, who.token) as api:
                body = answers.body
                if action.subject_in_body:
                    body = {**body, action.subject_in_body: form.get(action.subject_key, "")}
                answer = await api.post(f"/escalation/interventions/{intervention_id}/"
                                        f"{_api_path(action, form)}", body)
            return done(f"/console/workspace/interventions/{intervention_id}",
                        action.done(answer))
        except ApiError as error:
            if error.status not in (409, 422):
                raise
            refusal(action, answers, error.problems())
    return await _intervention_page(request, who, intervention_id, 422, action, answers)
