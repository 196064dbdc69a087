"""RiskAssessment: scores every return and raises concerns from poor-performance triggers."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from functools import singledispatchmethod
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from services.risk.application.answers import answers_of
from services.risk.application.views import Listed, Page, ProfileFilter, RiskProfiles
from services.risk.domain.answers import ReturnAnswers
from services.risk.domain.configuration import DEFAULT_CONFIGURATION, RiskConfiguration
from services.risk.domain.readings import ReturnFacts
from services.risk.domain.risk_profile import RiskProfile
from services.risk.domain.rules import (
    InspectionFindings,
    IntelligenceFromAnotherCouncil,
    ReportedConcern,
    ServiceClosure,
    VisitMonth,
)
from services.risk.domain.rules.overdue import OverdueReturn
from shared.contracts import intake, risk, sharing
from shared.contracts.envelope import Envelope, IntegrationEvent
from shared.domain import stable_id
from shared.eventstore import Processing, ServiceApplication

PROFILES = "profiles"
# How many returns' parsed answers are kept for reading again (a provider's earlier returns, each
# time it sends another); a return's answers never change, so a kept one is never stale.
KEPT_ANSWERS = 10_000


class OverdueReturnAsDict(Transcoding):
    """An overdue return as a risk profile's snapshot keeps it."""

    type = OverdueReturn
    name = "overdue_return"

    def encode(self, obj: OverdueReturn) -> dict[str, Any]:
        return {"request_id": obj.request_id, "due_on": obj.due_on.isoformat()}

    def decode(self, data: dict[str, Any]) -> OverdueReturn:
        return OverdueReturn(data["request_id"], date.fromisoformat(data["due_on"]))


