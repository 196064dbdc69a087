"""The approvals queue: every serious step waiting for a second, authorised person (§8), for
the Head of Strategic Planning, a General Manager or the CSWO to approve or reject, oldest
first a page at a time, kept current without a reload. Nobody decides on their own proposal:
the API refuses, and the page says so in the GOV.UK error summary."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from assure.console.client import Api, ApiError
from assure.console.live import changes, stores_at
from assure.console.paging import Paging, page_number
from assure.console.rendering import humanise, render
from assure.console.session import Visitor, done, visitor
from shared.security.identity import SENIOR

router = APIRouter()

QUEUE = "/console/workspace/approvals"
POLICY = "assure:proportionality-policy"
DECISIONS = {"approve": "approved", "reject": "rejected"}
# Proposals to a page: on the national bench's data 714 were waiting, a page of 2.4 MB that
# took seconds to render (and, named one by one past the 200 the register answers at once,
# most of a minute; bench.console_paint).
PAGE_SIZE = 20


def _senior(request: Request) -> Visitor:
    """The signed-in person, if they may decide on serious steps."""
    who = visitor(request)
    if who.identity.role not in SENIOR:
        raise ApiError(403, "Only the Head of Strategic Planning, a General Manager or the "
                            "Chief Social Work Officer approve serious steps.")
    return who


# A request for each provider waiting took the queue past a minute on the national bench's
# data (2,000 providers), most loads failing (bench.console_paint).
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


def paging_of(page: str) -> Paging:
    return Paging(page_number(page), 0, PAGE_SIZE, QUEUE, {}, "Pages of the approvals queue")


async def waiting(api: Api, paging: Paging) -> tuple[list[dict[str, Any]], Paging]:
    """A page of the proposals waiting for a decision, oldest first, with their providers'
    names, and the paging with how many wait (past the end: the last page)."""
    found, paging = await _proposals(api, paging)
    if not found and paging.number > paging.pages:
        found, paging = await _proposals(api, replace(paging, number=paging.pages))
    names = await _provider_names(api, {row["provider_id"] for row in found})
    return [{**row, "provider_name": names[row["provider_id"]],
             "proposer": "The proportionality policy (automatic)" if row["proposed_by"] == POLICY
             else row["proposed_by"]} for row in found], paging


async def _proposals(api: Api, paging: Paging) -> tuple[list[dict[str, Any]], Paging]:
    answer = await api.raw("/escalation/escalations", status="proposed", limit=paging.size,
                           offset=paging.offset)
    return answer.json(), replace(paging, total=int(answer.headers["x-total-count"]))


def _live(paging: Paging) -> str:
    """Where the live region fetches again the page it shows."""
    return f"{QUEUE}/fragment" + (f"?page={paging.number}" if paging.number > 1 else "")


def _page(request: Request, who: Visitor, found: tuple[list[dict[str, Any]], Paging],
          status: int = 200, **context: Any) -> Response:
    rows, paging = found
    return render(request, "approvals.html", who, status=status, rows=rows, paging=paging,
                  seen=context.pop("seen", ""),
                  fragment=_live(paging), problems=context.pop("problems", {}),
                  typed=context.pop("typed", {}), live=not context.get("errors"), **context)


@router.get("/workspace/approvals")
async def approvals(request: Request, page: str = "") -> Response:
    who = _senior(request)
    before = await stores_at(request, ("escalation",))
    async with Api(request, who.token) as api:
        return _page(request, who, await waiting(api, paging_of(page)), seen=before)


@router.get("/workspace/approvals/fragment")
async def approvals_fragment(request: Request, page: str = "") -> Response:
    """The queue alone, for the page's live region to fetch again."""
    who = _senior(request)
    async with Api(request, who.token) as api:
        rows, paging = await waiting(api, paging_of(page))
    return render(request, "approvals_list.html", who, rows=rows, paging=paging, problems={},
                  typed={})


@router.get("/workspace/approvals/changes")
async def approvals_changes(request: Request) -> Response:
    """Says when escalation recorded something, for the queue to be fetched again."""
    return changes(request, _senior(request), "/escalation/escalations", ("escalation",))


@router.post("/workspace/approvals/{escalation_id}")
async def decide(request: Request, escalation_id: UUID,
                 decision: Annotated[str, Form()] = "",
                 reason: Annotated[str, Form()] = "",
                 page: Annotated[str, Form()] = "") -> Response:
    """Approves or rejects one proposal as the signed-in senior, with their reason; back to the
    page of the queue it was decided on."""
    who = _senior(request)
    key = str(escalation_id)
    paging = paging_of(page)
    async with Api(request, who.token) as api:
        try:
            proposal = await api.get(f"/escalation/escalations/{key}")
            await _decide(api, who, proposal, decision, reason)
        except ApiError as error:
            if error.status == 404:
                raise
            return await _refused(request, who, api, error, key, reason, paging)
        provider_id = proposal["provider_id"]
        name = (await _provider_names(api, {provider_id}))[provider_id]
    back = paging.href(paging.number) if paging.number > 1 else QUEUE
    return done(back, f"{humanise(proposal['step'])} of {name} {DECISIONS[decision]}")


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
                   reason: str, paging: Paging) -> Response:
    """The queue's page again, the refusal in the error summary and beside the proposal's
    reason."""
    problems = error.problems()
    if "approver" in problems:  # four eyes (§8): the aggregate refused a self-approval
        text = ("You proposed this step: a second person with the authority must approve or "
                "reject it")
    else:
        text = problems.get("reason") or next(iter(problems.values()))
    found = await waiting(api, paging)
    shown = any(str(row["escalation_id"]) == key for row in found[0])
    return _page(request, who, found, status=error.status if error.status in (403, 409) else 422,
                 errors=[{"text": text, "href": f"#reason-{key}" if shown else "#approvals"}],
                 problems={key: text}, typed={key: reason})
