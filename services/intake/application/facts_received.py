"""What arrives from partner councils: their agreement steps, their facts (kept for each of our
contracts that buys the service, or refused with the reason), and their withdrawals. A message
and the tracking record of its delivery commit together, so a redelivery changes nothing."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from services.intake.application.listings import ContractRecord
from services.intake.application.sharing_agreements import (
    SharingAgreements,
    processing_correlation,
)
from services.intake.domain.agreement import Agreement
from services.intake.domain.shared_intelligence import ReceivedIntelligence, RefusedIntelligence
from shared.contracts.envelope import Envelope, IntegrationEvent, unwrap
from shared.contracts.sharing import (
    AgreementStep,
    AgreementStepShared,
    IntelligenceShared,
    IntelligenceWithdrawn,
)
from shared.dead_letter import DeadLetter
from shared.eventstore import Outcome, Processing


class NotFromThatCouncil(ValueError):
    """A message on a partner's link that names another sender or receiver: never applied."""


class SharingArrivals(SharingAgreements):
    """Applies each message from a partner council's edge, once."""

    def replay_dead_letter(self, letter_id: UUID) -> Outcome:
        """A parked message from a partner council is applied as it would have been, once."""
        letter: DeadLetter = self.get(DeadLetter, letter_id)
        if not letter.upstream.startswith("council:"):
            return super().replay_dead_letter(letter_id)
        letter.replay()
        envelope = Envelope.model_validate_json(letter.payload)
        processing = Processing(Tracking(f"replay:{letter_id}", 1), envelope)
        self.received(unwrap(envelope), processing)
        processing.collect_events(letter)
        return self._commit(processing)

    def receive_from_partner(self, partner: str, envelope: Envelope,
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
        self.received(event, processing)
        return self._commit(processing)

    @singledispatchmethod
    def received(self, event: IntegrationEvent, processing: Processing) -> None:
        """Anything else on a partner's link is not for us: tracked and otherwise ignored."""

    @received.register
    def _(self, event: AgreementStepShared, processing: Processing) -> None:
        self._partner_step(event, processing)

    @received.register
    def _(self, event: IntelligenceShared, processing: Processing) -> None:
        self._receive_fact(event, processing)

    @received.register
    def _(self, event: IntelligenceWithdrawn, processing: Processing) -> None:
        self._receive_withdrawal(event, processing)

    def _partner_step(self, event: AgreementStepShared, processing: Processing) -> None:
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

    def _partner_name(self, event: Any) -> str:
        partner = self._setup().partner(event.from_council)
        return partner.name if partner else event.from_council_name

    def _receive_fact(self, event: IntelligenceShared, processing: Processing) -> None:
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

    def _receive_withdrawal(self, event: IntelligenceWithdrawn,
                            processing: Processing) -> None:
        key = f"received:{event.from_council}:{event.fact_id}"
        for received_id in self.aggregates_under(key):
            intelligence: ReceivedIntelligence = self.repository.get(received_id)
            if intelligence.withdraw(event.reason, event.withdrawn_on,
                                     processing_correlation(processing)):
                processing.collect_events(intelligence)

    def _contracts_for_service(self, service_id: str) -> list[Any]:
        """Every contract of ours that buys the regulated service now, from the register."""
        rows = self.register_view().select(
            "SELECT * FROM {contracts} WHERE regulator_service_id = ? "
            "ORDER BY awarded_at, reference", (service_id,))
        return [ContractRecord.of(row) for row in rows]

    def index_keys(self, domain_event: Any) -> Any:
        """Received intelligence is found again by the council's fact, besides the provider's
        own key."""
        yield from super().index_keys(domain_event)
        if isinstance(domain_event, ReceivedIntelligence.Received):
            yield f"received:{domain_event.council}:{domain_event.fact_id}"


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