class RiskAssessment(ServiceApplication):
    """Keeps each provider's risk profile."""

    service = "risk"
    # A profile gains events with every return, concern and note for as long as the provider
    # is commissioned: loading one reads its latest snapshot and fewer than 50 events after it.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {RiskProfile: 50}
    projections = (RiskProfiles,)

    def __init__(self, env: dict[str, str] | None = None,
                 configuration: RiskConfiguration = DEFAULT_CONFIGURATION) -> None:
        # The council's scoring model, matrix and rules, read from its file by bootstrap.py
        # (a wrong file stops the start there), else the documented defaults.
        self.configuration = configuration
        super().__init__(env)
        self._answers: OrderedDict[str, ReturnAnswers] = OrderedDict()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(OverdueReturnAsDict())

    def profile(self, provider_id: str) -> RiskProfile:
        return self.get(RiskProfile, RiskProfile.create_id(provider_id))

    def profiles(self) -> list[RiskProfile]:
        """Every profile, replayed: for checks against the views, never for a request."""
        return [self.repository.get(i) for i in self.aggregates_under(PROFILES)]

    def standings(self, where: ProfileFilter, page: Page) -> Listed:
        """The officers' dashboard: each provider's standing, worst first."""
        return self.views.get(RiskProfiles).standings(where, page)

    def log_across_providers(self, where: ProfileFilter, open_only: bool, kind: str | None,
                             page: Page) -> Listed:
        """Every provider's issues and risk log entries, worst provider first."""
        return self.views.get(RiskProfiles).log_rows(where, open_only, kind, page)

    def latest_indicators(self) -> list[dict[str, Any]]:
        """The indicators of each provider's latest return, of those that sent one."""
        return self.views.get(RiskProfiles).latest_indicators()

    def record_intelligence(
        self, provider_id: str, entry_key: str, category: str, summary: str, source: str,
        recorded_by: str, correlation_id: str,
    ) -> dict[str, Any]:
        """Logs an item of intelligence about a provider in its issues and risk log."""
        profile = self._profile_for(provider_id)
        entry_id = str(stable_id("intelligence", provider_id, entry_key))
        profile.record_intelligence(entry_id, category, summary, source, recorded_by,
                                    datetime.now(UTC), correlation_id)
        self.save(profile)
        return profile.entry(entry_id)

    def update_log(self, provider_id: str, entry_id: str, change: str, text: str, by: str,
                   correlation_id: str) -> RiskProfile:
        """Agrees a follow-up, records an action, or resolves an entry, with who and when."""
        profile = self.profile(provider_id)
        getattr(profile, change)(entry_id, text, by, datetime.now(UTC), correlation_id)
        if change == "resolve":
            profile.reassess(self.configuration, correlation_id, correlation_id)
        self.save(profile)
        return profile

    def rescore(self, provider_id: str, by: str, correlation_id: str) -> list[str]:
        """Scores the provider's returns again under the council's current model."""
        profile = self.profile(provider_id)
        rescored = profile.rescore(self.configuration.model, by, self.configuration,
                                   self.answers_of, correlation_id)
        self.save(profile)
        return rescored

    def hold_analysis(self, provider_id: str, return_id: str, reason: str, by: str,
                      correlation_id: str) -> dict[str, Any]:
        """Holds a return's score out of the provider's score, band and trend until an officer
        has analysed it."""
        def hold(profile: RiskProfile) -> None:
            profile.hold_analysis(return_id, reason, by, datetime.now(UTC), correlation_id)
            profile.reassess(self.configuration, correlation_id, correlation_id)

        return self._change_profile(provider_id, hold).returns[return_id]

    def release_analysis(self, provider_id: str, return_id: str, by: str,
                         correlation_id: str) -> dict[str, Any]:
        """Releases a held analysis: the return's score counts again, trend and level too."""
        def release(profile: RiskProfile) -> None:
            profile.release_analysis(return_id, by, datetime.now(UTC), correlation_id)
            profile.review_scores(self.configuration, correlation_id)

        return self._change_profile(provider_id, release).returns[return_id]

    def _change_profile(self, provider_id: str,
                        change: Callable[[RiskProfile], None]) -> RiskProfile:
        """Applies an officer's change; if a consumed event saved the profile meanwhile, the
        change is applied again to the profile as it now stands."""
        for _ in range(2):
            profile = self.profile(provider_id)
            change(profile)
            try:
                self.save(profile)
                return profile
            except IntegrityError:
                continue
        profile = self.profile(provider_id)  # a third time, and a failure is the caller's
        change(profile)
        self.save(profile)
        return profile

    def answers_of(self, return_id: str, form: str, answers: Mapping[str, Any],
                   version: int | None = None) -> ReturnAnswers:
        """A return's answers parsed by its form, once per return while it stays kept (the
        oldest kept goes first)."""
        found = self._answers.get(return_id)
        if found is None:
            found = self._answers[return_id] = answers_of(form, answers, version)
            if len(self._answers) > KEPT_ANSWERS:
                self._answers.popitem(last=False)
        return found

    def summarise(self, aggregates: list[Any]) -> dict[str, Any]:
        """The provider's latest score and band, assessed risk level and open concerns."""
        profile = next((a for a in aggregates if isinstance(a, RiskProfile)), None)
        if profile is None:
            return {"latest_score": None, "latest_band": None, "risk_level": None,
                    "open_concerns": []}
        return {
            "latest_score": profile.latest_score, "latest_band": profile.latest_band,
            "risk_level": profile.risk_level,
            "open_concerns": [
                {key: profile.log[entry][key] for key in ("entry_id", "category", "severity",
                                                           "summary", "safety_at_risk")}
                for entry in profile.open_concerns],
        }

    def index_keys(self, domain_event: Any) -> Iterable[str]:
        yield from super().index_keys(domain_event)
        if isinstance(domain_event, RiskProfile.Opened):
            yield PROFILES

    def _profile_for(self, provider_id: str) -> RiskProfile:
        found = self.find(RiskProfile, RiskProfile.create_id(provider_id))
        return found or RiskProfile(provider_id=provider_id)

    @singledispatchmethod
    def policy(self, event: IntegrationEvent, processing: Processing) -> None:
        """Upstream events risk does not act on are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: intake.ReturnSubmitted, processing: Processing) -> None:
        envelope = _envelope(processing)
        profile = self._profile_for(event.provider_id)
        answers = self.answers_of(event.return_id, event.form, event.answers,
                                  event.form_version)
        facts = ReturnFacts(event.return_id, event.form, event.period_start, event.period_end,
                            answers)
        profile.score_return(
            facts, event.answers, event.sections, event.corrects, self.configuration,
            self.answers_of, envelope.correlationid, envelope.id,
        )
        processing.collect_events(profile)

    @policy.register
    def _(self, event: intake.ContractAwarded, processing: Processing) -> None:
        envelope = _envelope(processing)
        profile = self._profile_for(event.provider_id)
        profile.note_contract(event.contract_reference, event.service_type, self.configuration,
                              envelope.correlationid, envelope.id)
        processing.collect_events(profile)

    @policy.register
    def _(self, event: intake.ContractLevelChanged, processing: Processing) -> None:
        profile = self._profile_for(event.provider_id)
        profile.note_monitoring_level(event.contract_reference, event.level,
                                      _envelope(processing).correlationid)
        processing.collect_events(profile)

    @policy.register
    def _(self, event: intake.InspectionGradeRecorded, processing: Processing) -> None:
        envelope = _envelope(processing)
        findings = InspectionFindings(
            event_id=envelope.id, regulator=event.regulator,
            service_id=event.regulator_service_id, graded_on=event.graded_on,
            grades=event.grades, min_grade=event.min_grade, overall=event.overall,
        )
        regulator = "Care Inspectorate" if event.regulator == "care-inspectorate" else "CQC"
        self._assess(event.provider_id, findings, regulator, processing)

    @policy.register
    def _(self, event: intake.RegulatedServiceClosed, processing: Processing) -> None:
        closure = ServiceClosure(
            event_id=_envelope(processing).id, regulator=event.regulator,
            service_id=event.regulator_service_id, contract_reference=event.contract_reference,
            status=event.status, closed_on=event.closed_on,
        )
        regulator = "Care Inspectorate" if event.regulator == "care-inspectorate" else "CQC"
        self._assess(event.provider_id, closure, regulator, processing)

    @policy.register
    def _(self, event: intake.ConcernReported, processing: Processing) -> None:
        report = ReportedConcern(
            report_id=event.report_id, source=event.source.value, description=event.description,
            safety_at_risk=event.safety_at_risk,
            reported_on=_envelope(processing).time.date(),
        )
        self._assess(event.provider_id, report, f"reported ({event.source.value})", processing)

    @policy.register
    def _(self, event: intake.VisitFiguresRecorded, processing: Processing) -> None:
        month = VisitMonth(
            event_id=_envelope(processing).id, contract_reference=event.contract_reference,
            month=event.month, planned=event.planned, delivered=event.delivered,
            missed=event.missed, late=event.late,
            short_notice_cancellations=event.short_notice_cancellations,
        )
        self._assess(event.provider_id, month, "call monitoring", processing)

    @policy.register
    def _(self, event: intake.ReturnOverdue, processing: Processing) -> None:
        envelope = _envelope(processing)
        profile = self._profile_for(event.provider_id)
        profile.note_overdue(event.request_id, event.due_on, self.configuration,
                             envelope.correlationid, envelope.id)
        processing.collect_events(profile)

    @policy.register
    def _(self, event: sharing.IntelligenceReceivedFromCouncil, processing: Processing) -> None:
        envelope = _envelope(processing)
        fact = IntelligenceFromAnotherCouncil(
            received_id=event.received_id, council_name=event.council_name,
            category=event.category.value, service_id=event.regulator_service_id,
            occurred_on=event.occurred_on, severity=event.severity, grade=event.grade,
            rating=event.rating, due_on=event.due_on, text=event.text,
            contract_reference=event.contract_reference, regulator=event.regulator,
        )
        profile = self._profile_for(event.provider_id)
        profile.note_shared_intelligence(fact, self.configuration, envelope.time,
                                         envelope.correlationid, envelope.id)
        processing.collect_events(profile)

    @policy.register
    def _(self, event: sharing.ReceivedIntelligenceWithdrawn, processing: Processing) -> None:
        profile = self.find(RiskProfile, RiskProfile.create_id(event.provider_id))
        if profile and profile.withdraw_shared_intelligence(
                event.received_id, event.reason, event.withdrawn_on,
                _envelope(processing).correlationid):
            processing.collect_events(profile)

    def _assess(self, provider_id: str, reading: object, source: str,
                processing: Processing) -> None:
        envelope = _envelope(processing)
        profile = self._profile_for(provider_id)
        profile.assess(reading, source, self.configuration, envelope.correlationid, envelope.id)
        processing.collect_events(profile)

    @singledispatchmethod
    def to_integration(self, domain_event: Any) -> IntegrationEvent | None:
        return None

    @to_integration.register
    def _(self, domain_event: RiskProfile.ReturnScored) -> IntegrationEvent:
        return risk.RiskScored(
            provider_id=domain_event.provider_id,
            return_id=domain_event.return_id,
            score=domain_event.score,
            band=risk.Band(domain_event.band),
            section_ratings=domain_event.section_ratings,
            explanation=domain_event.explanation,
            model_version=domain_event.model_version,
            previous_score=domain_event.previous_score,
            change=domain_event.change,
            form=domain_event.form,
            period_end=domain_event.period_end,
            deductions=[risk.Deduction(**d) for d in domain_event.deductions],
            indicators=risk.Indicators(**domain_event.indicators),
            rescored_by=domain_event.rescored_by,
        )

    @to_integration.register
    def _(self, domain_event: RiskProfile.AnalysisHeld) -> IntegrationEvent:
        return risk.ReturnAnalysisHeld(
            provider_id=domain_event.provider_id, return_id=domain_event.return_id,
            reason=domain_event.reason, held_by=domain_event.by,
        )

    @to_integration.register
    def _(self, domain_event: RiskProfile.AnalysisReleased) -> IntegrationEvent:
        return risk.ReturnAnalysisReleased(
            provider_id=domain_event.provider_id, return_id=domain_event.return_id,
            released_by=domain_event.by,
        )

    @to_integration.register
    def _(self, domain_event: RiskProfile.ConcernRaised) -> IntegrationEvent:
        return risk.ConcernRaised(
            provider_id=domain_event.provider_id,
            concern_id=domain_event.concern_id,
            category=domain_event.category,
            severity=risk.Severity(domain_event.severity),
            source=domain_event.source,
            summary=domain_event.summary,
            evidence=domain_event.evidence,
            safety_at_risk=domain_event.safety_at_risk,
            rule=domain_event.rule,
        )

    @to_integration.register
    def _(self, domain_event: RiskProfile.ConcernRecurred) -> IntegrationEvent:
        return risk.ConcernRecurred(
            provider_id=domain_event.provider_id,
            concern_id=domain_event.concern_id,
            category=domain_event.category,
            severity=risk.Severity(domain_event.severity),
            source=domain_event.source,
            summary=domain_event.summary,
            evidence=domain_event.evidence,
            new_evidence=domain_event.new_evidence,
            safety_at_risk=domain_event.safety_at_risk,
            occurrences=domain_event.occurrences,
            rule=domain_event.rule,
        )

    @to_integration.register
    def _(self, domain_event: RiskProfile.RiskLevelAssessed) -> IntegrationEvent:
        return risk.RiskLevelAssessed(
            provider_id=domain_event.provider_id,
            previous_level=domain_event.previous_level,
            level=domain_event.level,
            reason=domain_event.reason,
            likelihood=domain_event.likelihood,
            impact=domain_event.impact,
        )

    @to_integration.register
    def _(self, domain_event: RiskProfile.ConcernResolved) -> IntegrationEvent | None:
        if domain_event.kind != "concern":
            return None
        return risk.ConcernResolved(
            provider_id=domain_event.provider_id,
            concern_id=domain_event.entry_id,
            reason=domain_event.reason,
            resolved_by=domain_event.by,
        )


def _envelope(processing: Processing) -> Envelope:
    assert processing.envelope is not None, "upstream events always come in an envelope"
    return processing.envelope
