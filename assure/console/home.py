"""Signing in and out of the console, the start page for each role, and the statement."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assure.console import council, session
from assure.console.navigation import ROLE_NAMES, start_page
from assure.console.rendering import render
from assure.headers import policy_sending_forms_to
from assure.security import from_this_machine
from shared.security.identity import Identity, Role

router = APIRouter()


@router.get("/")
def start(request: Request) -> Response:
    return RedirectResponse(start_page(session.visitor(request).identity.role), 303)


def _roles(chosen: str | None) -> list[dict[str, object]]:
    return [{"value": role.value, "text": ROLE_NAMES[role], "checked": role.value == chosen}
            for role in Role]


def _safe_next(wanted: str | None) -> str:
    # Only a page of the console: never an address elsewhere (an open redirect).
    return wanted if wanted and wanted.startswith("/console/") and "//" not in wanted else ""


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    settings = request.app.state.console_settings
    council_sign_in = session.council_sign_in(settings)
    page = render(request, "sign_in.html", available=session.sign_in_available(settings),
                  council=council_sign_in, next=_safe_next(next), form={}, problems={},
                  roles=_roles(None))
    if council_sign_in:
        issuer = urlsplit(settings.auth_issuer)
        page.headers["Content-Security-Policy"] = policy_sending_forms_to(
            f"{issuer.scheme}://{issuer.netloc}")
    return page


@router.post("/sign-in")
def sign_in(request: Request, user: Annotated[str, Form()] = "",
            role: Annotated[str, Form()] = "", provider_id: Annotated[str, Form()] = "",
            next: Annotated[str, Form()] = "") -> Response:
    settings = request.app.state.console_settings
    refused = council.too_many(request)
    if refused is not None:
        return refused
    if session.council_sign_in(settings):
        return council.to_the_identity_provider(request, _safe_next(next))
    if not session.sign_in_available(settings):
        return render(request, "message.html", status=404, heading="Sign in elsewhere",
                      message="This council signs people in through its identity provider.")
    if not from_this_machine(request):  # the development issuer is for this machine's users
        return render(request, "message.html", status=403, heading="Sign in elsewhere",
                      message="Development sign-in is only for people on this machine.")
    problems = _sign_in_problems(user, role, provider_id)
    if problems:
        errors = [{"text": text, "href": f"#{field}"} for field, text in problems.items()]
        return render(request, "sign_in.html", status=422, available=True, errors=errors,
                      problems=problems, next=_safe_next(next), roles=_roles(role),
                      form={"user": user, "provider_id": provider_id})
    identity = Identity(user.strip(), Role(role), provider_id.strip() or None)
    response = RedirectResponse(_safe_next(next) or start_page(identity.role), 303)
    session.start(response, request, session.issue(settings, identity))
    return response


def _sign_in_problems(user: str, role: str, provider_id: str) -> dict[str, str]:
    problems = {}
    if not user.strip():
        problems["user"] = "Enter your name"
    elif len(user) > 200:
        problems["user"] = "Your name must be 200 characters or fewer"
    if role not in set(Role):
        problems["role"] = "Select your role"
    elif (role == Role.PROVIDER_USER) != bool(provider_id.strip()):
        problems["provider_id"] = ("Enter your organisation’s provider id"
                                   if role == Role.PROVIDER_USER else
                                   "Leave the provider id empty: only provider users have one")
    return problems


@router.get("/sign-out")
def sign_out(request: Request) -> Response:
    """Ends the session here, then at the council's identity provider if it offers that."""
    ended_here = RedirectResponse("/console/sign-in", 303)
    there = council.end_session_address(request, session.end(request, ended_here))
    if there is None:
        return ended_here
    response = RedirectResponse(there, 303)
    response.delete_cookie(session.COOKIE, path=session.CONSOLE)
    return response


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    try:
        who = session.visitor(request)
    except session.SignInNeeded:
        who = None
    return render(request, "accessibility.html", who)
