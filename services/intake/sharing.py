"""Sharing provider intelligence with other councils (issue 20): a use case of intake, mixed
into the `Intake` application.

Why intake: it is the council's front door for everything it learns from outside (returns,
regulators' grades, concerns people report), and another council's fact is one more such
source, matched to our contracts by the regulator's service id, which only intake holds. The
facts we share come from escalation (suspensions, decommissions, breach notices), risk (serious
concerns) and intake itself (inspection grades), all of which intake already hears or records.

Agreements: an officer proposes, a senior who is not the proposer approves (§8), and it is
offered to the partner council, whose senior approves it there. Facts flow only under an
agreement in force, for its categories, direction and services; the councils' edge servers
are configured from the same agreements, so the servers refuse anything else too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from functools import cached_property, singledispatch
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from services.intake import sharing_integration  # noqa: F401 - registers intake's contracts
from services.intake.adapters.sharing_file import load as load_sharing
from services.intake.domain.agreement import Agreement, Status
from services.intake.domain.shared_intelligence import (
    ReceivedIntelligence,
    RefusedIntelligence,
    SharedFact,
)
from services.intake.domain.sharing_setup import Partner, SharingSetup
from services.intake.sharing_views import SharingIndex, SharingView
from shared.contracts import escalation, risk
from shared.contracts.envelope import Envelope, IntegrationEvent, unwrap
from shared.contracts.sharing import (
    AgreementStep,
    AgreementStepShared,
    Category,
    IntelligenceShared,
    IntelligenceWithdrawn,
)
from shared.domain import InvalidInput, Refused
from shared.eventstore import NotFound, Outcome, Processing
from shared.views.paging import EVERYTHING, Page, Paging

# Concerns raised here by the rules that read another council's facts (risk's `shared-*`
# rules) are never shared on: two councils would otherwise echo one fact back and forth.
RECEIVED_RULE_PREFIX = "shared-"
OUTBOX = "share-out:"  # tracking name prefix: how far each partner's messages were delivered


class SharingNotSetUp(Refused):
    """This council has no sharing set-up (ASSURE_SHARING_FILE)."""


class UnknownAgreement(NotFound):
    """No agreement has this reference."""


class NotFromThatCouncil(ValueError):
    """A message on a partner's link that names another sender or receiver: never applied."""


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


@dataclass(frozen=True)
class Fact:
    """A fact of ours that an agreement may share: its category, what it rests on (the key its
    withdrawal finds it by), its day, its plain values and any free text."""

    category: Category
    source: str
    occurred_on: date
    details: dict[str, Any]
    text: str | None = None
    contract_reference: str | None = None  # only this contract's service, if set


