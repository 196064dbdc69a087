"""Each service's application on a real event store: every test runs on SQLite and PostgreSQL.

No NATS here: upstream messages are handed to `handle` as the tracked consumer would, with the
tracking position it would take from the producer's message id.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import openpyxl
import pytest
from eventsourcing.persistence import Tracking

from assure.services import ALL
from services.escalation.application import POLICY_PROPOSER, Interventions
from services.escalation.domain.escalation import (
    EscalationNotPending,
    RoleMayNotApprove,
    SelfApprovalRefused,
    Status,
)
from services.intake.application import Award, Intake, Submission, UnknownContract
from services.intake.application.return_log import LogFilter, to_csv, to_xlsx
from services.intake.domain.monitoring_return import FormDoesNotMatchLevel, IdempotencyKeyReused
from services.intake.domain.provider import ProviderAlreadyRegistered, ProviderSuspended
from services.intake.domain.return_request import AllocatedToSomeoneElse
from services.notify.application import Notifications
from services.risk.application import RiskAssessment
from shared.contracts import escalation, intake, risk
from shared.contracts.envelope import Envelope, IntegrationEvent, wrap
from shared.contracts.forms import example
from shared.dead_letter import DeadLetterAlreadyReplayed
from shared.domain import InvalidInput, Refused
from shared.eventstore import NotFound, Outcome, ServiceApplication
from shared.messaging.consumer import tracking_name
from shared.settings import AssureSettings

pytestmark = pytest.mark.integration

SERVICES = {definition.name: definition for definition in ALL}
LEVEL_1 = ("leadership_and_management", "sustainability", "finance", "safety_and_quality",
           "outcomes")
GREEN = dict.fromkeys(LEVEL_1, "green")
UNSAFE = {**GREEN, "safety_and_quality": "red", "finance": "red"}  # 60%, red safety
WHEN = datetime(2026, 8, 15, 9, 30, tzinfo=UTC)
FROM_INTAKE = tracking_name("intake", 0)
FROM_RISK = tracking_name("risk", 0)
FROM_ESCALATION = tracking_name("escalation", 0)

Opener = Callable[[str], Any]


@pytest.fixture
def open_app(settings: AssureSettings) -> Iterator[Opener]:
    """Opens a service's application as `assure up` would; closes whatever is left open."""
    opened: list[ServiceApplication] = []

    def open_(name: str) -> Any:
        app = SERVICES[name].build(settings)
        opened.append(app)
        return app

    yield open_
    for app in opened:
        app.close()  # idempotent, so an application a test closed already is no trouble


def reopen(app: ServiceApplication, open_: Opener) -> Any:
    """Closes an application and opens a new one on the same store, as after a restart."""
    app.close()
    return open_(app.service)


def envelope_of(event: IntegrationEvent, event_id: str, correlation_id: str = "corr-1") -> Envelope:
    return wrap(event, event_id=event_id, time=WHEN, correlation_id=correlation_id)


def return_submitted(
    return_id: str = "return-1", sections: dict[str, str] | None = None,
    provider_id: str = "oakwood",
) -> Envelope:
    event = intake.ReturnSubmitted(
        provider_id=provider_id, return_id=return_id, contract_reference="OAK-2025",
        form="cmr-level-1", form_version=1, period_start=date(2026, 4, 1),
        period_end=date(2026, 7, 31), sections=sections or UNSAFE, answers={},
        submitted_by="Registered manager", submitted_at=WHEN,
    )
    return envelope_of(event, f"intake-event-{provider_id}-{return_id}")


def concern_raised(
    concern_id: str = "concern-1", severity: str = "serious", safety: bool = True,
    provider_id: str = "oakwood",
) -> Envelope:
    event = risk.ConcernRaised(
        provider_id=provider_id, concern_id=concern_id, category="safety" if safety else "quality",
        severity=severity, source="return analysis", summary="sections rated red: finance",
        evidence=["return-1"], safety_at_risk=safety,
    )
    return envelope_of(event, f"risk-event-{concern_id}")


def published(app: ServiceApplication) -> list[IntegrationEvent]:
    """The integration events the outbox relay would publish from the store, in order."""
    events = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        public = app.to_integration(app.mapper.to_domain_event(notification))
        if public is not None:
            events.append(public)
    return events


def published_as(app: ServiceApplication, kind: type) -> list[Any]:
    return [event for event in published(app) if isinstance(event, kind)]


def stored(app: ServiceApplication) -> int:
    return app.recorder.max_notification_id() or 0


def event_names(history: list[dict[str, Any]]) -> list[str]:
    return [f"{entry['aggregate']}.{entry['event']}" for entry in history]


# Intake: a provider with one contract, on a clock the tests move -----------------------------

BEFORE_THE_YEAR = date(2025, 3, 1)  # the contract is recorded a month before it starts
APRIL_TO_JULY = (date(2025, 4, 1), date(2025, 7, 31))
AUGUST_TO_NOVEMBER = (date(2025, 8, 1), date(2025, 11, 30))
PDF = b"%PDF-1.4\n% minutes of the monitoring visit, 12 August 2025\n%%EOF\n"


def award(
    reference: str = "OAK-2025", annual_value: str = "250000",
    regulator: str | None = "care-inspectorate", service_type: str = "care-home",
    start_date: date = date(2025, 4, 1), provider_id: str = "oakwood",
) -> Award:
    return Award(
        provider_id=provider_id, reference=reference, service_type=service_type,
        annual_value=Decimal(annual_value), regulator=regulator,
        regulator_service_id="CS2003000101" if regulator else None, start_date=start_date,
        end_date=None, contract_manager="Ann Duncan",
    )


ADVICE_LINE = {"annual_value": "8000", "regulator": None,
               "service_type": "information-advice-and-support"}  # LEVEL 3


def contracted_intake(open_: Opener, today: date = BEFORE_THE_YEAR, **contract: Any) -> Intake:
    """Oakwood Care with contract OAK-2025 (LEVEL 1 unless told otherwise), recorded `today`."""
    app: Intake = open_("intake")
    app.tick(today, "corr-clock")
    app.register_provider("Oakwood Care", "oakwood", "coordinator", correlation_id="corr-0")
    app.award_contract(award(**contract), "coordinator", "corr-0")
    return app


def cmr(
    period: tuple[date, date] = APRIL_TO_JULY, ratings: dict[str, str] | None = None,
    submitted_by: str = "Registered manager", **changes: dict[str, Any],
) -> Submission:
    """A LEVEL 1 return for the period, every section green unless re-rated or changed."""
    answers = example("cmr-level-1", *period)
    for section, rating in (ratings or {}).items():
        answers[section]["rating"] = rating
    for section, fields in changes.items():
        answers[section] = {**answers[section], **fields}
    return Submission("cmr-level-1", None, answers, submitted_by)


