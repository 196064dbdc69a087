"""A provider's risk profile: every score, every concern, and its issues and risk log (§5).

Each return is scored once under the council's scoring model (`model.py`), read against the
provider's earlier returns (`readings.py`) and put to the poor-performance rules of §6; the
provider's assessed risk level follows on the likelihood x impact matrix (`risk_matrix.py`).

The issues and risk log (004 §13) holds everything known about the provider: each concern raised
and each item of intelligence, with the follow-up agreed, the actions taken, who and when, and
whether it is open; a concern is closed only with a reason.

One concern per matter (issue 18): a rule that fires again about the matter of an open concern
(the same rule and category: a fourth overdue return, the next return red on safety) updates
that concern with the new evidence and a count (`ConcernRecurred`) instead of raising another
near-identical one, so the officer has one row to work. A trigger resting only on evidence the
matter's concerns already hold changes nothing; once the concern is closed, the matter raises a
new one.

An officer may hold a return's analysis (002's "received, not yet analysed"): until it is
released, the return's automatic score is not the council's analysis, so it leaves the provider's
latest score and band, the score trend and the risk level. What the provider said still counts:
its answers are read against later returns and its indicators stand. Concerns the return raised
when it was scored stand too, as concerns do when a return is re-scored: each rests on the
evidence at the time, and only an officer closes one, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.risk.domain.answers import AnswersOf
from services.risk.domain.configuration import RiskConfiguration
from services.risk.domain.indicators import indicators_for
from services.risk.domain.model import ScoredReturn, ScoringModel, score
from services.risk.domain.readings import ReturnFacts, readings_for
from services.risk.domain.risk_matrix import assess_provider
from services.risk.domain.rules import (
    OverdueHistory,
    OverdueReturn,
    ReturnScore,
    ScoredReturnReading,
    ScoreHistory,
    Trigger,
    triggers_for,
)
from services.risk.domain.rules.shared import IntelligenceFromAnotherCouncil, summary_of
from shared.domain import InvalidInput, Missing, Refused, stable_id
from shared.vocabulary import Rating, Severity

RETURN_ANALYSIS = "return analysis"


class LogEntryNotFound(Missing):
    """No entry with this id is in the provider's issues and risk log."""


class LogEntryClosed(Refused):
    """The entry was closed already."""


class ReturnNotScored(Missing):
    """Risk has not scored a return with this id for the provider."""


class AnalysisAlreadyHeld(Refused):
    """The return's analysis is held already."""


class AnalysisNotHeld(Refused):
    """The return's analysis is not held, so there is nothing to release."""


