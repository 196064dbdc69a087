"""The approvals queue: every serious step waiting for a second, authorised person (§8), for
the Head of Strategic Planning, a General Manager or the CSWO to approve or reject, kept
current without a reload. Nobody decides on their own proposal: the API refuses, and the page
says so in the GOV.UK error summary."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from assure.console.client import Api, ApiError
from assure.console.live import changes
from assure.console.rendering import humanise, render
from assure.console.session import Visitor, done, visitor
from shared.security.identity import SENIOR

router = APIRouter()

QUEUE = "/console/workspace/approvals"
POLICY = "assure:proportionality-policy"
DECISIONS = {"approve": "approved", "reject": "rejected"}


def _senior(request: Request) -> Visitor:
    """The signed-in person, if they may decide on serious steps."""
    who = visitor(request)
    if who.identity.role not in SENIOR:
        raise ApiError(403, "Only the Head of Strategic Planning, a General Manager or the "
                            "Chief Social Work Officer approve serious steps.")
    return who


# More providers than this waiting are named from one list of every provider: on the national
# bench's data (2,000 providers) a request for each took the queue past a minute, most loads
# failing; from the list, 3.6 s (bench.console_paint).
async def _provider_names(api: Api, provider_ids: set[str]) -> dict[str, str]:
    """The waiting providers' names, in one request for those asked (a role that may not list
    the register asks one by one); a provider registered elsewhere is named by its id."""
    names: dict[str, str] = {}
    if provider_ids:
        with contextlib.suppress(ApiError):
            names = {p["provider_id"]: p["name"] for p in await api.get(
                "/intake/providers", provider_id=sorted(provider_ids))}
    for provider_id in sorted(provider_ids - names.keys()):
        try:
            names[provider_id] = (await api.get(f"/intake/providers/{provider_id}"))["name"]
        except ApiError:
            names[provider_id] = provider_id  # registered elsewhere: its id says who it is
    return names


async def waiting(api: Api) -> list[dict[str, Any]]:
    """Proposals waiting for a decision, oldest first, with their providers' names."""
    found = await api.get("/escalation/escalations", status="proposed")
    names = await _provider_names(api, {row["provider_id"] for row in found})
    return [{**row, "provider_name": names[row["provider_id"]],
             "proposer": "The proportionality policy (automatic)" if row["proposed_by"] == POLICY
             else row["proposed_by"]} for row in found]


def _page(request: Request, who: Visitor, rows: list[dict[str, Any]], status: int = 200,
          **context: Any) -> Response:
    return render(request, "approvals.html", who, status=status, rows=rows,
                  problems=context.pop("problems", {}), typed=context.pop("typed", {}),
                  live=not context.get("errors"), **context)


@router.get("/workspace/approvals")
async def approvals(request: Request) -> Response:
    who = _senior(request)
    async with Api(request, who.token) as api:
        return _page(request, who, await waiting(api))


@router.get("/workspace/approvals/fragment")
async def approvals_fragment(request: Request) -> Response:
    """The queue alone, for the page's live region to fetch again."""
    who = _senior(request)
    async with Api(request, who.token) as api:
        rows = await waiting(api)
    return render(request, "approvals_list.html", who, rows=rows, problems={}, typed={})


@router.get("/workspace/approvals/changes")
async def approvals_changes(request: Request) -> Response:
    """Says when escalation recorded something, for the queue to be fetched again."""
    return changes(request, _senior(request), "/escalation/escalations", ("escalation",))


@router.post("/workspace/approvals/{escalation_id}")
async def decide(request: Request, escalation_id: UUID,
                 decision: Annotated[str, Form()] = "",
                 reason: Annotated[str, Form()] = "") -> Response:
    """Approves or rejects one proposal as the signed-in senior, with their reason."""
    who = _senior(request)
    key = str(escalation_id)
    async with Api(request, who.token) as api:
        try:
            proposal = await api.get(f"/escalation/escalations/{key}")
            await _decide(api, who, proposal, decision, reason)
        except ApiError as error:
            if error.status == 404:
                raise
            return await _refused(request, who, api, error, key, reason)
        provider_id = proposal["provider_id"]
        name = (await _provider_names(api, {provider_id}))[provider_id]
    return done(QUEUE, f"{humanise(proposal['step'])} of {name} {DECISIONS[decision]}")


async def _decide(api: Api, who: Visitor, proposal: dict[str, Any], decision: str,
                  reason: str) -> None:
    """Checks the form, then asks the API to record the decision (which checks the rest)."""
    if decision not in DECISIONS:
        problem = f"Choose whether to approve or reject the {proposal['step']}"
    elif decision == "reject" and not reason.strip():
        problem = f"Enter the reason for rejecting the {proposal['step']}"
    else:
        body = {"reason": reason.strip()}  # who decides, in which role: the token says
        await api.post(f"/escalation/escalations/{proposal['escalation_id']}/{decision}", body)
        return
    raise ApiError(422, {"detail": problem, "field": "reason"})


async def _refused(request: Request, who: Visitor, api: Api, error: ApiError, key: str,
                   reason: str) -> Response:
    """The queue again, the refusal in the error summary and beside the proposal's reason."""
    problems = error.problems()
    if "approver" in problems:  # four eyes (§8): the aggregate refused a self-approval
        text = ("You proposed this step: a second person with the authority must approve or "
                "reject it")
    else:
        text = problems.get("reason") or next(iter(problems.values()))
    rows = await waiting(api)
    shown = any(str(row["escalation_id"]) == key for row in rows)
    return _page(request, who, rows, status=error.status if error.status in (403, 409) else 422,
                 errors=[{"text": text, "href": f"#reason-{key}" if shown else "#approvals"}],
                 problems={key: text}, typed={key: reason})