def level_3_return(period: tuple[date, date] = (date(2025, 4, 1), date(2026, 3, 31))) -> Submission:
    return Submission("return-level-3", None, example("return-level-3", *period), "Manager")


def ticked(app: Intake, *days: date) -> list[tuple[date, int, int]]:
    """Runs the schedule to each day; the days something happened, with what happened."""
    results = [app.tick(day, "scheduler") for day in days]
    return [(r.today, r.requested, r.overdue) for r in results if r.requested or r.overdue]


def request_for(app: Intake, period: tuple[date, date], reference: str = "OAK-2025") -> Any:
    [request] = [r for r in app.requests_for(reference) if (r.period_start, r.period_end) == period]
    return request


def assessed(level: str, previous: str | None = None) -> Envelope:
    event = risk.RiskLevelAssessed(provider_id="oakwood", previous_level=previous, level=level,
                                   reason="latest return scored 40.00%")
    return envelope_of(event, f"risk-event-level-{level}")


def approved(step: str) -> Envelope:
    event = escalation.EscalationApproved(
        provider_id="oakwood", escalation_id=f"esc-{step}", intervention_id="int-1", step=step,
        approved_by="Morag", approver_role="head_of_strategic_planning",
    )
    return envelope_of(event, f"escalation-event-{step}")


# Intake: registry ------------------------------------------------------------------------------


def test_a_provider_registered_twice_under_one_name_is_recorded_once(open_app):
    app: Intake = open_app("intake")

    first, created = app.register_provider("Oakwood Care", "oakwood", "coordinator", "c1")
    again, created_again = app.register_provider("Oakwood Care", "oakwood", "coordinator", "c2")

    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert event_names(app.history("oakwood")) == ["Provider.Registered"]


def test_a_provider_id_already_registered_under_another_name_is_refused(open_app):
    app = contracted_intake(open_app)

    with pytest.raises(ProviderAlreadyRegistered):
        app.register_provider("Elmbank Care", "oakwood", "coordinator", "c2")


def test_an_awarded_contract_is_published_with_its_level_and_the_reason(open_app):
    app = contracted_intake(open_app)

    registered, awarded, placed = published(reopen(app, open_app))

    assert registered == intake.ProviderRegistered(provider_id="oakwood", name="Oakwood Care")
    assert isinstance(awarded, intake.ContractAwarded)
    assert (awarded.contract_reference, awarded.annual_value) == ("OAK-2025", Decimal(250000))
    assert placed == intake.ContractLevelChanged(
        provider_id="oakwood", contract_reference="OAK-2025", previous_level=None, level=1,
        reason="contract awarded: annual value £250,000 is over £100,000; "
        "regulated by the Care Inspectorate",
    )


def test_a_contract_awarded_again_with_the_same_reference_is_recorded_once(open_app):
    app = contracted_intake(open_app)
    before = stored(app)

    contract, created = app.award_contract(award(), "coordinator", "corr-2")

    assert (contract.reference, created) == ("OAK-2025", False)
    assert stored(app) == before


def test_a_contract_reference_already_awarded_to_another_provider_is_refused(open_app):
    app = contracted_intake(open_app)
    app.register_provider("Elmbank Care", "elmbank", "coordinator", "c")
    before = stored(app)

    with pytest.raises(InvalidInput) as refused:
        app.award_contract(award(provider_id="elmbank"), "coordinator", "corr-2")

    assert refused.value.field == "reference"
    assert stored(app) == before


# Intake: the calendar --------------------------------------------------------------------------


