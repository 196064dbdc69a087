"""Agreements with partner councils (issue 20): an officer proposes, a senior who is not the
proposer approves (§8), and it is offered to the partner council, whose senior approves it
there. Facts flow only under an agreement in force, for its categories, direction and services;
the councils' edge servers are configured from the same agreements, so the servers refuse
anything else too.

Why intake: it is the council's front door for everything it learns from outside (returns,
regulators' grades, concerns people report), and another council's fact is one more such
source, matched to our contracts by the regulator's service id, which only intake holds. The
facts we share come from escalation (suspensions, decommissions, breach notices), risk (serious
concerns) and intake itself (inspection grades), all of which intake already hears or records.
What we share is facts_shared.py, what arrives facts_received.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from services.intake.application.records import IntakeRecords
from services.intake.application.sharing_views import SharingIndex, SharingView
from services.intake.domain.agreement import Agreement, Status
from services.intake.domain.sharing_setup import Partner, SharingSetup
from shared.domain import InvalidInput, Refused
from shared.eventstore import NotFound, Processing, describe
from shared.views.paging import EVERYTHING, Page, Paging


class SharingNotSetUp(Refused):
    """This council has no sharing set-up (ASSURE_SHARING_FILE)."""


class UnknownAgreement(NotFound):
    """No agreement has this reference."""


@dataclass(frozen=True)
class ProposedTerms:
    """What an officer proposes to a partner council, in our view."""

    partner: str
    sends: list[str]
    receives: list[str]
    service_ids: list[str]
    starts_on: date
    ends_on: date | None = None
    free_text: tuple[str, ...] = ()


class SharingAgreements(IntakeRecords):
    """Proposes, approves and ends agreements with partner councils, and lists them."""

    def _setup(self) -> SharingSetup:
        if self.sharing_setup is None:
            raise SharingNotSetUp("this council has not set up sharing with other councils "
                                  "(ASSURE_SHARING_FILE)")
        return self.sharing_setup

    def _partner(self, council: str) -> Partner:
        partner = self._setup().partner(council)
        if partner is None:
            known = ", ".join(sorted(self._setup().partners)) or "none"
            raise InvalidInput(f"{council[:40]!r} is not a partner council of this one "
                               f"(partners: {known})", field="partner")
        return partner

    def propose_agreement(self, terms: ProposedTerms, by: str, role: str,
                          correlation_id: str) -> Agreement:
        """An officer proposes an agreement to a partner; a second person, a senior, approves."""
        partner = self._partner(terms.partner)
        reference = f"{self._setup().council}-{partner.council}-{secrets.token_hex(4)}"
        agreement = Agreement.propose(
            reference, partner.council, partner.name, list(terms.sends), list(terms.receives),
            list(terms.service_ids), list(terms.free_text), terms.starts_on, terms.ends_on,
            by, role, correlation_id)
        self.save(agreement)
        return agreement

    def get_agreement(self, reference: str) -> Agreement:
        found = self.find(Agreement, Agreement.create_id(reference))
        if found is None:
            raise UnknownAgreement(f"no agreement has the reference {reference}")
        return found

    def decide_agreement(self, reference: str, step: str, by: str, role: str,
                         reason: str, correlation_id: str) -> Agreement:
        """approve, suspend, resume or end: each told to the partner council."""
        agreement = self.get_agreement(reference)
        if step == "approve":
            agreement.approve(by, role, correlation_id)
        else:
            getattr(agreement, step)(by, role, reason, correlation_id)
        self.save(agreement)
        return agreement

    def sharing_view(self) -> SharingView:
        return self.views.get(SharingIndex)

    def agreements(self, status: str | None = None, partner: str | None = None,
                   paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        return self.sharing_view().agreements(status, partner, paging)

    def agreement_steps(self, reference: str) -> list[dict[str, Any]]:
        """Every step of the agreement, ours and the partner's, oldest first."""
        agreement = self.get_agreement(reference)
        return [describe(self.service, e) for e in self.events.get(agreement.id)]

    def agreements_in_force(self, on: date) -> list[Agreement]:
        view = self.sharing_view()
        found = [self.repository.get(UUID(i)) for i in view.agreement_ids(Status.ACTIVE.value)]
        return [a for a in found if a.in_force(on)]

    def arrivals(self, council: str | None = None, status: str | None = None,
                 provider_id: str | None = None,
                 paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        return self.sharing_view().arrivals(council, status, provider_id, paging)


def processing_correlation(processing: Processing) -> str:
    envelope = processing.envelope
    return envelope.correlationid if envelope is not None else ""
