"""A provider's risk profile: every score, every concern, and its issues and risk log (§5).

The issues and risk log (004 §13) holds everything known about the provider: each concern raised
and each item of intelligence, with the follow-up agreed, the actions taken, who and when, and
whether it is open; a concern is closed only with a reason.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.risk.domain.rules import OverdueHistory, OverdueReturn, triggers_for
from services.risk.domain.scoring import MODEL_VERSION, assessed_risk_for, score_sections
from services.risk.domain.triggers import ConcernDraft, concerns_for
from shared.domain import InvalidInput, Missing, Refused, stable_id


class LogEntryNotFound(Missing):
    """No entry with this id is in the provider's issues and risk log."""


class LogEntryClosed(Refused):
    """The entry was closed already."""


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
        self.log: dict[str, dict[str, Any]] = {}
        self.overdue_returns: list[OverdueReturn] = []

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
        self._log(concern_id, "concern", category, summary, source, severity=severity,
                  safety_at_risk=safety_at_risk, evidence=list(evidence))

    # Intelligence from intake: each named rule of §6 may raise a concern ------------------------

    def assess(self, reading: object, source: str, correlation_id: str,
               causation_id: str) -> int:
        """Raises a concern for each rule the reading fires; the same evidence never twice."""
        raised = 0
        for trigger in triggers_for(reading):
            if trigger.dedup_key in self.log:
                continue
            self._concern_raised(
                provider_id=self.provider_id, concern_id=trigger.dedup_key,
                category=trigger.category, severity=trigger.severity.value, source=source,
                summary=trigger.summary, evidence=list(trigger.evidence),
                safety_at_risk=trigger.safety_at_risk, correlation_id=correlation_id,
                causation_id=causation_id,
            )
            raised += 1
        return raised

    def note_overdue(self, request_id: str, due_on: date, correlation_id: str,
                     causation_id: str) -> None:
        """Keeps the overdue return and reads the provider's overdue history against the rules."""
        if any(r.request_id == request_id for r in self.overdue_returns):
            return
        self._overdue_noted(provider_id=self.provider_id, request_id=request_id, due_on=due_on,
                            correlation_id=correlation_id)
        self.assess(OverdueHistory(self.overdue_returns), "return calendar", correlation_id,
                    causation_id)

    @event("ReturnOverdueNoted")
    def _overdue_noted(self, provider_id: str, request_id: str, due_on: date,
                       correlation_id: str) -> None:
        self.overdue_returns.append(OverdueReturn(request_id, due_on))

    # The issues and risk log ---------------------------------------------------------------------

    def _log(self, entry_id: str, kind: str, category: str, summary: str, source: str,
             **details: Any) -> None:
        self.log[entry_id] = {
            "entry_id": entry_id, "kind": kind, "category": category, "summary": summary,
            "source": source, "status": "open", "follow_up": [], "actions": [],
            "resolution": None, **details,
        }

    def entry(self, entry_id: str) -> dict[str, Any]:
        if entry_id not in self.log:
            raise LogEntryNotFound(f"no entry {entry_id} in the issues and risk log", "entry_id")
        return self.log[entry_id]

    def record_intelligence(
        self, entry_id: str, category: str, summary: str, source: str, recorded_by: str,
        at: datetime, correlation_id: str,
    ) -> None:
        """Logs intelligence about the provider (from staff, inspectors, complaints …), once."""
        if entry_id in self.log:
            return
        if not summary.strip():
            raise InvalidInput("say what the intelligence is", field="summary")
        self._intelligence_recorded(
            provider_id=self.provider_id, entry_id=entry_id, category=category,
            summary=summary, source=source, recorded_by=recorded_by, at=at,
            correlation_id=correlation_id,
        )

    @event("IntelligenceRecorded")
    def _intelligence_recorded(
        self, provider_id: str, entry_id: str, category: str, summary: str, source: str,
        recorded_by: str, at: datetime, correlation_id: str,
    ) -> None:
        self._log(entry_id, "intelligence", category, summary, source, recorded_by=recorded_by,
                  recorded_at=at)

    def agree_follow_up(self, entry_id: str, follow_up: str, by: str, at: datetime,
                        correlation_id: str) -> None:
        """Records the follow-up required on an open entry."""
        self._check_open(entry_id, follow_up, "follow_up")
        self._follow_up_agreed(provider_id=self.provider_id, entry_id=entry_id,
                               follow_up=follow_up, by=by, at=at, correlation_id=correlation_id)

    @event("FollowUpAgreed")
    def _follow_up_agreed(self, provider_id: str, entry_id: str, follow_up: str, by: str,
                          at: datetime, correlation_id: str) -> None:
        self.log[entry_id]["follow_up"].append({"text": follow_up, "by": by, "at": at})

    def record_action(self, entry_id: str, action: str, by: str, at: datetime,
                      correlation_id: str) -> None:
        """Records an action taken on an open entry."""
        self._check_open(entry_id, action, "action")
        self._action_recorded(provider_id=self.provider_id, entry_id=entry_id, action=action,
                              by=by, at=at, correlation_id=correlation_id)

    @event("ActionRecorded")
    def _action_recorded(self, provider_id: str, entry_id: str, action: str, by: str,
                         at: datetime, correlation_id: str) -> None:
        self.log[entry_id]["actions"].append({"text": action, "by": by, "at": at})

    def resolve(self, entry_id: str, reason: str, by: str, at: datetime,
                correlation_id: str) -> None:
        """Closes an entry with the reason; a concern's closure is published (ConcernResolved)."""
        self._check_open(entry_id, reason, "reason")
        self._resolved(provider_id=self.provider_id, entry_id=entry_id,
                       kind=self.log[entry_id]["kind"], reason=reason, by=by, at=at,
                       correlation_id=correlation_id)

    @event("ConcernResolved")
    def _resolved(self, provider_id: str, entry_id: str, kind: str, reason: str, by: str,
                  at: datetime, correlation_id: str) -> None:
        self.log[entry_id].update(status="closed", resolution={"reason": reason, "by": by,
                                                                "at": at})
        if entry_id in self.open_concerns:
            self.open_concerns.remove(entry_id)

    def _check_open(self, entry_id: str, text: str, field: str) -> None:
        if self.entry(entry_id)["status"] != "open":
            raise LogEntryClosed(f"entry {entry_id} is closed already", "entry_id")
        if not text.strip():
            raise InvalidInput(f"the {field.replace('_', ' ')} cannot be empty", field)
