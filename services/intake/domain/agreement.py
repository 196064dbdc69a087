"""A data-sharing agreement with another council (issue 20), as this council holds it.

Each council keeps its own copy under the same reference. Ours starts either as our proposal
(`Proposed`: an officer here, then a senior here who is not the proposer approves it and it is
offered to the partner) or as the partner's offer (`Offered`: proposed and approved there, a
senior here approves it). It is in force when both councils have approved it, from its first
day to its last; either council may suspend it (and resume what it suspended) or end it, and
each step is told to the other council so both histories hold every step.

Terms are always in this council's view: what we `send` the partner and what we `receive` from
it, for which regulated services (the regulator's service ids both councils know), from when
to when, and for which categories free text may travel.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import InvalidInput, Refused, stable_id
from shared.vocabulary import FREE_TEXT_CATEGORIES, Category

# Roles that may approve an agreement: those who approve the serious steps (§8).
APPROVING_ROLES = frozenset({"head_of_strategic_planning", "general_manager", "cswo"})
SERVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SERVICES = 5000


class Status(StrEnum):
    PROPOSED = "proposed"  # ours, waiting for a senior here
    OFFERED = "offered"  # approved here, waiting for the partner council
    AWAITING_APPROVAL = "awaiting-approval"  # the partner's offer, waiting for a senior here
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class AgreementNotPending(Refused):
    """Only a proposal or an offer waiting for us is approved."""


class SelfApprovalRefused(Refused):
    """Proposing and approving an agreement are two people (§8)."""


class RoleMayNotApprove(Refused):
    """Only the Head of Strategic Planning, a General Manager or the CSWO approve."""


class AgreementNotInForce(Refused):
    """Only an agreement in force is suspended; only a suspended one resumed."""


class AgreementEnded(Refused):
    """An ended agreement stays ended: a new one is proposed instead."""


def check_terms(sends: list[str], receives: list[str], service_ids: list[str],
                free_text: list[str], starts_on: date, ends_on: date | None) -> None:
    """What makes an agreement's terms say something definite (refusals name the field)."""
    if not sends and not receives:
        raise InvalidInput("an agreement shares at least one category of fact", field="sends")
    if not service_ids:
        raise InvalidInput("name the regulated services it covers by their regulator's "
                           "service ids", field="service_ids")
    if len(service_ids) > MAX_SERVICES:
        raise InvalidInput(f"an agreement covers at most {MAX_SERVICES} services",
                           field="service_ids")
    bad = next((s for s in service_ids if not SERVICE_ID.match(s)), None)
    if bad is not None:
        raise InvalidInput(f"{bad[:40]!r} is not a regulator's service id", field="service_ids")
    wrong = sorted(set(free_text) - (FREE_TEXT_CATEGORIES & {*sends, *receives}))
    if wrong:
        raise InvalidInput(f"free text cannot travel with {', '.join(wrong)}: only with "
                           "breach notices and serious concerns the agreement shares",
                           field="free_text")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("an agreement cannot end before it starts", field="ends_on")


def _sorted(categories: list[str]) -> list[str]:
    return sorted({Category(c).value for c in categories})