def year_of_ticks() -> list[date]:
    """The 1st, 15th, 16th and last day of each month, April 2025 to April 2026."""
    days = []
    for month in range(13):
        first = date(2025 + (3 + month) // 12, (3 + month) % 12 + 1, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        days += [first, first.replace(day=15), first.replace(day=16), last]
    return days


def test_a_level_1_contract_is_sent_a_cmr_on_1_august_1_december_and_1_april_due_the_15th(
    open_app,
):
    # 004 App. 4: LEVEL 1 CMRs go out on 1 April, 1 August and 1 December, due the 15th.
    app = contracted_intake(open_app)

    happened = ticked(app, *year_of_ticks())

    assert happened == [
        (date(2025, 8, 1), 1, 0), (date(2025, 8, 16), 0, 1),
        (date(2025, 12, 1), 1, 0), (date(2025, 12, 16), 0, 1),
        (date(2026, 4, 1), 1, 0), (date(2026, 4, 16), 0, 1),
    ]
    requests = sorted(app.requests_for("OAK-2025"), key=lambda r: r.due_on)
    assert [(r.form, r.period_start, r.period_end, r.issue_on, r.due_on) for r in requests] == [
        ("cmr-level-1", date(2025, 4, 1), date(2025, 7, 31), date(2025, 8, 1), date(2025, 8, 15)),
        ("cmr-level-1", date(2025, 8, 1), date(2025, 11, 30), date(2025, 12, 1),
         date(2025, 12, 15)),
        ("cmr-level-1", date(2025, 12, 1), date(2026, 3, 31), date(2026, 4, 1),
         date(2026, 4, 15)),
    ]


def test_a_return_is_requested_once_and_marked_overdue_once_however_often_the_clock_ticks(
    open_app,
):
    app = contracted_intake(open_app)
    days = [date(2025, 8, 1), date(2025, 8, 16), date(2025, 12, 1), date(2025, 12, 16),
            date(2026, 4, 1), date(2026, 4, 16)]

    happened = ticked(app, *[day for day in days for _ in range(2)], date(2026, 4, 30))

    assert happened == [(day, int(day.day == 1), int(day.day == 16)) for day in days]
    reopened: Intake = reopen(app, open_app)
    assert [e.due_on for e in published_as(reopened, intake.ReturnRequested)] == [
        date(2025, 8, 15), date(2025, 12, 15), date(2026, 4, 15)]
    overdue = published_as(reopened, intake.ReturnOverdue)
    assert [(e.due_on, e.overdue_on) for e in overdue] == [
        (date(2025, 8, 15), date(2025, 8, 16)), (date(2025, 12, 15), date(2025, 12, 16)),
        (date(2026, 4, 15), date(2026, 4, 16))]
    assert event_names(reopened.history("oakwood")).count("ReturnRequest.BecameOverdue") == 3
    assert ticked(reopened, date(2026, 5, 1)) == []


def test_returns_due_before_the_contract_was_recorded_are_not_requested(open_app):
    # A long-standing contract recorded in September: April-July's CMR (due 15 August) is
    # history from before Assure, not a return to chase.
    app = contracted_intake(open_app, today=date(2025, 9, 1), start_date=date(2024, 4, 1))

    happened = ticked(app, date(2025, 9, 1), date(2025, 12, 1), date(2025, 12, 16))

    assert happened == [(date(2025, 12, 1), 1, 0), (date(2025, 12, 16), 0, 1)]
    [request] = app.requests_for("OAK-2025")
    assert (request.period_start, request.due_on) == (date(2025, 8, 1), date(2025, 12, 15))


def test_the_clock_cannot_be_turned_back(open_app):
    app = contracted_intake(open_app)
    app.tick(date(2025, 8, 1), "scheduler")
    before = stored(app)

    with pytest.raises(InvalidInput) as refused:
        app.tick(date(2025, 7, 31), "scheduler")

    assert refused.value.field == "to"
    assert stored(app) == before
    assert reopen(app, open_app).today() == date(2025, 8, 1)


# Intake: submissions --------------------------------------------------------------------------


def test_a_return_received_by_its_due_date_fulfils_its_request(open_app):
    app = contracted_intake(open_app)
    ticked(app, date(2025, 8, 1), date(2025, 8, 15))

    monitoring_return, created = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")

    assert created is True
    assert (monitoring_return.late, monitoring_return.due_on) == (False, date(2025, 8, 15))
    request = request_for(app, APRIL_TO_JULY)
    assert (request.status.value, request.submitted_return) == (
        "submitted", str(monitoring_return.id))
    assert monitoring_return.request_id == str(request.id)
    assert ticked(app, date(2025, 8, 20)) == []  # a submitted return is never overdue


def test_a_return_received_after_its_due_date_is_accepted_and_marked_late(open_app):
    app = contracted_intake(open_app)
    ticked(app, date(2025, 8, 1), date(2025, 8, 20))  # overdue since 16 August

    monitoring_return, created = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")

    assert (created, monitoring_return.late) == (True, True)
    assert request_for(app, APRIL_TO_JULY).status.value == "late"
    [submitted] = published_as(reopen(app, open_app), intake.ReturnSubmitted)
    assert (submitted.late, submitted.contract_reference) == (True, "OAK-2025")


def test_a_submitted_return_is_published_with_its_period_ratings_and_answers(open_app):
    app = contracted_intake(open_app)
    submission = cmr(ratings={"safety_and_quality": "red", "finance": "red"})
    monitoring_return, _ = app.submit_return("OAK-2025", submission, "aug-2025", "corr-1")

    [submitted] = published_as(reopen(app, open_app), intake.ReturnSubmitted)

    assert submitted.return_id == str(monitoring_return.id)
    assert (submitted.period_start, submitted.period_end) == APRIL_TO_JULY
    assert (submitted.form, submitted.form_version) == ("cmr-level-1", 1)
    assert submitted.sections["safety_and_quality"] == "red"
    assert submitted.sections["staffing"] == "green"
    assert len(submitted.sections) == 18  # five return sections, thirteen of the meeting record
    assert submitted.answers["finance"]["income"] == "412000.00"
    assert (submitted.late, submitted.corrects) == (False, None)
    assert submitted.submitted_at.utcoffset() is not None


def test_a_retried_submission_with_the_same_key_and_return_gives_the_first_return(open_app):
    app = contracted_intake(open_app)

    first, created = app.submit_return("OAK-2025", cmr(ratings=UNSAFE), "aug-2025", "corr-1")
    retry, created_again = app.submit_return("OAK-2025", cmr(ratings=UNSAFE), "aug-2025", "corr-2")

    assert (created, created_again) == (True, False)
    assert retry.id == first.id
    assert event_names(app.history("oakwood")).count("MonitoringReturn.Submitted") == 1


def test_a_different_return_under_a_key_already_used_is_refused(open_app):
    app = contracted_intake(open_app)
    app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    before = stored(app)

    with pytest.raises(IdempotencyKeyReused):
        app.submit_return("OAK-2025", cmr(ratings=UNSAFE), "aug-2025", "corr-2")

    assert stored(app) == before


def test_returns_under_different_keys_are_different_returns(open_app):
    app = contracted_intake(open_app)

    first, _ = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    second, created = app.submit_return("OAK-2025", cmr(AUGUST_TO_NOVEMBER), "dec-2025", "c2")

    assert created is True
    assert second.id != first.id
    assert [r.period_start for r in app.returns_for("OAK-2025")] == [
        date(2025, 4, 1), date(2025, 8, 1)]


def test_a_return_for_a_contract_nobody_awarded_is_refused_and_nothing_is_stored(open_app):
    app = contracted_intake(open_app)
    before = stored(app)

    with pytest.raises(UnknownContract):
        app.submit_return("NOBODY-1", cmr(), "aug-2025", "corr-1")

    assert stored(app) == before


# Intake: corrections --------------------------------------------------------------------------


def test_a_correction_is_a_new_return_linked_to_the_one_it_corrects_and_both_are_kept(open_app):
    # §4: a submitted return is never edited in place; a correction is a new, linked submission.
    app = contracted_intake(open_app)
    ticked(app, date(2025, 8, 1), date(2025, 8, 10))
    original, _ = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    ticked(app, date(2025, 8, 20))
    fixed = cmr(ratings={"finance": "amber"}, finance={"expenditure": "420000.00"})

    correction, created = app.submit_return("OAK-2025", fixed, "aug-2025-fix", "corr-2",
                                            corrects=original.id)

    assert created is True
    assert correction.id != original.id
    assert correction.corrects == str(original.id)
    reopened: Intake = reopen(app, open_app)
    kept = reopened.get_return(original.id)
    assert kept.corrected_by == str(correction.id)
    assert kept.answers["finance"]["expenditure"] == "398500.00"  # the original, untouched
    assert reopened.get_return(correction.id).answers["finance"]["expenditure"] == "420000.00"
    assert [r.id for r in reopened.returns_for("OAK-2025")] == [original.id, correction.id]
    # The request stays fulfilled, on time, by the original.
    assert request_for(reopened, APRIL_TO_JULY).status.value == "submitted"
    *_, published_correction = published_as(reopened, intake.ReturnSubmitted)
    assert published_correction.corrects == str(original.id)
    assert event_names(reopened.history("oakwood")).count("MonitoringReturn.Corrected") == 1


def test_a_return_already_corrected_cannot_be_corrected_again_but_its_correction_can(open_app):
    app = contracted_intake(open_app)
    original, _ = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    correction, _ = app.submit_return("OAK-2025", cmr(submitted_by="Deputy"), "fix-1", "c2",
                                      corrects=original.id)
    before = stored(app)

    with pytest.raises(Refused) as refused:
        app.submit_return("OAK-2025", cmr(submitted_by="Owner"), "fix-2", "c3",
                          corrects=original.id)

    assert refused.value.field == "return_id"
    assert str(correction.id) in refused.value.message
    assert stored(app) == before
    second, created = app.submit_return("OAK-2025", cmr(submitted_by="Owner"), "fix-2", "c3",
                                         corrects=correction.id)
    assert (created, second.corrects) == (True, str(correction.id))


def test_a_correction_on_another_form_is_refused_naming_the_form(open_app):
    app = contracted_intake(open_app)
    original, _ = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    before = stored(app)
    self_assessment = Submission(
        "self-assessment", None, example("self-assessment", *APRIL_TO_JULY), "Manager")

    with pytest.raises(InvalidInput) as refused:
        app.submit_return("OAK-2025", self_assessment, "fix-1", "c2", corrects=original.id)

    assert refused.value.field == "form"
    assert stored(app) == before


# Intake: validation -----------------------------------------------------------------------------


def test_a_level_1_contract_refuses_a_level_3_return_naming_the_form_and_records_nothing(
    open_app,
):
    app = contracted_intake(open_app)
    before = stored(app)

    with pytest.raises(FormDoesNotMatchLevel) as refused:
        app.submit_return("OAK-2025", level_3_return(), "annual", "corr-1")

    assert refused.value.field == "form"
    assert refused.value.message == (
        "contract OAK-2025 is monitored at LEVEL 1, so its return is the cmr-level-1 form, "
        "not return-level-3")
    assert stored(app) == before


def test_a_level_3_contract_takes_the_level_3_return_and_refuses_a_cmr(open_app):
    app = contracted_intake(open_app, **ADVICE_LINE)

    with pytest.raises(FormDoesNotMatchLevel):
        app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    annual, created = app.submit_return("OAK-2025", level_3_return(), "annual", "corr-2")

    assert (created, annual.form) == (True, "return-level-3")


def test_a_form_nobody_has_heard_of_is_refused_naming_the_form(open_app):
    app = contracted_intake(open_app)
    before = stored(app)

    with pytest.raises(InvalidInput) as refused:
        app.submit_return("OAK-2025", Submission("cmr-level-9", None, {}, "m"), None, "c")

    assert refused.value.field == "form"
    assert stored(app) == before


def test_every_bad_answer_is_named_with_its_field_and_nothing_is_recorded(open_app):
    app = contracted_intake(open_app)
    before = stored(app)
    submission = cmr(
        adult_support_and_protection={"training_compliance_percent": 101},
        incidents_and_accidents={"incidents": -1},
        staffing={"position": "fine"},
    )
    del submission.answers["finance"]
    submission.answers["catering"] = {"rating": "green"}

    with pytest.raises(InvalidInput) as refused:
        app.submit_return("OAK-2025", submission, "aug-2025", "corr-1")

    problems = dict(refused.value.problems)
    assert set(problems) == {
        "answers.adult_support_and_protection.training_compliance_percent",
        "answers.incidents_and_accidents.incidents",
        "answers.staffing.position",
        "answers.finance",
        "answers.catering",
    }
    assert problems["answers.adult_support_and_protection.training_compliance_percent"] == (
        "Input should be less than or equal to 100")
    assert problems["answers.incidents_and_accidents.incidents"] == (
        "Input should be greater than or equal to 0")
    assert problems["answers.finance"] == "Field required"
    assert problems["answers.catering"] == "Extra inputs are not permitted"
    assert stored(app) == before


def test_a_date_outside_the_returns_period_is_refused_naming_it(open_app):
    app = contracted_intake(open_app)
    before = stored(app)
    incidents = example("cmr-level-1", *APRIL_TO_JULY)["incidents_and_accidents"]
    incidents["notable_incidents"][0]["occurred_on"] = "2025-09-01"

    with pytest.raises(InvalidInput) as refused:
        app.submit_return("OAK-2025", cmr(incidents_and_accidents=incidents), "k", "corr-1")

    assert refused.value.problems == [(
        "answers.incidents_and_accidents.notable_incidents.0.occurred_on",
        "1 September 2025 lies outside the period 1 April 2025 to 31 July 2025",
    )]
    assert stored(app) == before


def test_a_date_outside_the_period_is_named_beside_the_other_bad_answers(open_app):
    app = contracted_intake(open_app)
    incidents = example("cmr-level-1", *APRIL_TO_JULY)["incidents_and_accidents"]
    incidents["notable_incidents"][0]["occurred_on"] = "2025-09-01"
    submission = cmr(incidents_and_accidents=incidents,
                     adult_support_and_protection={"training_compliance_percent": 101})

    with pytest.raises(InvalidInput) as refused:
        app.submit_return("OAK-2025", submission, "k", "corr-1")

    assert {field for field, _ in refused.value.problems} == {
        "answers.incidents_and_accidents.notable_incidents.0.occurred_on",
        "answers.adult_support_and_protection.training_compliance_percent",
    }


def test_a_return_already_requested_is_accepted_on_its_form_after_the_level_changes(open_app):
    app = contracted_intake(open_app, **ADVICE_LINE)
    ticked(app, date(2026, 3, 1))  # the annual LEVEL 3 return goes out
    app.handle(assessed("high"), Tracking(FROM_RISK, 1))  # now LEVEL 1

    annual, created = app.submit_return("OAK-2025", level_3_return(), "annual", "corr-1")

    assert created is True
    assert request_for(app, (date(2025, 4, 1), date(2026, 3, 31))).status.value == "submitted"


def test_a_return_sent_before_its_request_goes_out_still_counts(open_app):
    app = contracted_intake(open_app, today=date(2025, 7, 20))
    app.submit_return("OAK-2025", cmr(), "early", "corr-1")  # before 1 August

    ticked(app, date(2025, 8, 1), date(2025, 8, 20))

    assert request_for(app, APRIL_TO_JULY).status.value == "submitted"


# Intake: what other services tell it ----------------------------------------------------------


def test_high_assessed_risk_raises_a_level_3_contract_to_level_1_with_the_reason(open_app):
    # §3: the level is the highest any criterion gives; assessed risk is one of them.
    app = contracted_intake(open_app, **ADVICE_LINE)
    assert app.get_contract("OAK-2025").level == 3

    outcome = app.handle(assessed("high"), Tracking(FROM_RISK, 1))

    assert outcome == Outcome(duplicate=False, new_events=2)  # RiskAssessed, LevelChanged
    reopened: Intake = reopen(app, open_app)
    contract = reopened.get_contract("OAK-2025")
    assert (contract.level, contract.assessed_risk) == (1, "high")
    *_, raised = published_as(reopened, intake.ContractLevelChanged)
    assert (raised.previous_level, raised.level) == (3, 1)
    assert raised.reason == "assessed risk now high: assessed risk is high"
    assert reopened.handle(assessed("high"), Tracking(FROM_RISK, 1)).duplicate is True


def test_assessed_risk_falling_back_to_low_returns_the_contract_to_its_own_level(open_app):
    app = contracted_intake(open_app, **ADVICE_LINE)
    app.handle(assessed("high"), Tracking(FROM_RISK, 1))

    app.handle(assessed("medium", "high"), Tracking(FROM_RISK, 2))
    medium = app.get_contract("OAK-2025").level
    app.handle(assessed("low", "medium"), Tracking(FROM_RISK, 3))

    assert (medium, app.get_contract("OAK-2025").level) == (2, 3)
    changes = published_as(app, intake.ContractLevelChanged)
    assert [(e.previous_level, e.level) for e in changes] == [(None, 3), (3, 1), (1, 2), (2, 3)]


def test_assessed_risk_reaches_every_contract_of_the_provider(open_app):
    app = contracted_intake(open_app, **ADVICE_LINE)
    app.award_contract(award("OAK-HOME"), "coordinator", "corr-0")  # LEVEL 1 by value anyway

    outcome = app.handle(assessed("high"), Tracking(FROM_RISK, 1))

    assert outcome.new_events == 3  # risk taken into both, one level changed
    assert {c.reference: (c.level, c.assessed_risk) for c in app.contracts("oakwood")} == {
        "OAK-2025": (1, "high"), "OAK-HOME": (1, "high")}


def test_an_approved_suspension_blocks_a_new_award_with_a_clear_refusal(open_app):
    # 003: no new contracts or placements are awarded to a provider while suspended.
    app = contracted_intake(open_app)

    outcome = app.handle(approved("suspension"), Tracking(FROM_ESCALATION, 1))

    assert outcome == Outcome(duplicate=False, new_events=1)
    reopened: Intake = reopen(app, open_app)
    before = stored(reopened)
    with pytest.raises(ProviderSuspended) as refused:
        reopened.award_contract(award("OAK-2026"), "coordinator", "corr-2")
    assert refused.value.field == "provider_id"
    assert "Oakwood Care is suspended (approved escalation esc-suspension)" in (
        refused.value.message)
    assert stored(reopened) == before
    assert event_names(reopened.history("oakwood"))[-1] == "Provider.Suspended"


def test_an_approved_step_other_than_suspension_leaves_awards_open(open_app):
    app = contracted_intake(open_app)

    outcome = app.handle(approved("breach notice"), Tracking(FROM_ESCALATION, 1))

    assert outcome == Outcome(duplicate=False, new_events=0)
    _, created = app.award_contract(award("OAK-2026"), "coordinator", "corr-2")
    assert created is True


# Intake: evidence -------------------------------------------------------------------------------


def test_evidence_is_kept_with_its_sha256_size_and_type_and_comes_back_the_same(open_app):
    app = contracted_intake(open_app)
    monitoring_return, _ = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")

    item = app.attach_evidence(monitoring_return.id, PDF, "application/pdf", "minutes.pdf",
                               "Ann Duncan", "corr-2")

    sha256 = hashlib.sha256(PDF).hexdigest()
    assert item == {"sha256": sha256, "size": len(PDF), "media_type": "application/pdf",
                    "filename": "minutes.pdf"}
    reopened: Intake = reopen(app, open_app)
    kept, content = reopened.evidence_file(monitoring_return.id, sha256)
    assert (kept, content) == (item, PDF)
    assert hashlib.sha256(content).hexdigest() == sha256


def test_the_same_evidence_attached_twice_is_kept_once(open_app):
    app = contracted_intake(open_app)
    monitoring_return, _ = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    app.attach_evidence(monitoring_return.id, PDF, "application/pdf", "a.pdf", "Ann", "c2")
    before = stored(app)

    app.attach_evidence(monitoring_return.id, PDF, "application/pdf", "b.pdf", "Jo", "c3")

    assert stored(app) == before
    assert len(app.get_return(monitoring_return.id).evidence) == 1


def test_an_executable_is_refused_as_evidence_and_nothing_is_kept(open_app):
    app = contracted_intake(open_app)
    monitoring_return, _ = app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    before = stored(app)

    with pytest.raises(InvalidInput) as refused:
        app.attach_evidence(monitoring_return.id, b"MZ\x90\x00", "application/x-msdownload",
                            "invoice.exe", "Ann", "c2")

    assert refused.value.field == "file"
    assert stored(app) == before
    with pytest.raises(NotFound):
        app.evidence_file(monitoring_return.id, hashlib.sha256(b"MZ\x90\x00").hexdigest())


# Intake: the return log -------------------------------------------------------------------------


def log_of_a_year(open_app: Opener) -> Intake:
    """August's return in on time and allocated to Jo; December's overdue."""
    app = contracted_intake(open_app)
    ticked(app, date(2025, 8, 1), date(2025, 8, 10))
    app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    app.allocate(request_for(app, APRIL_TO_JULY).id, "Jo", "corr-2")
    ticked(app, date(2025, 12, 1), date(2025, 12, 20))
    return app


def test_the_return_log_shows_each_return_with_its_status_and_filters_by_it(open_app):
    app = log_of_a_year(open_app)

    everything = app.return_log(LogFilter())
    overdue = app.return_log(LogFilter(status="overdue"))
    submitted = app.return_log(LogFilter(status="submitted"))

    assert [(r.period_start, r.status) for r in everything] == [
        (date(2025, 4, 1), "submitted"), (date(2025, 8, 1), "overdue")]
    assert [r.due_on for r in overdue] == [date(2025, 12, 15)]
    [row] = submitted
    assert (row.provider_name, row.service_type, row.allocated_to) == (
        "Oakwood Care", "care-home", "Jo")
    assert row.submitted_on == date(2025, 8, 10)
    assert app.return_log(LogFilter(allocated_to="Sam")) == []
    assert app.return_log(LogFilter(due_from=date(2025, 9, 1))) == overdue


def test_a_return_allocated_to_one_coordinator_is_refused_to_another(open_app):
    app = log_of_a_year(open_app)
    request = request_for(app, APRIL_TO_JULY)
    before = stored(app)

    with pytest.raises(AllocatedToSomeoneElse):
        app.allocate(request.id, "Sam", "corr-3")

    assert stored(app) == before
    app.allocate(request.id, "Jo", "corr-4", release=True)
    assert app.allocate(request.id, "Sam", "corr-5").allocated_to == "Sam"


def test_the_return_log_exports_to_csv_with_uk_dates(open_app):
    app = log_of_a_year(open_app)

    rows = list(csv.DictReader(io.StringIO(to_csv(app.return_log(LogFilter())))))

    assert list(rows[0]) == [
        "Request", "Contract", "Provider id", "Provider", "Service type", "Form", "Period start",
        "Period end", "Issued", "Due", "Status", "Submitted", "Return", "Allocated to",
        "Reminders sent"]
    august = rows[0]
    assert (august["Contract"], august["Status"], august["Allocated to"]) == (
        "OAK-2025", "submitted", "Jo")
    assert (august["Period start"], august["Issued"], august["Due"], august["Submitted"]) == (
        "01/04/2025", "01/08/2025", "15/08/2025", "10/08/2025")
    assert (rows[1]["Due"], rows[1]["Submitted"]) == ("15/12/2025", "")


def test_the_return_log_exports_to_xlsx_with_date_cells_shown_the_uk_way(open_app):
    app = log_of_a_year(open_app)

    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(app.return_log(LogFilter()))))

    sheet = book["Return log"]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Request", "Contract", "Provider id", "Provider"]
    due = sheet.cell(row=2, column=header.index("Due") + 1)
    assert due.value == datetime(2025, 8, 15)
    assert due.number_format == "DD/MM/YYYY"
    assert sheet.cell(row=3, column=header.index("Status") + 1).value == "overdue"
    assert sheet.max_row == 3


