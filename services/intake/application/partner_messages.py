"""What intake's stored sharing events say to the partner council, as messages for its edge.

Each of our agreement steps (an approval, a suspension, a resumption, an end) and each fact we
share or withdraw becomes one message to one partner, on the subject the councils' edge
servers carry for exactly that (`share.<from>.<to>.<category>.<service id>`, or
`.agreement.<reference>`). Steps the partner took are theirs to tell, never echoed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Repository

from services.intake.domain.agreement import Agreement, Status
from services.intake.domain.shared_intelligence import SharedFact
from services.intake.domain.sharing_setup import SharingSetup
from shared.contracts.envelope import Envelope, IntegrationEvent, event_id_for, wrap
from shared.contracts.sharing import (
    AgreementStep,
    AgreementStepShared,
    IntelligenceShared,
    IntelligenceWithdrawn,
)

AGREEMENT = "agreement"


def fact_subject(sender: str, receiver: str, category: str, service_id: str) -> str:
    return f"share.{sender}.{receiver}.{category}.{service_id}"


def agreement_subject(sender: str, receiver: str, reference: str) -> str:
    return f"share.{sender}.{receiver}.{AGREEMENT}.{reference}"


@dataclass(frozen=True)
class PartnerMessage:
    """One message for one partner council's edge."""

    partner: str
    subject: str
    envelope: Envelope
    fact_id: str | None = None


def message_for(setup: SharingSetup | None, repository: Repository,
                domain_event: Any) -> PartnerMessage | None:
    """The message a stored event sends the partner, or None (nothing to tell, or no set-up)."""
    if setup is None:
        return None
    if isinstance(domain_event, SharedFact.Shared | SharedFact.Withdrawn):
        return _fact_message(repository, setup, domain_event)
    if isinstance(domain_event, Agreement.Approved | Agreement.Suspended | Agreement.Resumed
                  | Agreement.Ended):
        return _step_message(repository, setup, domain_event)
    return None


def _fact_message(repository: Repository, setup: SharingSetup, domain_event: Any) -> PartnerMessage:
    fact: SharedFact = repository.get(domain_event.originator_id,
                                          version=domain_event.originator_version)
    common = {"provider_id": fact.service_id, "from_council": setup.council,
              "from_council_name": setup.name, "to_council": fact.partner,
              "agreement": fact.agreement, "fact_id": str(fact.id), "category": fact.category}
    contract: IntegrationEvent
    if isinstance(domain_event, SharedFact.Shared):
        contract = IntelligenceShared(**common, regulator=fact.regulator,
                                      occurred_on=fact.occurred_on, **fact.details)
    else:
        assert fact.withdrawn is not None
        contract = IntelligenceWithdrawn(**common, withdrawn_on=fact.withdrawn["on"],
                                         reason=str(fact.withdrawn["reason"]))
    subject = fact_subject(setup.council, fact.partner, fact.category, fact.service_id)
    return PartnerMessage(fact.partner, subject, _wrapped(contract, domain_event), str(fact.id))


def _step_message(repository: Repository, setup: SharingSetup,
                  domain_event: Any) -> PartnerMessage | None:
    version = domain_event.originator_version
    agreement: Agreement = repository.get(domain_event.originator_id, version=version)
    before: Agreement = repository.get(domain_event.originator_id, version=version - 1)
    step = _step(domain_event, agreement, before)
    if step is None:
        return None
    contract = AgreementStepShared(
        provider_id=agreement.reference, from_council=setup.council,
        from_council_name=setup.name, to_council=agreement.partner, step=step,
        sends=agreement.sends, receives=agreement.receives,
        service_ids=agreement.service_ids, free_text=agreement.free_text,
        starts_on=agreement.starts_on, ends_on=agreement.ends_on,
        by=getattr(domain_event, "approver", None) or domain_event.by,
        role=domain_event.role, proposed_by=agreement.proposed_by,
        reason=getattr(domain_event, "reason", None), at=domain_event.timestamp)
    subject = agreement_subject(setup.council, agreement.partner, agreement.reference)
    return PartnerMessage(agreement.partner, subject, _wrapped(contract, domain_event))


def _step(domain_event: Any, agreement: Agreement, before: Agreement) -> AgreementStep | None:
    if isinstance(domain_event, Agreement.Approved):
        return AgreementStep.OFFERED if agreement.proposed_here else AgreementStep.ACCEPTED
    if isinstance(domain_event, Agreement.Suspended):
        return AgreementStep.SUSPENDED
    if isinstance(domain_event, Agreement.Resumed):
        return AgreementStep.RESUMED
    # Ended: the partner knows of it only if it was offered to it, or offered by it.
    told = before.proposed_here is False or before.status is not Status.PROPOSED
    return AgreementStep.ENDED if told else None


def _wrapped(contract: IntegrationEvent, domain_event: Any) -> Envelope:
    event_id = event_id_for(domain_event.originator_id, domain_event.originator_version)
    return wrap(contract, event_id=event_id, time=domain_event.timestamp,
                correlation_id=getattr(domain_event, "correlation_id", None))