class RiskProfile(Aggregate):
    """What risk knows about one provider."""

    @staticmethod
    def create_id(provider_id: str, **_: object) -> UUID:
        return stable_id("risk-profile", provider_id)

    @event("Opened")
    def __init__(self, provider_id: str) -> None:
        self.provider_id = provider_id
        # return id -> what the return said and every score it was given, oldest first
        self.returns: dict[str, dict[str, Any]] = {}
        self.risk_level: str | None = None
        self.log: dict[str, dict[str, Any]] = {}
        self.overdue_returns: list[OverdueReturn] = []
        self.contracts: dict[str, dict[str, Any]] = {}

    # What the profile knows, as read models ------------------------------------------------------

    @property
    def scored_returns(self) -> list[str]:
        return list(self.returns)

    def current_returns(self) -> list[dict[str, Any]]:
        """The returns that stand (a corrected return gives way to its correction), by period."""
        standing = [r for r in self.returns.values() if r["superseded_by"] is None]
        return sorted(standing, key=lambda r: (r["period_end"], r["order"]))

    def analysed_returns(self) -> list[dict[str, Any]]:
        """The returns that stand and whose analysis is not held, by period."""
        return [r for r in self.current_returns() if not r["held"]]

    def latest_return(self) -> dict[str, Any] | None:
        """The latest return that stands, held or not: what the provider last told us."""
        current = self.current_returns()
        return current[-1] if current else None

    def latest_analysed(self) -> dict[str, Any] | None:
        """The latest return whose score counts as the council's analysis."""
        analysed = self.analysed_returns()
        return analysed[-1] if analysed else None

    @property
    def latest_score(self) -> Decimal | None:
        latest = self.latest_analysed()
        return None if latest is None else latest["scores"][-1]["score"]

    @property
    def latest_band(self) -> str | None:
        latest = self.latest_analysed()
        return None if latest is None else latest["scores"][-1]["band"]

    @property
    def open_concerns(self) -> list[str]:
        return [key for key, entry in self.log.items()
                if entry["kind"] == "concern" and entry["status"] == "open"]

    def score_history(self) -> ScoreHistory:
        return ScoreHistory(ReturnScore(r["return_id"], r["period_end"], r["scores"][-1]["score"])
                            for r in self.analysed_returns())

    # Scoring -----------------------------------------------------------------------------------

    def score_return(
        self, facts: ReturnFacts, as_sent: Mapping[str, Any], sections: Mapping[str, Rating],
        corrects: str | None, config: RiskConfiguration, answers_of: AnswersOf,
        correlation_id: str, causation_id: str,
    ) -> None:
        """Scores a return once, raises a concern for each rule it fires, and reassesses the
        provider's risk level. `as_sent` is kept for the record; `answers_of` reads the
        earlier returns' answers again."""
        if facts.return_id in self.returns:
            return
        scored = score(config.model, sections, facts.answers)
        earlier = [r for r in self.current_returns() if r["return_id"] != corrects]
        # The change is from the previous score that counts; answers are read from every return.
        before = [r for r in earlier if r["period_end"] <= facts.period_end and not r["held"]]
        previous = before[-1]["scores"][-1]["score"] if before else None
        indicators = indicators_for(facts.form, facts.answers, sections)
        self._scored(
            provider_id=self.provider_id, return_id=facts.return_id, form=facts.form,
            period_start=facts.period_start, period_end=facts.period_end,
            answers=dict(as_sent), corrects=corrects,
            indicators={"compliance": indicators.compliance,
                        "intelligence": indicators.intelligence},
            **_scored_fields(scored, previous), rescored_by=None,
            correlation_id=correlation_id, causation_id=causation_id,
        )
        reading = ScoredReturnReading(facts.return_id, facts.period_end, scored.percentage,
                                      scored.band, scored.section_ratings)
        earlier_facts = [_facts(r, answers_of) for r in earlier]
        for found in (reading, self.score_history(), *readings_for(facts, earlier_facts)):
            self._raise_all(triggers_for(found, config.rules), RETURN_ANALYSIS, correlation_id,
                            causation_id)
        self.reassess(config, correlation_id, causation_id)

    def rescore(self, model: ScoringModel, by: str, config: RiskConfiguration,
                answers_of: AnswersOf, correlation_id: str) -> list[str]:
        """Scores every return again under `model` where its latest score is under another;
        both scores stay in the history. Concerns already raised stand as they were."""
        rescored = []
        for record in sorted(self.returns.values(), key=lambda r: r["order"]):
            latest = record["scores"][-1]
            if latest["model_version"] == model.version:
                continue
            answers = answers_of(record["return_id"], record["form"], record["answers"])
            scored = score(model, record["sections"], answers)
            self._scored(
                provider_id=self.provider_id, return_id=record["return_id"],
                form=record["form"], period_start=record["period_start"],
                period_end=record["period_end"], answers=record["answers"],
                corrects=record["corrects"], indicators=record["indicators"],
                **_scored_fields(scored, latest["score"]), rescored_by=by,
                correlation_id=correlation_id, causation_id=correlation_id,
            )
            rescored.append(record["return_id"])
        if rescored:
            self.reassess(config, correlation_id, correlation_id)
        return rescored

    @event("ReturnScored")
    def _scored(
        self, provider_id: str, return_id: str, form: str, period_start: date, period_end: date,
        answers: dict[str, Any], corrects: str | None, indicators: dict[str, Any],
        score: Decimal, band: str, section_ratings: dict[str, Rating], explanation: list[str],
        deductions: list[dict[str, Any]], model_version: str, previous_score: Decimal | None,
        change: Decimal | None, rescored_by: str | None, correlation_id: str,
        causation_id: str,
    ) -> None:
        record = self.returns.setdefault(return_id, {
            "return_id": return_id, "form": form, "period_start": period_start,
            "period_end": period_end, "answers": answers, "sections": section_ratings,
            "corrects": corrects, "superseded_by": None, "indicators": indicators,
            "order": len(self.returns), "scores": [], "held": False, "holds": [],
        })
        record["scores"].append({
            "model_version": model_version, "score": score, "band": band,
            "explanation": explanation, "rescored_by": rescored_by,
        })
        if corrects in self.returns and rescored_by is None:
            self.returns[corrects]["superseded_by"] = return_id

    # Holding a return's analysis -----------------------------------------------------------------

    def scored_return(self, return_id: str) -> dict[str, Any]:
        if return_id not in self.returns:
            raise ReturnNotScored(
                f"no return {return_id} has been scored for provider {self.provider_id}",
                "return_id")
        return self.returns[return_id]

    def hold_analysis(self, return_id: str, reason: str, by: str, at: datetime,
                      correlation_id: str) -> None:
        """Holds a return's automatic score out of the provider's score, band and trend until
        an officer has done the analysis; concerns it raised stand."""
        if self.scored_return(return_id)["held"]:
            raise AnalysisAlreadyHeld(f"the analysis of return {return_id} is held already",
                                      "return_id")
        if not reason.strip():
            raise InvalidInput("say why the analysis is held", "reason")
        self._analysis_held(provider_id=self.provider_id, return_id=return_id, reason=reason,
                            by=by, at=at, correlation_id=correlation_id)

    @event("AnalysisHeld")
    def _analysis_held(self, provider_id: str, return_id: str, reason: str, by: str,
                       at: datetime, correlation_id: str) -> None:
        record = self.returns[return_id]
        record["held"] = True
        record["holds"].append({"reason": reason, "held_by": by, "held_at": at,
                                "released_by": None, "released_at": None})

    def release_analysis(self, return_id: str, by: str, at: datetime,
                         correlation_id: str) -> None:
        """Releases a held analysis: the return's score counts again."""
        if not self.scored_return(return_id)["held"]:
            raise AnalysisNotHeld(f"the analysis of return {return_id} is not held",
                                  "return_id")
        self._analysis_released(provider_id=self.provider_id, return_id=return_id, by=by, at=at,
                                correlation_id=correlation_id)

    @event("AnalysisReleased")
    def _analysis_released(self, provider_id: str, return_id: str, by: str, at: datetime,
                           correlation_id: str) -> None:
        record = self.returns[return_id]
        record["held"] = False
        record["holds"][-1].update(released_by=by, released_at=at)

    def review_scores(self, config: RiskConfiguration, correlation_id: str) -> int:
        """Reads the scores that count against the trend rule again (a released return counts
        once more; the same evidence never raises a concern twice) and reassesses the level."""
        raised = self._raise_all(triggers_for(self.score_history(), config.rules),
                                 RETURN_ANALYSIS, correlation_id, correlation_id)
        self.reassess(config, correlation_id, correlation_id)
        return raised

    # The provider's risk level ------------------------------------------------------------------

    def reassess(self, config: RiskConfiguration, correlation_id: str,
                 causation_id: str) -> None:
        """Places the provider on the matrix again and records a change of level."""
        open_concerns = [self.log[key] for key in self.open_concerns]
        trend = config.rule("worsening-trend")
        assessed = assess_provider(
            band=self.latest_band,
            open_serious_concerns=sum(c["severity"] == Severity.SERIOUS for c in open_concerns),
            trend_worsening=trend is not None and trend.check(self.score_history()) is not None,
            service_types={c["service_type"] for c in self.contracts.values()},
            safety_at_risk=any(c["safety_at_risk"] for c in open_concerns),
            matrix=config.matrix, impacts=config.service_impacts,
        )
        if assessed.level != self.risk_level:
            self._risk_level_assessed(
                provider_id=self.provider_id, previous_level=self.risk_level,
                level=assessed.level.value, likelihood=assessed.likelihood,
                impact=assessed.impact, reason=assessed.reason,
                correlation_id=correlation_id, causation_id=causation_id,
            )

    @event("RiskLevelAssessed")
    def _risk_level_assessed(
        self, provider_id: str, previous_level: str | None, level: str, likelihood: int,
        impact: int, reason: str, correlation_id: str, causation_id: str,
    ) -> None:
        self.risk_level = level

    def note_contract(self, reference: str, service_type: str, config: RiskConfiguration,
                      correlation_id: str, causation_id: str) -> None:
        """Keeps the service type of each contract: it sets the impact on the matrix."""
        if reference in self.contracts:
            return
        self._contract_noted(provider_id=self.provider_id, reference=reference,
                             service_type=service_type, correlation_id=correlation_id)
        if self.risk_level is not None:
            self.reassess(config, correlation_id, causation_id)

    @event("ContractNoted")
    def _contract_noted(self, provider_id: str, reference: str, service_type: str,
                        correlation_id: str) -> None:
        self.contracts[reference] = {"reference": reference, "service_type": service_type,
                                     "monitoring_level": None}

    def note_monitoring_level(self, reference: str, level: int, correlation_id: str) -> None:
        """Keeps each contract's monitoring level, so the log can be read by level."""
        contract = self.contracts.get(reference)
        if contract is None or contract["monitoring_level"] == level:
            return
        self._monitoring_level_noted(provider_id=self.provider_id, reference=reference,
                                     level=level, correlation_id=correlation_id)

    @event("MonitoringLevelNoted")
    def _monitoring_level_noted(self, provider_id: str, reference: str, level: int,
                                correlation_id: str) -> None:
        self.contracts[reference]["monitoring_level"] = level

    # Concerns ------------------------------------------------------------------------------------

    def _raise_all(self, triggers: Iterable[Trigger], source: str, correlation_id: str,
                   causation_id: str) -> int:
        """Raises a concern for each trigger, or updates the open concern about the same matter;
        the same evidence never raises or updates a concern twice. Returns how many changed."""
        changed = 0
        for trigger in triggers:
            if trigger.dedup_key in self.log or self._already_known(trigger):
                continue
            concern = self._open_concern_about(trigger)
            if concern is None:
                self._concern_raised(
                    provider_id=self.provider_id, concern_id=trigger.dedup_key,
                    rule=trigger.rule, category=trigger.category,
                    severity=trigger.severity.value, source=source, summary=trigger.summary,
                    evidence=list(trigger.evidence), safety_at_risk=trigger.safety_at_risk,
                    correlation_id=correlation_id, causation_id=causation_id,
                )
            else:
                self._recur(concern, trigger, source, correlation_id, causation_id)
            changed += 1
        return changed

    def _concerns_about(self, trigger: Trigger) -> list[dict[str, Any]]:
        """The concerns, open or closed, about the trigger's matter: its rule and category."""
        return [entry for entry in self.log.values()
                if entry["kind"] == "concern" and entry.get("rule") == trigger.rule
                and entry["category"] == trigger.category]

    def _already_known(self, trigger: Trigger) -> bool:
        return any(set(trigger.evidence) <= set(c["evidence"])
                   for c in self._concerns_about(trigger))

    def _open_concern_about(self, trigger: Trigger) -> dict[str, Any] | None:
        found = [c for c in self._concerns_about(trigger) if c["status"] == "open"]
        return found[-1] if found else None

    def _recur(self, concern: dict[str, Any], trigger: Trigger, source: str,
               correlation_id: str, causation_id: str) -> None:
        new = [item for item in trigger.evidence if item not in concern["evidence"]]
        serious = Severity.SERIOUS in (concern["severity"], trigger.severity)
        self._concern_recurred(
            provider_id=self.provider_id, concern_id=concern["entry_id"], rule=trigger.rule,
            category=trigger.category, source=source,
            severity=(Severity.SERIOUS if serious else Severity.MODERATE).value,
            summary=trigger.summary, evidence=[*concern["evidence"], *new], new_evidence=new,
            safety_at_risk=concern["safety_at_risk"] or trigger.safety_at_risk,
            occurrences=concern["occurrences"] + 1, correlation_id=correlation_id,
            causation_id=causation_id,
        )

    @event("ConcernRaised")
    def _concern_raised(
        self, provider_id: str, concern_id: str, rule: str, category: str, severity: str,
        source: str, summary: str, evidence: list[str], safety_at_risk: bool,
        correlation_id: str, causation_id: str,
    ) -> None:
        self._log(concern_id, "concern", category, summary, source, rule=rule,
                  severity=severity, safety_at_risk=safety_at_risk, evidence=list(evidence),
                  occurrences=1, first_summary=summary, recurrences=[])

    @event("ConcernRecurred")
    def _concern_recurred(
        self, provider_id: str, concern_id: str, rule: str, category: str, severity: str,
        source: str, summary: str, evidence: list[str], new_evidence: list[str],
        safety_at_risk: bool, occurrences: int, correlation_id: str, causation_id: str,
    ) -> None:
        entry = self.log[concern_id]
        entry.update(summary=summary, severity=severity, safety_at_risk=safety_at_risk,
                     evidence=list(evidence), occurrences=occurrences)
        entry["recurrences"].append({"summary": summary, "evidence": list(new_evidence),
                                     "source": source})

    # Intelligence from intake: each named rule of §6 may raise a concern ------------------------

    def assess(self, reading: object, source: str, config: RiskConfiguration,
               correlation_id: str, causation_id: str) -> int:
        """Raises a concern for each rule the reading fires (the same evidence never twice) and
        reassesses the provider's risk level."""
        raised = self._raise_all(triggers_for(reading, config.rules), source, correlation_id,
                                 causation_id)
        if raised:
            self.reassess(config, correlation_id, causation_id)
        return raised

    def note_overdue(self, request_id: str, due_on: date, config: RiskConfiguration,
                     correlation_id: str, causation_id: str) -> None:
        """Keeps the overdue return and reads the provider's overdue history against the rules."""
        if any(r.request_id == request_id for r in self.overdue_returns):
            return
        self._overdue_noted(provider_id=self.provider_id, request_id=request_id, due_on=due_on,
                            correlation_id=correlation_id)
        self.assess(OverdueHistory(self.overdue_returns), "return calendar", config,
                    correlation_id, causation_id)

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

    # Intelligence from another council (issue 20): evidence, not an order ----------------------

    def note_shared_intelligence(self, fact: IntelligenceFromAnotherCouncil,
                                 config: RiskConfiguration, at: datetime, correlation_id: str,
                                 causation_id: str) -> None:
        """Logs another council's fact, naming the council, and puts it to the `shared-*`
        rules, which may raise a concern as this council configured them; once."""
        entry_id = shared_entry_id(fact.received_id)
        if entry_id in self.log:
            return
        self._intelligence_recorded(
            provider_id=self.provider_id, entry_id=entry_id,
            category=f"from another council: {fact.category.replace('-', ' ')}",
            summary=summary_of(fact), source=fact.council_name, recorded_by=fact.council_name,
            at=at, correlation_id=correlation_id)
        self.assess(fact, f"{fact.council_name} (shared intelligence)", config,
                    correlation_id, causation_id)

    def withdraw_shared_intelligence(self, received_id: str, reason: str, on: date,
                                     correlation_id: str) -> bool:
        """Marks the council's fact, and any concern resting on it, withdrawn by that council;
        they stay open until an officer closes them with a reason."""
        entries = [e["entry_id"] for e in self.log.values()
                   if (e["entry_id"] == shared_entry_id(received_id)
                       or received_id in e.get("evidence", ())) and not e.get("withdrawn")]
        if not entries:
            return False
        self._shared_intelligence_withdrawn(
            provider_id=self.provider_id, received_id=received_id, entry_ids=entries,
            reason=reason, on=on, correlation_id=correlation_id)
        return True

    @event("SharedIntelligenceWithdrawn")
    def _shared_intelligence_withdrawn(self, provider_id: str, received_id: str,
                                       entry_ids: list[str], reason: str, on: date,
                                       correlation_id: str) -> None:
        for entry_id in entry_ids:
            self.log[entry_id]["withdrawn"] = {"reason": reason, "on": on}

    def _check_open(self, entry_id: str, text: str, field: str) -> None:
        if self.entry(entry_id)["status"] != "open":
            raise LogEntryClosed(f"entry {entry_id} is closed already", "entry_id")
        if not text.strip():
            raise InvalidInput(f"the {field.replace('_', ' ')} cannot be empty", field)


def shared_entry_id(received_id: str) -> str:
    """The log entry of a fact another council shared (intake's received id)."""
    return str(stable_id("shared-intelligence", received_id))


def _scored_fields(scored: ScoredReturn, previous: Decimal | None) -> dict[str, Any]:
    """The parts of `ReturnScored` that come from the score itself."""
    return {
        "score": scored.percentage, "band": scored.band.value,
        "section_ratings": dict(scored.section_ratings),
        "explanation": scored.explanation_lines(),
        "deductions": [asdict(d) for d in scored.explanation],
        "model_version": scored.model_version, "previous_score": previous,
        "change": None if previous is None else scored.percentage - previous,
    }


def _facts(record: Mapping[str, Any], answers_of: AnswersOf) -> ReturnFacts:
    """A return the profile keeps, its answers read again by the application's parser."""
    return ReturnFacts(record["return_id"], record["form"], record["period_start"],
                       record["period_end"],
                       answers_of(record["return_id"], record["form"], record["answers"]))