def test_names_in_the_return_log_are_exported_as_text_never_as_formulas(open_app):
    app: Intake = open_app("intake")
    app.tick(BEFORE_THE_YEAR, "corr-clock")
    name = '=HYPERLINK("http://example.invalid/x","Oakwood Care")'
    app.register_provider(name, "oakwood", "coordinator", "corr-0")
    app.award_contract(award(), "coordinator", "corr-0")
    ticked(app, date(2025, 8, 1))
    rows = app.return_log(LogFilter())

    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(rows)))["Return log"]
    [exported] = list(csv.DictReader(io.StringIO(to_csv(rows))))

    provider = sheet.cell(row=2, column=4)
    assert (provider.value, provider.data_type) == (name, "s")
    assert not exported["Provider"].startswith("=")


# Intake: history and restarts ------------------------------------------------------------------


def test_a_history_spans_every_aggregate_about_the_provider(open_app):
    app = contracted_intake(open_app)
    app.submit_return("OAK-2025", cmr(), "aug-2025", "corr-1")
    app.submit_return("OAK-2025", cmr(AUGUST_TO_NOVEMBER, UNSAFE), "dec-2025", "corr-2")

    history = app.history("oakwood")

    assert event_names(history) == [
        "Provider.Registered", "Contract.Awarded", "Contract.LevelChanged",
        "MonitoringReturn.Submitted", "MonitoringReturn.Submitted"]
    assert [entry["data"]["correlation_id"] for entry in history] == [
        "corr-0", "corr-0", "corr-0", "corr-1", "corr-2"]


