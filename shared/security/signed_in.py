"""Who is signed in for the request being handled, stamped on every event it records.

The guard (and, with sign-in off, the `Actor` dependency) sets it for the request; the store's
mapper (`shared/chain.py`) writes it into each event saved while it is set, inside the hash
chain, so a history says who acted in which role for every event a person caused, not only for
those whose command names an actor. Events a service records on its own (a message consumed, a
scheduled job) carry none: no person acted in them.
"""

from __future__ import annotations

from contextvars import ContextVar

from shared.security.identity import Identity

FIELD = "signed_in"  # the key of a stored event's state that holds the stamp
_SIGNED_IN: ContextVar[Identity | None] = ContextVar("assure_signed_in", default=None)


def sign_in(identity: Identity) -> None:
    """The person acting in the request being handled (an async dependency sets it, so the
    route, run in a worker thread with a copy of the request's context, sees it)."""
    _SIGNED_IN.set(identity)


def stamp() -> dict[str, str] | None:
    """What an event records of the signed-in person: subject, display name and role."""
    identity = _SIGNED_IN.get()
    if identity is None:
        return None
    return {"user": identity.user, "name": identity.display, "role": identity.role.value}
