"""Facts about regulated services that cross between councils (issue 20), as this council
records them: what it shared with a partner, and what a partner shared with it.

A shared fact names the regulated service by its regulator's service id (both councils know it;
each has its own provider ids), its category, its date and the few plain values its category
carries (a severity, a grade, a date to comply by), and free text only where the agreement
allows it. Received intelligence is evidence for risk to weigh, never an instruction; a fact
the sending council withdraws is marked withdrawn on both sides.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.domain import Refused, stable_id


class AlreadyWithdrawn(Refused):
    """A withdrawn fact stays withdrawn."""


class SharedFact(Aggregate):
    """A fact this council shared with a partner council under an agreement."""

    @staticmethod
    def create_id(agreement: str, source: str, service_id: str, **_: object) -> UUID:
        return stable_id("shared-fact", agreement, source, service_id)

    @event("Shared")
    def __init__(self, provider_id: str, agreement: str, partner: str, partner_name: str,
                 category: str, source: str, regulator: str | None, service_id: str,
                 occurred_on: date, details: dict[str, object], correlation_id: str) -> None:
        self.provider_id = provider_id
        self.agreement, self.partner, self.partner_name = agreement, partner, partner_name
        self.category, self.source = category, source
        self.regulator, self.service_id = regulator, service_id
        self.occurred_on = occurred_on
        self.details = dict(details)
        self.withdrawn: dict[str, object] | None = None
        self.withheld: str | None = None

    def withhold(self, reason: str) -> None:
        """Its message was never sent: the agreement stopped covering it before it went."""
        if self.withheld is None:
            self._withheld(provider_id=self.provider_id, reason=reason)

    @event("Withheld")
    def _withheld(self, provider_id: str, reason: str) -> None:
        self.withheld = reason

    def withdraw(self, reason: str, by: str, on: date, correlation_id: str) -> None:
        """Takes the fact back; the partner marks it withdrawn too."""
        if self.withdrawn is not None:
            raise AlreadyWithdrawn(f"this {self.category} was withdrawn already")
        self._withdrawn(provider_id=self.provider_id, reason=reason, by=by, on=on,
                        correlation_id=correlation_id)

    @event("Withdrawn")
    def _withdrawn(self, provider_id: str, reason: str, by: str, on: date,
                   correlation_id: str) -> None:
        self.withdrawn = {"reason": reason, "by": by, "on": on}


class ReceivedIntelligence(Aggregate):
    """A partner council's fact about a service one of our contracts buys, applied here."""

    @staticmethod
    def create_id(council: str, fact_id: str, contract_reference: str, **_: object) -> UUID:
        return stable_id("received-intelligence", council, fact_id, contract_reference)

    @event("Received")
    def __init__(self, provider_id: str, contract_reference: str, council: str,
                 council_name: str, agreement: str, fact_id: str, category: str,
                 regulator: str | None, service_id: str, occurred_on: date,
                 details: dict[str, object], correlation_id: str) -> None:
        self.provider_id, self.contract_reference = provider_id, contract_reference
        self.council, self.council_name, self.agreement = council, council_name, agreement
        self.fact_id, self.category = fact_id, category
        self.regulator, self.service_id = regulator, service_id
        self.occurred_on = occurred_on
        self.details = dict(details)
        self.withdrawn: dict[str, object] | None = None

    def withdraw(self, reason: str, on: date, correlation_id: str) -> bool:
        """The sending council withdrew it; once."""
        if self.withdrawn is not None:
            return False
        self._withdrawn(provider_id=self.provider_id, reason=reason, on=on,
                        correlation_id=correlation_id)
        return True

    @event("Withdrawn")
    def _withdrawn(self, provider_id: str, reason: str, on: date, correlation_id: str) -> None:
        self.withdrawn = {"reason": reason, "on": on}


class RefusedIntelligence(Aggregate):
    """A partner's fact that arrived and was not applied, with why: no agreement in force
    covers it, or no contract of ours buys the service. Kept so auditors see every arrival."""

    @staticmethod
    def create_id(council: str, fact_id: str, **_: object) -> UUID:
        return stable_id("refused-intelligence", council, fact_id)

    @event("Refused")
    def __init__(self, council: str, council_name: str, agreement: str, fact_id: str,
                 category: str, service_id: str, reason: str, correlation_id: str) -> None:
        self.council, self.council_name, self.agreement = council, council_name, agreement
        self.fact_id, self.category, self.service_id = fact_id, category, service_id
        self.reason = reason