def test_intake_remembers_providers_contracts_returns_and_the_clock_after_a_restart(open_app):
    app = contracted_intake(open_app)
    ticked(app, date(2025, 8, 1))
    first, _ = app.submit_return("OAK-2025", cmr(ratings=UNSAFE), "aug-2025", "corr-1")

    reopened: Intake = reopen(app, open_app)

    assert reopened.get_provider("oakwood").name == "Oakwood Care"
    assert reopened.get_contract("OAK-2025").level == 1
    assert reopened.today() == date(2025, 8, 1)
    kept = reopened.get_return(first.id)
    assert (kept.period_start, kept.sections["safety_and_quality"]) == (date(2025, 4, 1), "red")
    retry, created = reopened.submit_return("OAK-2025", cmr(ratings=UNSAFE), "aug-2025", "corr-2")
    assert (retry.id, created) == (first.id, False)
    with pytest.raises(IdempotencyKeyReused):
        reopened.submit_return("OAK-2025", cmr(), "aug-2025", "corr-3")


# Risk ----------------------------------------------------------------------------------------


def test_a_submitted_return_is_scored_and_its_red_safety_section_raises_a_concern(open_app):
    app: RiskAssessment = open_app("risk")

    outcome = app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))

    assert outcome == Outcome(duplicate=False, new_events=4)  # with Opened, not published
    profile = app.profile("oakwood")
    assert profile.latest_score == Decimal("60.00")
    assert profile.latest_band == "50-74%"
    scored, raised, level = published(app)
    assert isinstance(scored, risk.RiskScored) and scored.score == Decimal("60.00")
    assert scored.model_version == "sections-and-answers-2"
    assert scored.explanation == ["Finance rated red: 20 points",
                                  "Safety and quality rated red: 20 points"]
    assert isinstance(raised, risk.ConcernRaised) and raised.safety_at_risk is True
    assert (raised.rule, raised.evidence) == ("red-section", ["return-1"])
    # No contract known yet: a moderate impact, raised by people's safety being at risk.
    assert (level.previous_level, level.level, level.likelihood, level.impact) == (
        None, risk.RiskLevel.HIGH, 4, 4)
    assert level.reason.startswith("likelihood 4 (likely) x impact 4 (major) = 16: high")
    assert app.position(FROM_INTAKE) == 1


