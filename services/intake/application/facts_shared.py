"""What we share with partner councils: our facts under every agreement in force that covers
them, their withdrawal, and what each partner's edge may still carry."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from services.intake.application.shareable import fact_from
from services.intake.application.sharing_agreements import (
    SharingAgreements,
    processing_correlation,
)
from services.intake.domain.agreement import Agreement
from services.intake.domain.shareable_facts import Fact
from services.intake.domain.shared_intelligence import SharedFact
from shared.contracts import risk
from shared.contracts.envelope import Envelope, IntegrationEvent, unwrap
from shared.contracts.sharing import AgreementStepShared, Category
from shared.domain import InvalidInput
from shared.eventstore import Processing
from shared.views.paging import EVERYTHING, Page, Paging

OUTBOX = "share-out:"  # tracking name prefix: how far each partner's messages were delivered


class SharingFacts(SharingAgreements):
    """Shares our facts under the agreements in force, and withdraws or withholds them."""

    def consider_sharing(self, event: IntegrationEvent, processing: Processing) -> None:
        """Shares an upstream fact under every agreement in force that covers it (or withdraws
        what a resolved concern rested on)."""
        if self.sharing_setup is None:
            return
        if isinstance(event, risk.ConcernResolved):
            self._withdraw_by_source(f"concern:{event.concern_id}", "the concern was resolved",
                                     event.resolved_by, processing)
            return
        fact = fact_from(event, processing.envelope)
        if fact is not None:
            processing.collect_events(*self.facts_to_share(event.provider_id, fact,
                                                           processing_correlation(processing)))

    def facts_to_share(self, provider_id: str, fact: Fact,
                       correlation_id: str) -> list[SharedFact]:
        """The shared facts one fact of ours makes, one per agreement and service it covers."""
        today, new = self.today(), []
        services = self._regulated_services(provider_id, fact.contract_reference)
        for agreement in self.agreements_in_force(today):
            for regulator, service_id in services:
                if not agreement.covers("sends", fact.category, service_id, today):
                    continue
                shared_id = SharedFact.create_id(agreement.reference, fact.source, service_id)
                if self.exists(shared_id):
                    continue
                text = fact.text if fact.category in agreement.free_text else None
                new.append(SharedFact(
                    provider_id=provider_id, agreement=agreement.reference,
                    partner=agreement.partner, partner_name=agreement.partner_name,
                    category=fact.category.value, source=fact.source, regulator=regulator,
                    service_id=service_id, occurred_on=fact.occurred_on,
                    details={**fact.details, **({"text": text[:1000]} if text else {})},
                    correlation_id=correlation_id))
        return new

    def grades_to_share(self, provider_id: str, contract_reference: str, regulator: str,
                        service_id: str, graded_on: date, min_grade: int | None,
                        overall: str | None, correlation_id: str) -> list[SharedFact]:
        """A regulated service's newest grades, for the agreements that share grades (saved
        with the grades themselves, in one commit)."""
        if self.sharing_setup is None:
            return []
        details = {"grade": min_grade} if min_grade is not None else {"rating": overall}
        fact = Fact(Category.INSPECTION_GRADE, f"grade:{regulator}:{service_id}:{graded_on}",
                    graded_on, {k: v for k, v in details.items() if v is not None},
                    contract_reference=contract_reference)
        return self.facts_to_share(provider_id, fact, correlation_id)

    def _regulated_services(self, provider_id: str,
                            reference: str | None) -> list[tuple[str | None, str]]:
        return sorted({(c.regulator, c.regulator_service_id) for c in self.contracts(provider_id)
                       if c.regulator_service_id and (reference is None or
                                                      c.reference == reference)},
                      key=lambda pair: pair[1])

    def withdraw_shared_fact(self, fact_id: UUID, reason: str, by: str,
                             correlation_id: str) -> SharedFact:
        """An officer takes back a fact shared in error (the partner marks it withdrawn)."""
        fact: SharedFact = self.get(SharedFact, fact_id)
        if not reason.strip():
            raise InvalidInput("say why the fact is withdrawn", field="reason")
        fact.withdraw(reason.strip(), by, self.today(), correlation_id)
        self.save(fact)
        return fact

    def _withdraw_by_source(self, source: str, reason: str, by: str,
                            processing: Processing) -> None:
        for fact_id in self.aggregates_under(f"shared-source:{source}"):
            fact: SharedFact = self.repository.get(fact_id)
            if fact.withdrawn is None:
                fact.withdraw(reason, by, self.today(), processing_correlation(processing))
                processing.collect_events(fact)

    def shared_facts(self, partner: str | None = None, agreement: str | None = None,
                     provider_id: str | None = None,
                     paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What we shared, newest first, each saying whether the partner's edge has it."""
        view = self.sharing_view()
        page = view.shared(partner, agreement, provider_id, paging)
        positions = view.positions_of([item["fact_id"] for item in page])
        items = [{**item, "delivered": not item["withheld"] and positions.get(
            item["fact_id"], 0) <= self.position(OUTBOX + item["partner"])} for item in page]
        return Page(items, page.total)

    def sharing_flows(self) -> dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]]:
        """For each partner, the (category, service id) pairs we send it and receive from it
        under the agreements in force today: what its edge server is configured to carry."""
        flows: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {}
        for agreement in self.agreements_in_force(self.today()):
            sends, receives = flows.setdefault(agreement.partner, (set(), set()))
            sends.update((c, s) for c in agreement.sends for s in agreement.service_ids)
            receives.update((c, s) for c in agreement.receives for s in agreement.service_ids)
        return flows

    def deliverable(self, envelope: Envelope) -> bool:
        """Whether a message in the outbox may still go: agreement steps always; a fact (or its
        withdrawal) only while an agreement in force covers it."""
        event = unwrap(envelope)
        if isinstance(event, AgreementStepShared):
            return True
        agreement = self.find(Agreement, Agreement.create_id(event.agreement))
        return agreement is not None and agreement.covers(
            "sends", event.category, event.provider_id, self.today())

    def withhold(self, envelope: Envelope) -> None:
        """Records that a fact's message was not sent: its agreement no longer covers it."""
        event = unwrap(envelope)
        fact = self.find(SharedFact, UUID(event.fact_id))
        if fact is not None and fact.withheld is None:
            fact.withhold(f"agreement {event.agreement} no longer covered it when it was due "
                          "to go")
            self.save(fact)

    def index_keys(self, domain_event: Any) -> Any:
        """A shared fact is found again by what it rests on, besides the provider's own key."""
        yield from super().index_keys(domain_event)
        if isinstance(domain_event, SharedFact.Shared):
            yield f"shared-source:{domain_event.source}"
