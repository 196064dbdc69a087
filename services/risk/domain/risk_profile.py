"""A provider's risk profile: every score and every concern raised, in order."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.risk.domain.scoring import MODEL_VERSION, assessed_risk_for, score_sections
from services.risk.domain.triggers import ConcernDraft, concerns_for
from shared.domain import stable_id


class RiskProfile(Aggregate):
    """What risk knows about one provider."""

    @staticmethod
    def create_id(provider_id: str, **_: object) -> UUID:
        return stable_id("risk-profile", provider_id)

    @event("Opened")
    def __init__(self, provider_id: str) -> None:
        self.provider_id = provider_id
        self.scored_returns: list[str] = []
        self.latest_score: Decimal | None = None
        self.latest_band: str | None = None
        self.open_concerns: list[str] = []
        self.risk_level: str | None = None

    def score_return(
        self, return_id: str, sections: dict[str, str], correlation_id: str, causation_id: str
    ) -> None:
        """Scores a return once, then raises a concern for each trigger it fires."""
        if return_id in self.scored_returns:
            return
        score = score_sections(sections)
        change = None if self.latest_score is None else score.percentage - self.latest_score
        self._scored(
            provider_id=self.provider_id,
            return_id=return_id,
            score=score.percentage,
            band=score.band.value,
            section_ratings=dict(sections),
            explanation=list(score.explanation),
            model_version=MODEL_VERSION,
            previous_score=self.latest_score,
            change=change,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        for draft in concerns_for(score, sections):
            self._raise(draft, return_id, correlation_id, causation_id)
        self._reassess(assessed_risk_for(score.band), f"latest return scored {score.percentage}%",
                       correlation_id, causation_id)

    def _reassess(self, level: str, reason: str, correlation_id: str, causation_id: str) -> None:
        if level != self.risk_level:
            self._risk_level_assessed(
                provider_id=self.provider_id, previous_level=self.risk_level, level=level,
                reason=reason, correlation_id=correlation_id, causation_id=causation_id,
            )

    @event("RiskLevelAssessed")
    def _risk_level_assessed(
        self, provider_id: str, previous_level: str | None, level: str, reason: str,
        correlation_id: str, causation_id: str,
    ) -> None:
        self.risk_level = level

    def _raise(
        self, draft: ConcernDraft, return_id: str, correlation_id: str, causation_id: str
    ) -> None:
        self._concern_raised(
            provider_id=self.provider_id,
            concern_id=str(stable_id("concern", return_id, draft.rule)),
            category=draft.category,
            severity=draft.severity.value,
            source="return analysis",
            summary=draft.summary,
            evidence=[return_id, causation_id],
            safety_at_risk=draft.safety_at_risk,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )

    @event("ReturnScored")
    def _scored(
        self,
        provider_id: str,
        return_id: str,
        score: Decimal,
        band: str,
        section_ratings: dict[str, str],
        explanation: list[str],
        model_version: str,
        previous_score: Decimal | None,
        change: Decimal | None,
        correlation_id: str,
        causation_id: str,
    ) -> None:
        self.scored_returns.append(return_id)
        self.latest_score = score
        self.latest_band = band

    @event("ConcernRaised")
    def _concern_raised(
        self,
        provider_id: str,
        concern_id: str,
        category: str,
        severity: str,
        source: str,
        summary: str,
        evidence: list[str],
        safety_at_risk: bool,
        correlation_id: str,
        causation_id: str,
    ) -> None:
        self.open_concerns.append(concern_id)