def test_a_return_scored_into_a_worse_band_tells_intake_the_risk_level_is_now_high(open_app):
    # Intake recomputes its contracts' monitoring levels from this (§3).
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-1", GREEN), Tracking(FROM_INTAKE, 1))
    app.handle(return_submitted("return-2", {**GREEN, "outcomes": "amber"}), Tracking(
        FROM_INTAKE, 2))
    poor = {**GREEN, "finance": "red", "sustainability": "red", "outcomes": "red"}  # 40%

    app.handle(return_submitted("return-3", poor), Tracking(FROM_INTAKE, 3))

    levels = published_as(reopen(app, open_app), risk.RiskLevelAssessed)
    assert [(e.previous_level, e.level) for e in levels] == [(None, "low"), ("low", "high")]
    assert "latest return in the band below 50%" in levels[-1].reason


def test_a_redelivered_message_at_the_same_position_is_a_duplicate(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))
    before = stored(app)

    outcome = app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))

    assert outcome == Outcome(duplicate=True, new_events=0)
    assert stored(app) == before


def test_a_message_from_behind_the_partitions_position_is_a_duplicate(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-5"), Tracking(FROM_INTAKE, 5))
    before = stored(app)

    outcome = app.handle(return_submitted("return-3"), Tracking(FROM_INTAKE, 3))

    assert outcome.duplicate is True
    assert stored(app) == before
    assert app.profile("oakwood").scored_returns == ["return-5"]
    assert app.position(FROM_INTAKE) == 5


def test_each_partition_keeps_its_own_position(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-5"), Tracking(FROM_INTAKE, 5))

    outcome = app.handle(return_submitted("return-1", provider_id="elmbank"),
                         Tracking(tracking_name("intake", 1), 1))

    assert outcome.duplicate is False
    assert app.profile("elmbank").scored_returns == ["return-1"]


def test_a_return_republished_at_a_new_position_is_not_scored_again(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))
    before = stored(app)

    outcome = app.handle(return_submitted(), Tracking(FROM_INTAKE, 2))

    assert outcome == Outcome(duplicate=False, new_events=0)
    assert stored(app) == before
    assert app.position(FROM_INTAKE) == 2


def test_a_second_return_is_scored_against_the_first(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-1", GREEN), Tracking(FROM_INTAKE, 1))
    app.handle(return_submitted("return-2", UNSAFE), Tracking(FROM_INTAKE, 2))

    scores = [e for e in published(reopen(app, open_app)) if isinstance(e, risk.RiskScored)]

    assert [s.score for s in scores] == [Decimal("100.00"), Decimal("60.00")]
    assert scores[1].previous_score == Decimal("100.00")
    assert scores[1].change == Decimal("-40.00")


def test_an_event_risk_does_not_act_on_is_tracked_and_otherwise_ignored(open_app):
    app: RiskAssessment = open_app("risk")
    registered = envelope_of(intake.ProviderRegistered(provider_id="oakwood", name="Oakwood"), "e1")

    outcome = app.handle(registered, Tracking(FROM_INTAKE, 1))

    assert outcome == Outcome(duplicate=False, new_events=0)
    assert app.position(FROM_INTAKE) == 1
    with pytest.raises(NotFound):
        app.profile("oakwood")


# Escalation ----------------------------------------------------------------------------------


def test_a_serious_concern_opens_one_intervention_and_proposes_a_breach_notice(open_app):
    app: Interventions = open_app("escalation")

    outcome = app.handle(concern_raised(), Tracking(FROM_RISK, 1))

    assert outcome == Outcome(duplicate=False, new_events=2)
    [proposal] = app.escalations_for("oakwood")
    assert proposal.status is Status.PROPOSED
    assert proposal.step == "breach notice"
    assert proposal.proposed_by == POLICY_PROPOSER
    opened, proposed = published(app)
    assert isinstance(opened, escalation.InterventionOpened)
    assert opened.level is escalation.Level.ENFORCE
    assert isinstance(proposed, escalation.EscalationProposed)
    assert proposed.escalation_id == str(proposal.id)
    assert proposed.intervention_id == opened.intervention_id


def test_a_moderate_concern_opens_an_enabling_intervention_with_an_improvement_plan(open_app):
    app: Interventions = open_app("escalation")

    app.handle(concern_raised(severity="moderate", safety=False), Tracking(FROM_RISK, 1))

    opened = published(app)[0]
    assert opened.level is escalation.Level.ENABLE
    assert app.escalations_for("oakwood")[0].step == "improvement plan"


def test_a_concern_delivered_again_opens_no_second_intervention(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    before = stored(app)

    same_position = app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    republished = app.handle(concern_raised(), Tracking(FROM_RISK, 2))

    assert same_position == Outcome(duplicate=True)
    assert republished == Outcome(duplicate=False, new_events=0)
    assert stored(app) == before
    assert len(app.escalations_for("oakwood")) == 1


def test_an_approval_by_a_second_authorised_person_is_recorded(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [proposal] = app.escalations_for("oakwood")

    approved = app.approve(proposal.id, "Morag", "head_of_strategic_planning", "corr-9")

    assert approved.status is Status.APPROVED
    reopened: Interventions = reopen(app, open_app)
    assert reopened.escalation(proposal.id).status is Status.APPROVED
    assert reopened.escalation(proposal.id).decided_by == "Morag"
    assert published(reopened)[-1] == escalation.EscalationApproved(
        provider_id="oakwood", escalation_id=str(proposal.id),
        intervention_id=proposal.intervention_id, step="breach notice",
        approved_by="Morag", approver_role="head_of_strategic_planning",
    )
    assert event_names(reopened.history("oakwood"))[-1] == "Escalation.Approved"


def test_refused_decisions_record_nothing(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [proposal] = app.escalations_for("oakwood")
    before = stored(app)

    with pytest.raises(SelfApprovalRefused):
        app.approve(proposal.id, POLICY_PROPOSER, "general_manager", "c")
    with pytest.raises(RoleMayNotApprove):
        app.approve(proposal.id, "Jo", "contract_coordinator", "c")
    with pytest.raises(InvalidInput):
        app.reject(proposal.id, "Ewan", "general_manager", " ", "c")

    assert stored(app) == before
    assert app.escalation(proposal.id).status is Status.PROPOSED


def test_a_decided_escalation_cannot_be_decided_again(open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [proposal] = app.escalations_for("oakwood")
    app.reject(proposal.id, "Ewan", "general_manager", "an improvement plan first", "c")

    with pytest.raises(EscalationNotPending):
        app.approve(proposal.id, "Morag", "head_of_strategic_planning", "c")

    rejected = published(app)[-1]
    assert isinstance(rejected, escalation.EscalationRejected)
    assert (rejected.rejected_by, rejected.reason) == ("Ewan", "an improvement plan first")


def test_deciding_on_an_escalation_that_does_not_exist_is_not_found(open_app):
    app: Interventions = open_app("escalation")

    with pytest.raises(NotFound):
        app.approve(uuid4(), "Morag", "cswo", "c")


# Notify --------------------------------------------------------------------------------------


def inboxes(app: Notifications) -> dict[str, int]:
    names = ("operations", "contract-manager", "commissioning-manager",
             "head-of-strategic-planning", "general-manager")
    return {name: len(app.inbox(name)) for name in names}


def test_a_safety_concern_reaches_operations_urgently_and_the_managers(open_app):
    app: Notifications = open_app("notify")

    outcome = app.handle(concern_raised(), Tracking(FROM_RISK, 1))

    assert outcome == Outcome(duplicate=False, new_events=3)
    assert inboxes(app) == {"operations": 1, "contract-manager": 1, "commissioning-manager": 1,
                            "head-of-strategic-planning": 0, "general-manager": 0}
    [urgent] = app.inbox("operations")
    assert urgent["urgent"] is True
    assert urgent["subject"].startswith("URGENT")
    assert "provider oakwood" in urgent["subject"]
    assert urgent["about_event_id"] == concern_raised().id
    assert urgent["about_event_type"] == "ConcernRaised"


def test_a_concern_delivered_again_is_not_notified_twice(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    before = stored(app)

    same_position = app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    republished = app.handle(concern_raised(), Tracking(FROM_RISK, 2))

    assert same_position == Outcome(duplicate=True)
    assert republished == Outcome(duplicate=False, new_events=0)
    assert stored(app) == before
    assert inboxes(app)["operations"] == 1


def test_an_approved_escalation_is_told_to_the_hosp_the_general_manager_and_contract_manager(
    open_app,
):
    app: Notifications = open_app("notify")
    approved = escalation.EscalationApproved(
        provider_id="oakwood", escalation_id="esc-1", intervention_id="int-1",
        step="breach notice", approved_by="Morag", approver_role="head_of_strategic_planning",
    )

    app.handle(envelope_of(approved, "escalation-event-1"), Tracking(FROM_ESCALATION, 1))

    assert inboxes(app) == {"operations": 0, "contract-manager": 1, "commissioning-manager": 0,
                            "head-of-strategic-planning": 1, "general-manager": 1}


def test_a_read_notification_leaves_the_unread_inbox(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    [item] = app.inbox("operations")

    app.mark_read(UUID(item["notification_id"]), "Sam")

    reopened: Notifications = reopen(app, open_app)
    assert list(reopened.inbox("operations", unread_only=True)) == []
    assert [n["read"] for n in reopened.inbox("operations")] == [True]
    assert [n["read"] for n in reopened.inbox("operations", reader="Sam")] == [True]
    assert [n["read"] for n in reopened.inbox("operations", reader="Jo")] == [False]


# Dead letters --------------------------------------------------------------------------------


def park(app: ServiceApplication, envelope: Envelope, position: int | None) -> Outcome:
    return app.park(
        upstream="risk", message_key=str(position or 99),
        subject="evt.risk.p0.oakwood.ConcernRaised", payload=envelope.model_dump_json(),
        error="RuntimeError('smtp down')", attempts=3,
        tracking=Tracking(FROM_RISK, position) if position else None,
    )


def test_a_parked_message_moves_its_partition_past_it_and_is_listed(open_app):
    app: Notifications = open_app("notify")

    outcome = park(app, concern_raised(), position=4)

    assert outcome == Outcome(duplicate=False, new_events=1)
    assert app.position(FROM_RISK) == 4
    [letter] = app.dead_letters()
    assert (letter["upstream"], letter["message_key"], letter["attempts"]) == ("risk", "4", 3)
    assert letter["error"] == "RuntimeError('smtp down')"
    assert letter["replayed"] is False
    assert app.handle(concern_raised(), Tracking(FROM_RISK, 4)).duplicate is True
    assert inboxes(app)["operations"] == 0


def test_a_message_parked_twice_is_listed_once(open_app):
    app: Notifications = open_app("notify")
    park(app, concern_raised(), position=4)

    again = park(app, concern_raised(), position=4)

    assert again.duplicate is True
    assert len(app.dead_letters()) == 1


def test_a_malformed_message_parked_without_tracking_leaves_the_position_alone(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised("concern-1"), Tracking(FROM_RISK, 1))

    park(app, concern_raised("concern-2"), position=None)

    assert app.position(FROM_RISK) == 1
    assert len(app.dead_letters()) == 1


def test_a_replayed_dead_letter_is_applied_once(open_app):
    app: Notifications = open_app("notify")
    park(app, concern_raised(), position=4)
    [letter] = app.dead_letters()

    outcome = app.replay_dead_letter(UUID(letter["id"]))

    assert outcome == Outcome(duplicate=False, new_events=4)  # three notifications, one replay
    assert inboxes(app)["operations"] == 1
    with pytest.raises(DeadLetterAlreadyReplayed):
        app.replay_dead_letter(UUID(letter["id"]))
    reopened: Notifications = reopen(app, open_app)
    with pytest.raises(DeadLetterAlreadyReplayed):
        reopened.replay_dead_letter(UUID(letter["id"]))
    assert inboxes(reopened)["operations"] == 1
    assert reopened.dead_letters()[0]["replayed"] is True


def test_a_replayed_return_is_scored_once(open_app):
    app: RiskAssessment = open_app("risk")
    app.park(upstream="intake", message_key="7", subject="evt.intake.p0.oakwood.ReturnSubmitted",
             payload=return_submitted().model_dump_json(), error="boom", attempts=3,
             tracking=Tracking(FROM_INTAKE, 7))
    [letter] = app.dead_letters()

    app.replay_dead_letter(UUID(letter["id"]))

    assert app.profile("oakwood").scored_returns == ["return-1"]
    with pytest.raises(DeadLetterAlreadyReplayed):
        app.replay_dead_letter(UUID(letter["id"]))
    assert app.profile("oakwood").scored_returns == ["return-1"]


def test_replaying_a_dead_letter_that_does_not_exist_is_not_found(open_app):
    app: Notifications = open_app("notify")

    with pytest.raises(NotFound):
        app.replay_dead_letter(uuid4())


# History and restarts ------------------------------------------------------------------------


def test_a_providers_history_lists_its_events_oldest_first(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted("return-1", GREEN), Tracking(FROM_INTAKE, 1))
    app.handle(return_submitted("return-1", GREEN, provider_id="elmbank"), Tracking(FROM_INTAKE, 2))
    app.handle(return_submitted("return-2", UNSAFE), Tracking(FROM_INTAKE, 3))

    history = app.history("oakwood")

    assert event_names(history) == [
        "RiskProfile.Opened", "RiskProfile.ReturnScored", "RiskProfile.RiskLevelAssessed",
        "RiskProfile.ReturnScored", "RiskProfile.ConcernRaised", "RiskProfile.RiskLevelAssessed",
    ]
    assert [entry["data"].get("return_id") for entry in history[1:4]] == [
        "return-1", None, "return-2"]
    assert [entry["time"] for entry in history] == sorted(entry["time"] for entry in history)
    assert all(entry["service"] == "risk" for entry in history)
    assert {entry["data"]["provider_id"] for entry in history} == {"oakwood"}


def test_risk_remembers_its_positions_and_profiles_after_a_restart(open_app):
    app: RiskAssessment = open_app("risk")
    app.handle(return_submitted(), Tracking(FROM_INTAKE, 1))

    reopened: RiskAssessment = reopen(app, open_app)

    assert reopened.position(FROM_INTAKE) == 1
    assert reopened.handle(return_submitted(), Tracking(FROM_INTAKE, 1)).duplicate is True
    profile = reopened.profile("oakwood")
    assert (profile.latest_score, profile.latest_band) == (Decimal("60.00"), "50-74%")
    assert len(profile.open_concerns) == 1


def test_notify_remembers_inboxes_and_dead_letters_after_a_restart(open_app):
    app: Notifications = open_app("notify")
    app.handle(concern_raised("concern-1"), Tracking(FROM_RISK, 1))
    park(app, concern_raised("concern-2"), position=2)

    reopened: Notifications = reopen(app, open_app)

    assert inboxes(reopened)["operations"] == 1
    assert [letter["message_key"] for letter in reopened.dead_letters()] == ["2"]
    assert reopened.handle(concern_raised("concern-1"), Tracking(FROM_RISK, 1)).duplicate is True
    assert event_names(reopened.history("oakwood")).count("Notification.Delivered") == 3


def test_an_application_built_directly_from_settings_shares_the_services_store(settings, open_app):
    app: Interventions = open_app("escalation")
    app.handle(concern_raised(), Tracking(FROM_RISK, 1))
    app.close()

    settings.prepare_store("escalation")
    direct = Interventions(env=settings.eventstore_env("escalation"))
    try:
        assert len(direct.escalations_for("oakwood")) == 1
        assert direct.position(FROM_RISK) == 1
    finally:
        direct.close()