class IntelligenceSharing:
    """Agreements with partner councils and the facts that flow under them (mixed into Intake)."""

    @cached_property
    def sharing_setup(self: Any) -> SharingSetup | None:
        """The council's sharing set-up (ASSURE_SHARING_FILE), or None: no sharing."""
        return load_sharing(self.env.get("ASSURE_SHARING_FILE"))

    def _setup(self: Any) -> SharingSetup:
        if self.sharing_setup is None:
            raise SharingNotSetUp("this council has not set up sharing with other councils "
                                  "(ASSURE_SHARING_FILE)")
        return self.sharing_setup

    def _partner(self: Any, council: str) -> Partner:
        partner = self._setup().partner(council)
        if partner is None:
            known = ", ".join(sorted(self._setup().partners)) or "none"
            raise InvalidInput(f"{council[:40]!r} is not a partner council of this one "
                               f"(partners: {known})", field="partner")
        return partner

    # Agreements ------------------------------------------------------------------------------

    def propose_agreement(self: Any, terms: ProposedTerms, by: str, role: str,
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

    def get_agreement(self: Any, reference: str) -> Agreement:
        found = self.find(Agreement, Agreement.create_id(reference))
        if found is None:
            raise UnknownAgreement(f"no agreement has the reference {reference}")
        return found

    def decide_agreement(self: Any, reference: str, step: str, by: str, role: str,
                         reason: str, correlation_id: str) -> Agreement:
        """approve, suspend, resume or end: each told to the partner council."""
        agreement = self.get_agreement(reference)
        if step == "approve":
            agreement.approve(by, role, correlation_id)
        else:
            getattr(agreement, step)(by, role, reason, correlation_id)
        self.save(agreement)
        return agreement

    def sharing_view(self: Any) -> SharingView:
        return self.views.get(SharingIndex)

    def agreements(self: Any, status: str | None = None, partner: str | None = None,
                   paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        return self.sharing_view().agreements(status, partner, paging)

    def agreement_steps(self: Any, reference: str) -> list[dict[str, Any]]:
        """Every step of the agreement, ours and the partner's, oldest first."""
        from shared.eventstore import describe

        agreement = self.get_agreement(reference)
        return [describe(self.service, e) for e in self.events.get(agreement.id)]

    def agreements_in_force(self: Any, on: date) -> list[Agreement]:
        view = self.sharing_view()
        found = [self.repository.get(UUID(i)) for i in view.agreement_ids(Status.ACTIVE.value)]
        return [a for a in found if a.in_force(on)]

    # What we share ---------------------------------------------------------------------------

    def consider_sharing(self: Any, event: IntegrationEvent, processing: Processing) -> None:
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

    def facts_to_share(self: Any, provider_id: str, fact: Fact,
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

    def grades_to_share(self: Any, provider_id: str, contract_reference: str, regulator: str,
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

    def _regulated_services(self: Any, provider_id: str,
                            reference: str | None) -> list[tuple[str | None, str]]:
        return sorted({(c.regulator, c.regulator_service_id) for c in self.contracts(provider_id)
                       if c.regulator_service_id and (reference is None or
                                                      c.reference == reference)},
                      key=lambda pair: pair[1])

    def withdraw_shared_fact(self: Any, fact_id: UUID, reason: str, by: str,
                             correlation_id: str) -> SharedFact:
        """An officer takes back a fact shared in error (the partner marks it withdrawn)."""
        fact: SharedFact = self.get(SharedFact, fact_id)
        if not reason.strip():
            raise InvalidInput("say why the fact is withdrawn", field="reason")
        fact.withdraw(reason.strip(), by, self.today(), correlation_id)
        self.save(fact)
        return fact

    def _withdraw_by_source(self: Any, source: str, reason: str, by: str,
                            processing: Processing) -> None:
        for fact_id in self.aggregates_under(f"shared-source:{source}"):
            fact: SharedFact = self.repository.get(fact_id)
            if fact.withdrawn is None:
                fact.withdraw(reason, by, self.today(), processing_correlation(processing))
                processing.collect_events(fact)

    def shared_facts(self: Any, partner: str | None = None, agreement: str | None = None,
                     provider_id: str | None = None,
                     paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        """What we shared, newest first, each saying whether the partner's edge has it."""
        view = self.sharing_view()
        page = view.shared(partner, agreement, provider_id, paging)
        positions = view.positions_of([item["fact_id"] for item in page])
        items = [{**item, "delivered": not item["withheld"] and positions.get(
            item["fact_id"], 0) <= self.position(OUTBOX + item["partner"])} for item in page]
        return Page(items, page.total)

    # What the edge carries -------------------------------------------------------------------

    def sharing_flows(self: Any) -> dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]]:
        """For each partner, the (category, service id) pairs we send it and receive from it
        under the agreements in force today: what its edge server is configured to carry."""
        flows: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {}
        for agreement in self.agreements_in_force(self.today()):
            sends, receives = flows.setdefault(agreement.partner, (set(), set()))
            sends.update((c, s) for c in agreement.sends for s in agreement.service_ids)
            receives.update((c, s) for c in agreement.receives for s in agreement.service_ids)
        return flows

    def deliverable(self: Any, envelope: Envelope) -> bool:
        """Whether a message in the outbox may still go: agreement steps always; a fact (or its
        withdrawal) only while an agreement in force covers it."""
        event = unwrap(envelope)
        if isinstance(event, AgreementStepShared):
            return True
        agreement = self.find(Agreement, Agreement.create_id(event.agreement))
        return agreement is not None and agreement.covers(
            "sends", event.category, event.provider_id, self.today())

    def withhold(self: Any, envelope: Envelope) -> None:
        """Records that a fact's message was not sent: its agreement no longer covers it."""
        event = unwrap(envelope)
        fact = self.find(SharedFact, UUID(event.fact_id))
        if fact is not None and fact.withheld is None:
            fact.withhold(f"agreement {event.agreement} no longer covered it when it was due "
                          "to go")
            self.save(fact)

    def replay_dead_letter(self: Any, letter_id: UUID) -> Outcome:
        """A parked message from a partner council is applied as it would have been, once."""
        from shared.dead_letter import DeadLetter

        letter: DeadLetter = self.get(DeadLetter, letter_id)
        if not letter.upstream.startswith("council:"):
            return super().replay_dead_letter(letter_id)  # type: ignore[misc]
        letter.replay()
        envelope = Envelope.model_validate_json(letter.payload)
        processing = Processing(Tracking(f"replay:{letter_id}", 1), envelope)
        received(unwrap(envelope), self, processing)
        processing.collect_events(letter)
        return self._commit(processing)

    # What arrives ----------------------------------------------------------------------------

    def receive_from_partner(self: Any, partner: str, envelope: Envelope,
                             tracking: Tracking) -> Outcome:
        """Applies one message from a partner's edge; its effects and the tracking record
        commit together, so a redelivery or a replay changes nothing."""
        if self.recorder.has_tracking_id(tracking.application_name, tracking.notification_id):
            return Outcome(duplicate=True)
        event = unwrap(envelope)
        setup = self._setup()
        sender = getattr(event, "from_council", None)
        if sender != partner or getattr(event, "to_council", None) != setup.council:
            raise NotFromThatCouncil(f"a message on {partner}'s link from {sender!r}")
        processing = Processing(tracking, envelope)
        received(event, self, processing)
        return self._commit(processing)

    def _partner_step(self: Any, event: AgreementStepShared, processing: Processing) -> None:
        correlation = processing_correlation(processing)
        if event.step is AgreementStep.OFFERED:
            if not self.exists(Agreement.create_id(event.provider_id)):
                # Their terms mirrored: what they send is what we receive.
                processing.collect_events(Agreement.offered(
                    event.provider_id, event.from_council, self._partner_name(event),
                    list(event.receives), list(event.sends), list(event.service_ids),
                    list(event.free_text), event.starts_on, event.ends_on, event.proposed_by,
                    event.by, event.role, event.at, correlation))
            return
        agreement = self.find(Agreement, Agreement.create_id(event.provider_id))
        if agreement is None or agreement.partner != event.from_council:
            return  # not an agreement of ours with that council: nothing to change
        changed = _partner_changes(agreement, event, correlation)
        if changed:
            processing.collect_events(agreement)

    def _partner_name(self: Any, event: Any) -> str:
        partner = self._setup().partner(event.from_council)
        return partner.name if partner else event.from_council_name

    def _receive_fact(self: Any, event: IntelligenceShared, processing: Processing) -> None:
        today, correlation = self.today(), processing_correlation(processing)
        agreement = self.find(Agreement, Agreement.create_id(event.agreement))
        covered = (agreement is not None and agreement.partner == event.from_council
                   and agreement.covers("receives", event.category, event.provider_id, today))
        contracts = [c for c in self._contracts_for_service(event.provider_id)
                     if c.ended_on is None or c.ended_on > today]
        if not covered or not contracts:
            reason = (f"no agreement in force with {self._partner_name(event)} covers "
                      f"{event.category.value} for {event.provider_id}" if not covered else
                      f"no contract of ours buys {event.provider_id}")
            refused_id = RefusedIntelligence.create_id(event.from_council, event.fact_id)
            if not self.exists(refused_id):
                processing.collect_events(RefusedIntelligence(
                    council=event.from_council, council_name=self._partner_name(event),
                    agreement=event.agreement, fact_id=event.fact_id,
                    category=event.category.value, service_id=event.provider_id,
                    reason=reason, correlation_id=correlation))
            return
        for contract in contracts:
            received_id = ReceivedIntelligence.create_id(event.from_council, event.fact_id,
                                                         contract.reference)
            if self.exists(received_id):
                continue
            processing.collect_events(ReceivedIntelligence(
                provider_id=contract.provider_id, contract_reference=contract.reference,
                council=event.from_council, council_name=self._partner_name(event),
                agreement=event.agreement, fact_id=event.fact_id,
                category=event.category.value, regulator=event.regulator,
                service_id=event.provider_id, occurred_on=event.occurred_on,
                details=_details(event), correlation_id=correlation))

    def _receive_withdrawal(self: Any, event: IntelligenceWithdrawn,
                            processing: Processing) -> None:
        key = f"received:{event.from_council}:{event.fact_id}"
        for received_id in self.aggregates_under(key):
            intelligence: ReceivedIntelligence = self.repository.get(received_id)
            if intelligence.withdraw(event.reason, event.withdrawn_on,
                                     processing_correlation(processing)):
                processing.collect_events(intelligence)

    def _contracts_for_service(self: Any, service_id: str) -> list[Any]:
        """Every contract of ours that buys the regulated service now, from the register."""
        from services.intake.records import ContractRecord

        rows = self.register_view().select(
            "SELECT * FROM {contracts} WHERE regulator_service_id = ? "
            "ORDER BY awarded_at, reference", (service_id,))
        return [ContractRecord.of(row) for row in rows]

    def arrivals(self: Any, council: str | None = None, status: str | None = None,
                 provider_id: str | None = None,
                 paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
        return self.sharing_view().arrivals(council, status, provider_id, paging)

    # Keys ------------------------------------------------------------------------------------

    def index_keys(self: Any, domain_event: Any) -> Any:
        """Where sharing's aggregates are found again, besides the provider's own key: a
        shared fact by what it rests on, received intelligence by the council's fact."""
        yield from super().index_keys(domain_event)  # type: ignore[misc]
        if isinstance(domain_event, SharedFact.Shared):
            yield f"shared-source:{domain_event.source}"
        if isinstance(domain_event, ReceivedIntelligence.Received):
            yield f"received:{domain_event.council}:{domain_event.fact_id}"


def processing_correlation(processing: Processing) -> str:
    envelope = processing.envelope
    return envelope.correlationid if envelope is not None else ""


def _details(event: IntelligenceShared) -> dict[str, Any]:
    values = {"severity": event.severity, "grade": event.grade, "rating": event.rating,
              "due_on": event.due_on, "text": event.text}
    return {key: value for key, value in values.items() if value is not None}


def _partner_changes(agreement: Agreement, event: AgreementStepShared, correlation: str) -> bool:
    reason = event.reason or ""
    if event.step is AgreementStep.ACCEPTED:
        return agreement.partner_accepted(event.by, event.role, event.at, correlation)
    if event.step is AgreementStep.SUSPENDED:
        return agreement.partner_suspended(event.by, reason, event.at, correlation)
    if event.step is AgreementStep.RESUMED:
        return agreement.partner_resumed(event.by, reason, event.at, correlation)
    if event.step is AgreementStep.ENDED:
        return agreement.partner_ended(event.by, reason, event.at, correlation)
    return False


# What each arriving contract does ------------------------------------------------------------


@singledispatch
def received(event: IntegrationEvent, app: Any, processing: Processing) -> None:
    """Anything else on a partner's link is not for us: tracked and otherwise ignored."""


@received.register
def _(event: AgreementStepShared, app: Any, processing: Processing) -> None:
    app._partner_step(event, processing)


@received.register
def _(event: IntelligenceShared, app: Any, processing: Processing) -> None:
    app._receive_fact(event, processing)


@received.register
def _(event: IntelligenceWithdrawn, app: Any, processing: Processing) -> None:
    app._receive_withdrawal(event, processing)


# Which of our facts an agreement may share ------------------------------------------------------


@singledispatch
def fact_from(event: IntegrationEvent, envelope: Envelope | None) -> Fact | None:
    """Upstream events that are not a shareable fact share nothing."""
    return None


@fact_from.register
def _(event: escalation.ProviderSuspended, envelope: Envelope | None) -> Fact:
    return Fact(Category.SUSPENSION, f"suspension:{event.escalation_id}", event.on, {})


@fact_from.register
def _(event: escalation.ProviderDecommissioned, envelope: Envelope | None) -> Fact:
    return Fact(Category.DECOMMISSION, f"decommission:{event.escalation_id}", event.on, {},
                contract_reference=event.contract_reference)


@fact_from.register
def _(event: escalation.BreachNoticeIssued, envelope: Envelope | None) -> Fact:
    return Fact(Category.BREACH_NOTICE, f"breach-notice:{event.notice_id}", event.issued_on,
                {"due_on": event.comply_by}, text=event.deficiency)


@fact_from.register
def _(event: risk.ConcernRaised, envelope: Envelope | None) -> Fact | None:
    if event.severity is not risk.Severity.SERIOUS or (event.rule or "").startswith(
            RECEIVED_RULE_PREFIX) or envelope is None:
        return None
    return Fact(Category.SERIOUS_CONCERN, f"concern:{event.concern_id}", envelope.time.date(),
                {"severity": event.severity.value}, text=event.summary)