class Agreement(Aggregate):
    """Which facts flow between this council and a partner, for which services, and when."""

    @staticmethod
    def create_id(reference: str) -> UUID:
        return stable_id("sharing-agreement", reference)

    class Proposed(Aggregate.Created):
        reference: str
        partner: str
        partner_name: str
        sends: list[str]
        receives: list[str]
        service_ids: list[str]
        free_text: list[str]
        starts_on: date
        ends_on: date | None
        proposed_by: str
        role: str
        correlation_id: str

    class Offered(Aggregate.Created):
        reference: str
        partner: str
        partner_name: str
        sends: list[str]
        receives: list[str]
        service_ids: list[str]
        free_text: list[str]
        starts_on: date
        ends_on: date | None
        their_proposer: str | None
        by: str  # the partner's senior who approved it there
        role: str
        at: datetime
        correlation_id: str

    def __init__(self, reference: str, partner: str, partner_name: str, sends: list[str],
                 receives: list[str], service_ids: list[str], free_text: list[str],
                 starts_on: date, ends_on: date | None, correlation_id: str,
                 proposed_by: str | None = None, role: str | None = None,
                 their_proposer: str | None = None, by: str | None = None,
                 at: datetime | None = None) -> None:
        self.reference, self.partner, self.partner_name = reference, partner, partner_name
        self.sends, self.receives = list(sends), list(receives)
        self.service_ids, self.free_text = list(service_ids), list(free_text)
        self.starts_on, self.ends_on = starts_on, ends_on
        self.proposed_here = proposed_by is not None
        self.proposed_by = proposed_by or their_proposer
        self.status = Status.PROPOSED if self.proposed_here else Status.AWAITING_APPROVAL
        self.approved_here_by: str | None = None
        self.approved_there_by: str | None = None if self.proposed_here else by
        self.suspended_here = False
        self.ended_reason: str | None = None

    @classmethod
    def propose(cls, reference: str, partner: str, partner_name: str, sends: list[str],
                receives: list[str], service_ids: list[str], free_text: list[str],
                starts_on: date, ends_on: date | None, proposed_by: str, role: str,
                correlation_id: str) -> Agreement:
        """An officer here proposes an agreement; a senior here must approve it."""
        check_terms(sends, receives, service_ids, free_text, starts_on, ends_on)
        return cls._create(
            cls.Proposed, id=cls.create_id(reference), reference=reference, partner=partner,
            partner_name=partner_name, sends=_sorted(sends), receives=_sorted(receives),
            service_ids=sorted(set(service_ids)), free_text=_sorted(free_text),
            starts_on=starts_on, ends_on=ends_on, proposed_by=proposed_by, role=role,
            correlation_id=correlation_id)

    @classmethod
    def offered(cls, reference: str, partner: str, partner_name: str, sends: list[str],
                receives: list[str], service_ids: list[str], free_text: list[str],
                starts_on: date, ends_on: date | None, their_proposer: str | None, by: str,
                role: str, at: datetime, correlation_id: str) -> Agreement:
        """The partner's offer, proposed and approved there, arrives here (terms in our view)."""
        check_terms(sends, receives, service_ids, free_text, starts_on, ends_on)
        return cls._create(
            cls.Offered, id=cls.create_id(reference), reference=reference, partner=partner,
            partner_name=partner_name, sends=_sorted(sends), receives=_sorted(receives),
            service_ids=sorted(set(service_ids)), free_text=_sorted(free_text),
            starts_on=starts_on, ends_on=ends_on, their_proposer=their_proposer, by=by,
            role=role, at=at, correlation_id=correlation_id)

    # Our own steps -------------------------------------------------------------------------

    def approve(self, approver: str, role: str, correlation_id: str) -> None:
        """A senior here consents for this council: a second person if we proposed it."""
        if self.status not in (Status.PROPOSED, Status.AWAITING_APPROVAL):
            raise AgreementNotPending(f"agreement {self.reference} is {self.status.value}: "
                                      "there is nothing waiting for approval here")
        if role not in APPROVING_ROLES:
            raise RoleMayNotApprove(f"the role {role!r} may not approve an agreement; it needs "
                                    "one of " + ", ".join(sorted(APPROVING_ROLES)), field="role")
        if self.proposed_here and approver == self.proposed_by:
            raise SelfApprovalRefused("a second person must approve the agreement they "
                                      "proposed", field="approver")
        self._approved(approver=approver, role=role, correlation_id=correlation_id)

    @event("Approved")
    def _approved(self, approver: str, role: str, correlation_id: str) -> None:
        self.approved_here_by = approver
        self.status = Status.ACTIVE if self.approved_there_by else Status.OFFERED

    def suspend(self, by: str, role: str, reason: str, correlation_id: str) -> None:
        """Stops the flow at once, either way, until whoever suspended it resumes it."""
        self._check_in_force()
        self._suspended(by=by, role=role, reason=_reason(reason), correlation_id=correlation_id)

    @event("Suspended")
    def _suspended(self, by: str, role: str, reason: str, correlation_id: str) -> None:
        self.status, self.suspended_here = Status.SUSPENDED, True

    def resume(self, by: str, role: str, reason: str, correlation_id: str) -> None:
        """Only the council that suspended it resumes it."""
        if self.status is not Status.SUSPENDED or not self.suspended_here:
            raise AgreementNotInForce(f"agreement {self.reference} was not suspended here")
        self._resumed(by=by, role=role, reason=_reason(reason), correlation_id=correlation_id)

    @event("Resumed")
    def _resumed(self, by: str, role: str, reason: str, correlation_id: str) -> None:
        self.status, self.suspended_here = Status.ACTIVE, False

    def end(self, by: str, role: str, reason: str, correlation_id: str) -> None:
        """Ends it for good (a proposal or offer too: withdrawn or declined)."""
        self._check_not_ended()
        self._ended(by=by, role=role, reason=_reason(reason), correlation_id=correlation_id)

    @event("Ended")
    def _ended(self, by: str, role: str, reason: str, correlation_id: str) -> None:
        self.status, self.ended_reason = Status.ENDED, reason

    # The partner's steps, as its council told us ---------------------------------------------

    def partner_accepted(self, by: str, role: str, at: datetime, correlation_id: str) -> bool:
        if self.status is not Status.OFFERED:
            return False  # an ended offer stays ended; a repeat changes nothing
        self._accepted_by_partner(by=by, role=role, at=at, correlation_id=correlation_id)
        return True

    @event("AcceptedByPartner")
    def _accepted_by_partner(self, by: str, role: str, at: datetime,
                             correlation_id: str) -> None:
        self.approved_there_by, self.status = by, Status.ACTIVE

    def partner_suspended(self, by: str, reason: str, at: datetime, correlation_id: str) -> bool:
        if self.status is not Status.ACTIVE:
            return False
        self._suspended_by_partner(by=by, reason=reason, at=at, correlation_id=correlation_id)
        return True

    @event("SuspendedByPartner")
    def _suspended_by_partner(self, by: str, reason: str, at: datetime,
                              correlation_id: str) -> None:
        self.status, self.suspended_here = Status.SUSPENDED, False

    def partner_resumed(self, by: str, reason: str, at: datetime, correlation_id: str) -> bool:
        if self.status is not Status.SUSPENDED or self.suspended_here:
            return False
        self._resumed_by_partner(by=by, reason=reason, at=at, correlation_id=correlation_id)
        return True

    @event("ResumedByPartner")
    def _resumed_by_partner(self, by: str, reason: str, at: datetime,
                            correlation_id: str) -> None:
        self.status = Status.ACTIVE

    def partner_ended(self, by: str, reason: str, at: datetime, correlation_id: str) -> bool:
        if self.status is Status.ENDED:
            return False
        self._ended_by_partner(by=by, reason=reason, at=at, correlation_id=correlation_id)
        return True

    @event("EndedByPartner")
    def _ended_by_partner(self, by: str, reason: str, at: datetime, correlation_id: str) -> None:
        self.status, self.ended_reason = Status.ENDED, reason

    # What it allows --------------------------------------------------------------------------

    def in_force(self, on: date) -> bool:
        """Both councils approved it, nobody suspended or ended it, and `on` is within it."""
        return (self.status is Status.ACTIVE and self.starts_on <= on
                and (self.ends_on is None or on <= self.ends_on))

    def covers(self, direction: str, category: str, service_id: str, on: date) -> bool:
        """AgreementCoversTheFact: in force on the day, the category flowing that way
        (`sends` or `receives`), the service named."""
        flowing = self.sends if direction == "sends" else self.receives
        return (self.in_force(on) and category in flowing
                and service_id in self.service_ids)

    def _check_in_force(self) -> None:
        self._check_not_ended()
        if self.status is not Status.ACTIVE:
            raise AgreementNotInForce(f"agreement {self.reference} is {self.status.value}, "
                                      "not in force")

    def _check_not_ended(self) -> None:
        if self.status is Status.ENDED:
            raise AgreementEnded(f"agreement {self.reference} has ended")


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput("say why", field="reason")
    return reason.strip()
