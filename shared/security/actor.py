"""Who acts: the signed-in person, from the verified token, for every command.

Routes take `Actor` and record `actor.display` (and, where the rules need it, `actor.role`);
no request body names who acts. With sign-in switched off (a development machine) the
`X-Assure-User`, `X-Assure-Role` and `X-Assure-Provider` headers name the person instead,
and without them the actor is plainly an unauthenticated one, so nothing pretends otherwise.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from shared.domain import InvalidInput
from shared.security.identity import Identity, Role
from shared.security.signed_in import sign_in

# Who acts on a system with sign-in off when no header names anyone.
UNAUTHENTICATED = "Unauthenticated user (sign-in off)"


async def acting(
    request: Request,
    user: Annotated[str | None, Header(alias="X-Assure-User", min_length=1, max_length=200,
                                       description="Who acts, when sign-in is off")] = None,
    role: Annotated[Role | None, Header(alias="X-Assure-Role",
                                        description="Their role, when sign-in is off")] = None,
    provider: Annotated[str | None, Header(alias="X-Assure-Provider", min_length=1,
                                           max_length=64,
                                           description="A provider user's organisation, "
                                                       "when sign-in is off")] = None,
) -> Identity:
    """The signed-in person (the guard verified them); the headers only when sign-in is off."""
    identity = getattr(request.state, "identity", None)
    if identity is not None:
        return identity
    if getattr(request.app.state, "sign_in_required", False):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in: no signed-in person",
                            headers={"WWW-Authenticate": "Bearer"})
    role = role or Role.ADMINISTRATOR
    try:
        named = Identity(user or UNAUTHENTICATED, role,
                         provider if role is Role.PROVIDER_USER else None)
    except ValueError as error:
        raise HTTPException(422, f"X-Assure-Provider: {error}") from error
    sign_in(named)  # async, so the stamp is set in the request's own context
    return named


Actor = Annotated[Identity, Depends(acting)]


async def only_the_file(request: Request) -> None:
    """For an upload: refuses any form field but the file, so an old client's `attached_by` is
    answered with a 422 naming it, not silently ignored (who acts is the signed-in person)."""
    form = await request.form()  # parsed already for the route: this reads the cache
    extra = sorted(set(form.keys()) - {"file"})
    if extra:
        raise InvalidInput(f"{extra[0]} is not a field of this upload: only the file is sent, "
                           "and who sends it is the signed-in person", field=extra[0])
