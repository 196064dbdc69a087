"""Other councils (issue 20): the agreements to share provider intelligence, what arrived from
which council, and what this council shared, when and under which agreement. Seniors approve,
resume and end agreements; officers may suspend one at once; auditors read it all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from assure.console.client import Api, ApiError
from assure.console.rendering import render
from assure.console.session import Visitor, done, visitor
from shared.security.identity import SENIOR, Role

router = APIRouter()

PAGE = "/console/workspace/sharing"
SHOWN = 50  # the newest arrivals and shared facts; the API pages through the rest
READERS = {Role.COMMISSIONING_OFFICER, Role.COMMISSIONING_MANAGER, *SENIOR, Role.AUDITOR,
           Role.ADMINISTRATOR}
CASEWORK = {Role.COMMISSIONING_OFFICER, Role.COMMISSIONING_MANAGER, *SENIOR}
DONE = {"approve": "approved", "suspend": "suspended", "resume": "resumed", "end": "ended"}


def _reader(request: Request) -> Visitor:
    who = visitor(request)
    if who.identity.role not in READERS:
        raise ApiError(403, "Agreements with other councils are for commissioning officers, "
                            "managers, seniors and auditors.")
    return who


def steps_for(agreement: dict[str, Any], role: Role) -> list[str]:
    """What the signed-in person may do to an agreement now (the API checks it again)."""
    status, senior = agreement["status"], role in SENIOR
    found = []
    if senior and status in ("proposed", "awaiting-approval"):
        found.append("approve")
    if role in CASEWORK and status == "active":
        found.append("suspend")
    if senior and status == "suspended":
        found.append("resume")
    if senior and status != "ended":
        found.append("end")
    return found


async def _page(request: Request, who: Visitor, api: Api, status: int = 200,
                **context: Any) -> Response:
    agreements = await api.get("/intake/sharing/agreements")
    return render(
        request, "sharing.html", who, status=status, setup=await api.get("/intake/sharing"),
        agreements=[{**a, "steps": steps_for(a, who.identity.role)} for a in agreements],
        arrivals=await api.get("/intake/sharing/arrivals", limit=SHOWN),
        shared=await api.get("/intake/sharing/shared", limit=SHOWN),
        problems=context.pop("problems", {}), **context)


@router.get("/workspace/sharing")
async def sharing(request: Request) -> Response:
    who = _reader(request)
    async with Api(request, who.token) as api:
        return await _page(request, who, api)


@router.post("/workspace/sharing/{reference}")
async def decide(request: Request, reference: str, step: Annotated[str, Form()] = "",
                 reason: Annotated[str, Form()] = "") -> Response:
    """One step on one agreement, as the signed-in person, with their reason."""
    who = _reader(request)
    async with Api(request, who.token) as api:
        try:
            if step not in DONE:
                raise ApiError(422, {"detail": "Choose what to do", "field": "reason"})
            if step in ("suspend", "resume", "end") and not reason.strip():
                raise ApiError(422, {"detail": f"Enter the reason to {step} the agreement",
                                     "field": "reason"})
            found = await api.post(f"/intake/sharing/agreements/{reference}/{step}",
                                   {"reason": reason.strip()})
        except ApiError as error:
            if error.status == 404:
                raise
            text = next(iter(error.problems().values()))
            return await _page(request, who, api, status=error.status,
                               errors=[{"text": text, "href": f"#reason-{reference}"}],
                               problems={reference: text})
    return done(PAGE, f"The agreement with {found['partner_name']} was {DONE[step]}")
