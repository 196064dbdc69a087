"""Intelligence received from another council, as the integration events risk reads."""

from __future__ import annotations

from services.intake.domain.shared_intelligence import ReceivedIntelligence
from services.intake.integration import to_integration
from shared.contracts.sharing import (
    Category,
    IntelligenceReceivedFromCouncil,
    ReceivedIntelligenceWithdrawn,
)


@to_integration.register
def _(e: ReceivedIntelligence.Received) -> IntelligenceReceivedFromCouncil:
    details = e.details
    return IntelligenceReceivedFromCouncil(
        provider_id=e.provider_id, received_id=str(e.originator_id), council=e.council,
        council_name=e.council_name, agreement=e.agreement, category=Category(e.category),
        regulator=e.regulator, regulator_service_id=e.service_id,
        contract_reference=e.contract_reference,
        occurred_on=e.occurred_on, severity=details.get("severity"),
        grade=details.get("grade"), rating=details.get("rating"),
        due_on=details.get("due_on"), text=details.get("text"),
    )


@to_integration.register
def _(e: ReceivedIntelligence.Withdrawn) -> ReceivedIntelligenceWithdrawn:
    return ReceivedIntelligenceWithdrawn(
        provider_id=e.provider_id, received_id=str(e.originator_id), reason=e.reason,
        withdrawn_on=e.on,
    )
