"""intake's aggregates: returns, providers, contracts, return requests and the clock (§2-4, §7).

Each test builds one aggregate as intake would and reads the events it records
(`collect_events()`), since the events are what auditors replay. Returns asked for outside the
calendar are also tested through the application on the in-memory store.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.intake.application import (
    AskedReturn,
    Award,
    Intake,
    Submission,
    UnknownContract,
)
from services.intake.application.return_log import LogFilter
from services.intake.domain.clock import Clock
from services.intake.domain.contract import Contract, ContractEnded
from services.intake.domain.intelligence import ReportedConcern
from services.intake.domain.monitoring_return import (
    MAX_EVIDENCE_BYTES,
    FormDoesNotMatchLevel,
    IdempotencyKeyReused,
    MonitoringReturn,
    check_period,
)
from services.intake.domain.provider import Provider, ProviderAlreadyRegistered, ProviderSuspended
from services.intake.domain.return_request import (
    AllocatedToSomeoneElse,
    RequestStatus,
    ReturnRequest,
    check_due_on,
)
from shared.contracts.forms import example
from shared.domain import InvalidInput, Refused

pytestmark = pytest.mark.unit

DUE = date(2026, 8, 17)  # 15 August 2026 is a Saturday: the LEVEL 1 deadline rolls to Monday
PDF = hashlib.sha256(b"%PDF-1.4 minutes of the monitoring visit").hexdigest()


def names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


# Monitoring returns --------------------------------------------------------------------------


def submitted(
    digest: str = "digest-1", submitted_on: date = date(2026, 8, 10), due_on: date | None = DUE,
    answers: dict[str, Any] | None = None,
) -> MonitoringReturn:
    monitoring_return = MonitoringReturn(
        provider_id="oakwood", contract_reference="OAK-2025", submission_key="aug-2026",
        request_digest=digest, form="cmr-level-1", form_version=1,
        period_start=date(2026, 4, 1), period_end=date(2026, 7, 31),
        answers=answers or {"finance": {"rating": "green"}},
        sections={"finance": "green"}, submitted_by="Registered manager",
        submitted_on=submitted_on, request_id="request-1", due_on=due_on, corrects=None,
        correlation_id="corr-1",
    )
    monitoring_return.collect_events()
    return monitoring_return


def test_a_period_ending_before_it_starts_is_refused_naming_the_end_date():
    with pytest.raises(InvalidInput) as refused:
        check_period(date(2026, 7, 31), date(2026, 4, 1))

    assert refused.value.field == "period_end"


def test_a_period_of_one_day_is_accepted():
    check_period(date(2026, 4, 1), date(2026, 4, 1))


def test_a_retry_of_the_same_return_under_the_same_key_is_accepted():
    submitted("digest-1").check_same_request("digest-1")


def test_a_different_return_under_a_key_already_used_is_refused():
    with pytest.raises(IdempotencyKeyReused) as refused:
        submitted("digest-1").check_same_request("digest-2")

    assert isinstance(refused.value, Refused)
    assert refused.value.field == "Idempotency-Key"


def test_one_submission_key_gives_one_return_per_provider():
    assert submitted().id == MonitoringReturn.create_id("oakwood", "aug-2026")
    assert MonitoringReturn.create_id("oakwood", "k") != MonitoringReturn.create_id("elmbank", "k")


def test_a_return_received_by_its_due_date_is_not_late():
    assert submitted(submitted_on=DUE).late is False


def test_a_return_received_after_its_due_date_is_late():
    # 004 App. 4 §9: late returns are accepted, and marked late.
    assert submitted(submitted_on=date(2026, 8, 18)).late is True


def test_a_return_nobody_asked_for_has_no_due_date_and_is_never_late():
    assert submitted(submitted_on=date(2027, 1, 1), due_on=None).late is False


def test_a_submitted_return_keeps_its_own_copy_of_the_section_ratings():
    sections = {"finance": "green"}
    monitoring_return = MonitoringReturn(
        provider_id="oakwood", contract_reference="OAK-2025", submission_key="k",
        request_digest="d", form="cmr-level-1", form_version=1, period_start=date(2026, 4, 1),
        period_end=date(2026, 7, 31), answers={}, sections=sections, submitted_by="manager",
        submitted_on=date(2026, 8, 1), request_id=None, due_on=None, corrects=None,
        correlation_id="c",
    )

    sections["finance"] = "red"

    assert monitoring_return.sections["finance"] == "green"


def test_a_corrected_return_is_linked_to_its_correction_and_keeps_what_it_said():
    # §4: a submitted return is never edited in place; a correction is a new, linked submission.
    original = submitted(answers={"finance": {"rating": "amber"}})

    original.superseded_by("correction-1", "corr-2")

    [corrected] = original.collect_events()
    assert names([corrected]) == ["Corrected"]
    assert corrected.correction_id == "correction-1"
    assert original.corrected_by == "correction-1"
    assert original.answers == {"finance": {"rating": "amber"}}


def test_a_return_not_yet_corrected_may_be_corrected():
    submitted().check_may_be_corrected()


def test_a_return_already_corrected_is_refused_another_correction_naming_the_correction():
    original = submitted()
    original.superseded_by("correction-1", "corr-2")

    with pytest.raises(Refused) as refused:
        original.check_may_be_corrected()

    assert refused.value.field == "return_id"
    assert "correction-1" in refused.value.message


@pytest.mark.parametrize("media_type", [
    "application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
])
def test_documents_and_pictures_are_accepted_as_evidence_with_their_sha256_size_and_type(
    media_type,
):
    monitoring_return = submitted()

    assert monitoring_return.attach_evidence(PDF, 2048, media_type, "visit", "officer", "c")

    [attached] = monitoring_return.collect_events()
    assert names([attached]) == ["EvidenceAttached"]
    assert monitoring_return.evidence == [
        {"sha256": PDF, "size": 2048, "media_type": media_type, "filename": "visit"}]


@pytest.mark.parametrize("media_type", [
    "application/x-msdownload", "application/octet-stream", "application/x-sh",
    "text/html", "application/javascript",
])
def test_executables_and_unknown_types_are_refused_as_evidence_naming_the_file(media_type):
    monitoring_return = submitted()

    with pytest.raises(InvalidInput) as refused:
        monitoring_return.attach_evidence(PDF, 2048, media_type, "setup", "officer", "c")

    assert refused.value.field == "file"
    assert media_type in refused.value.message
    assert monitoring_return.collect_events() == []
    assert monitoring_return.evidence == []


@pytest.mark.parametrize(("size", "accepted"), [
    (0, False), (1, True), (MAX_EVIDENCE_BYTES, True), (MAX_EVIDENCE_BYTES + 1, False),
])
def test_evidence_must_have_content_and_be_10_mb_or_smaller(size, accepted):
    monitoring_return = submitted()

    if accepted:
        assert monitoring_return.attach_evidence(PDF, size, "application/pdf", "f", "o", "c")
    else:
        with pytest.raises(InvalidInput) as refused:
            monitoring_return.attach_evidence(PDF, size, "application/pdf", "f", "o", "c")
        assert refused.value.field == "file"
        assert monitoring_return.evidence == []

    assert MAX_EVIDENCE_BYTES == 10 * 1024 * 1024


def test_the_same_file_attached_twice_is_kept_once():
    monitoring_return = submitted()
    monitoring_return.attach_evidence(PDF, 2048, "application/pdf", "visit.pdf", "officer", "c")
    monitoring_return.collect_events()

    again = monitoring_return.attach_evidence(PDF, 2048, "application/pdf", "copy.pdf", "jo", "c")

    assert again is False
    assert monitoring_return.collect_events() == []
    assert [item["filename"] for item in monitoring_return.evidence] == ["visit.pdf"]


# Providers ---------------------------------------------------------------------------------


def registered() -> Provider:
    provider = Provider(provider_id="oakwood", name="Oakwood Care", registered_by="coordinator",
                        correlation_id="corr-1")
    provider.collect_events()
    return provider


def test_registering_a_provider_again_under_the_same_name_is_accepted():
    registered().check_same_registration("Oakwood Care")


def test_registering_a_provider_id_again_under_another_name_is_refused():
    with pytest.raises(ProviderAlreadyRegistered) as refused:
        registered().check_same_registration("Elmbank Care")

    assert refused.value.field == "provider_id"
    assert "Oakwood Care" in refused.value.message


def test_a_provider_id_names_one_provider():
    assert registered().id == Provider.create_id("oakwood")


def test_a_provider_not_suspended_may_be_awarded_contracts():
    registered().check_may_be_awarded()


def test_an_approved_suspension_is_recorded_once():
    provider = registered()

    provider.suspend("escalation-1", "corr-2")
    provider.suspend("escalation-2", "corr-3")

    [suspended] = provider.collect_events()
    assert names([suspended]) == ["Suspended"]
    assert suspended.escalation_id == "escalation-1"
    assert provider.suspended_by_escalation == "escalation-1"


def test_a_suspended_provider_is_refused_a_new_contract_with_a_clear_message():
    # 003 suspension: no new contracts or placements are awarded while suspended.
    provider = registered()
    provider.suspend("escalation-1", "corr-2")

    with pytest.raises(ProviderSuspended) as refused:
        provider.check_may_be_awarded()

    assert isinstance(refused.value, Refused)
    assert refused.value.field == "provider_id"
    assert refused.value.message == (
        "Oakwood Care is suspended (approved escalation escalation-1): no new contracts can be "
        "awarded while the suspension stands")


# Contracts ---------------------------------------------------------------------------------


def awarded(
    annual_value: str = "50000", regulator: str | None = None, manager: str = "Ann Duncan",
) -> Contract:
    contract = Contract(
        provider_id="oakwood", reference="OAK-2025", service_type="day-services",
        annual_value=Decimal(annual_value), regulator=regulator, regulator_service_id=None,
        start_date=date(2025, 4, 1), end_date=None, contract_manager=manager,
        kpi_returns=False, awarded_on=date(2025, 9, 1), awarded_by="coordinator",
        correlation_id="corr-1",
    )
    contract.recompute_level("contract awarded", "corr-1")
    return contract


def placed(annual_value: str = "50000", **kwargs: Any) -> Contract:
    contract = awarded(annual_value, **kwargs)
    contract.collect_events()
    return contract


def test_a_contract_is_placed_at_its_level_on_award_with_the_reason():
    contract = awarded("250000", regulator="care-inspectorate")

    awarded_event, level_changed = contract.collect_events()

    assert names([awarded_event, level_changed]) == ["Awarded", "LevelChanged"]
    assert (level_changed.previous_level, level_changed.level) == (None, 1)
    assert level_changed.reason == (
        "contract awarded: annual value £250,000 is over £100,000; "
        "regulated by the Care Inspectorate")
    assert contract.level == 1


def test_recomputing_a_level_that_has_not_changed_records_nothing():
    contract = placed()

    contract.recompute_level("checked again", "corr-2")

    assert contract.collect_events() == []
    assert contract.level == 2


def test_varying_the_value_over_100k_raises_the_contract_to_level_1():
    contract = placed("50000")

    contract.vary_value(Decimal("100000.01"), "commissioner", "corr-2")

    varied, level_changed = contract.collect_events()
    assert names([varied, level_changed]) == ["ValueVaried", "LevelChanged"]
    assert (varied.previous_value, varied.annual_value) == (Decimal("50000"),
                                                            Decimal("100000.01"))
    assert (level_changed.previous_level, level_changed.level) == (2, 1)
    assert level_changed.reason == (
        "annual value varied: annual value £100,000.01 is over £100,000")


def test_varying_the_value_within_the_same_level_records_only_the_variation():
    contract = placed("50000")

    contract.vary_value(Decimal("100000"), "commissioner", "corr-2")

    assert names(contract.collect_events()) == ["ValueVaried"]
    assert (contract.annual_value, contract.level) == (Decimal("100000"), 2)


def test_varying_the_value_down_to_10k_lowers_the_contract_to_level_3():
    contract = placed("50000")

    contract.vary_value(Decimal("10000"), "commissioner", "corr-2")

    level_changed = contract.collect_events()[-1]
    assert (level_changed.previous_level, level_changed.level) == (2, 3)
    assert "£10,000 or under" in level_changed.reason


def test_a_negative_value_is_refused_naming_the_annual_value():
    contract = placed()

    with pytest.raises(InvalidInput) as refused:
        contract.vary_value(Decimal("-1"), "commissioner", "corr-2")

    assert refused.value.field == "annual_value"
    assert contract.collect_events() == []


def test_a_service_becoming_regulated_raises_the_contract_to_level_1():
    contract = placed("50000")

    contract.change_regulation("cqc", "1-101", "coordinator", "corr-2")

    changed, level_changed = contract.collect_events()
    assert names([changed, level_changed]) == ["RegulationChanged", "LevelChanged"]
    assert (changed.regulator, changed.regulator_service_id) == ("cqc", "1-101")
    assert level_changed.level == 1
    assert level_changed.reason == "regulation changed: regulated by the Care Quality Commission"


def test_a_regulated_service_no_longer_regulated_falls_to_the_level_of_its_value():
    contract = placed("50000", regulator="care-inspectorate")

    contract.change_regulation(None, None, "coordinator", "corr-2")

    assert contract.collect_events()[-1].level == 2
    assert contract.regulator is None


def test_high_assessed_risk_raises_a_level_3_contract_to_level_1_with_the_reason():
    # §3: the level is the highest any criterion gives, assessed risk included.
    contract = placed("8000")

    contract.assess_risk("high", "risk service", "corr-2")

    assessed, level_changed = contract.collect_events()
    assert names([assessed, level_changed]) == ["RiskAssessed", "LevelChanged"]
    assert (assessed.assessed_risk, assessed.source) == ("high", "risk service")
    assert (level_changed.previous_level, level_changed.level) == (3, 1)
    assert level_changed.reason == "assessed risk now high: assessed risk is high"


def test_medium_assessed_risk_raises_a_level_3_contract_to_level_2():
    contract = placed("8000")

    contract.assess_risk("medium", "risk service", "corr-2")

    assert contract.level == 2


def test_low_assessed_risk_never_lowers_a_contract_its_value_keeps_at_level_1():
    contract = placed("250000")
    contract.assess_risk("high", "risk service", "corr-2")
    contract.collect_events()

    contract.assess_risk("low", "risk service", "corr-3")

    assert names(contract.collect_events()) == ["RiskAssessed"]
    assert contract.level == 1


def test_the_same_assessed_risk_again_records_nothing():
    contract = placed("8000")
    contract.assess_risk("high", "risk service", "corr-2")
    contract.collect_events()

    contract.assess_risk("high", "risk service", "corr-3")

    assert contract.collect_events() == []


def test_a_contract_has_exactly_one_contract_manager_and_each_change_is_recorded():
    # 004 §5: exactly one nominated contract manager at a time.
    contract = placed(manager="Ann Duncan")

    contract.change_contract_manager("Ewan Reid", "team lead", "corr-2")

    [changed] = contract.collect_events()
    assert names([changed]) == ["ContractManagerChanged"]
    assert (changed.previous_manager, changed.contract_manager) == ("Ann Duncan", "Ewan Reid")
    assert contract.contract_manager == "Ewan Reid"


def test_nominating_the_manager_already_nominated_records_nothing():
    contract = placed(manager="Ann Duncan")

    contract.change_contract_manager("Ann Duncan", "team lead", "corr-2")

    assert contract.collect_events() == []


def test_ending_a_contract_records_the_day_and_the_reason():
    contract = placed()

    contract.end(date(2026, 3, 31), "not renewed", "commissioner", "corr-2")

    [ended] = contract.collect_events()
    assert names([ended]) == ["Ended"]
    assert (ended.ended_on, ended.reason) == (date(2026, 3, 31), "not renewed")
    assert (contract.ended_on, contract.end_date) == (date(2026, 3, 31), date(2026, 3, 31))
    assert not contract.is_live_on(date(2026, 4, 1))


def test_a_contract_cannot_end_before_it_starts():
    contract = placed()

    with pytest.raises(InvalidInput) as refused:
        contract.end(date(2025, 3, 31), "mistake", "commissioner", "corr-2")

    assert refused.value.field == "ended_on"
    assert contract.collect_events() == []


@pytest.mark.parametrize(("change", "kwargs"), [
    ("vary_value", {"annual_value": Decimal("60000")}),
    ("change_regulation", {"regulator": "cqc", "regulator_service_id": "1-1"}),
    ("change_contract_manager", {"contract_manager": "Ewan Reid"}),
    ("end", {"ended_on": date(2026, 6, 30), "reason": "again"}),
])
def test_an_ended_contract_cannot_be_changed(change, kwargs):
    contract = placed()
    contract.end(date(2026, 3, 31), "not renewed", "commissioner", "corr-2")
    contract.collect_events()

    with pytest.raises(ContractEnded) as refused:
        getattr(contract, change)(**kwargs, by="commissioner", correlation_id="corr-3")

    assert isinstance(refused.value, Refused)
    assert refused.value.message == "contract OAK-2025 ended on 31 March 2026"
    assert contract.collect_events() == []


def test_an_ended_contract_takes_no_further_assessed_risk():
    contract = placed("8000")
    contract.end(date(2026, 3, 31), "not renewed", "commissioner", "corr-2")
    contract.collect_events()

    contract.assess_risk("high", "risk service", "corr-3")

    assert contract.collect_events() == []
    assert contract.level == 3


def test_a_contract_owes_returns_due_from_the_day_it_was_recorded_here():
    contract = placed()  # recorded on 1 September 2025

    assert contract.owes(date(2025, 9, 1))
    assert contract.owes(date(2025, 12, 15))
    assert not contract.owes(date(2025, 8, 15))


def test_a_contract_reference_names_one_contract():
    assert placed().id == Contract.create_id("OAK-2025")


# Return requests ---------------------------------------------------------------------------


def requested() -> ReturnRequest:
    request = ReturnRequest(
        provider_id="oakwood", contract_reference="OAK-2025",
        key="cmr-level-1:2026-04-01:2026-07-31", form="cmr-level-1",
        period_start=date(2026, 4, 1), period_end=date(2026, 7, 31), issue_on=date(2026, 8, 1),
        due_on=DUE, kpis=[], correlation_id="corr-1",
    )
    request.collect_events()
    return request


def test_a_request_is_one_per_contract_and_return():
    assert requested().id == ReturnRequest.create_id(
        "OAK-2025", "cmr-level-1:2026-04-01:2026-07-31")
    assert requested().status is RequestStatus.REQUESTED


def test_a_return_received_by_the_due_date_fulfils_its_request_as_submitted():
    request = requested()

    request.fulfil("return-1", DUE, "corr-2")

    [fulfilled] = request.collect_events()
    assert names([fulfilled]) == ["Fulfilled"]
    assert (fulfilled.return_id, fulfilled.late) == ("return-1", False)
    assert request.status is RequestStatus.SUBMITTED


def test_a_return_received_after_the_due_date_fulfils_its_request_as_late():
    request = requested()

    request.fulfil("return-1", date(2026, 8, 18), "corr-2")

    assert request.collect_events()[0].late is True
    assert request.status is RequestStatus.LATE


def test_a_request_is_fulfilled_once_and_a_correction_does_not_fulfil_it_again():
    request = requested()
    request.fulfil("return-1", date(2026, 8, 10), "corr-2")
    request.collect_events()

    request.fulfil("correction-1", date(2026, 8, 20), "corr-3")

    assert request.collect_events() == []
    assert (request.submitted_return, request.status) == ("return-1", RequestStatus.SUBMITTED)


@pytest.mark.parametrize("today", [date(2026, 8, 1), DUE])
def test_a_return_is_not_overdue_until_its_due_date_has_passed(today):
    request = requested()

    assert request.mark_overdue(today, "scheduler") is False
    assert request.collect_events() == []


def test_a_return_not_received_by_its_due_date_is_marked_overdue_once():
    # 004 App. 4 §9: the return log shows it; the reminder goes out once, not every day.
    request = requested()

    first = request.mark_overdue(date(2026, 8, 18), "scheduler")
    again = request.mark_overdue(date(2026, 8, 19), "scheduler")

    assert (first, again) == (True, False)
    [overdue] = request.collect_events()
    assert names([overdue]) == ["BecameOverdue"]
    assert (overdue.on, overdue.due_on, overdue.form) == (date(2026, 8, 18), DUE, "cmr-level-1")
    assert request.status is RequestStatus.OVERDUE


def test_a_submitted_return_is_never_marked_overdue():
    request = requested()
    request.fulfil("return-1", date(2026, 8, 10), "corr-2")
    request.collect_events()

    assert request.mark_overdue(date(2026, 9, 1), "scheduler") is False
    assert request.collect_events() == []


def test_an_overdue_return_received_at_last_is_late():
    request = requested()
    request.mark_overdue(date(2026, 8, 18), "scheduler")

    request.fulfil("return-1", date(2026, 9, 1), "corr-2")

    assert request.status is RequestStatus.LATE


def test_a_coordinator_takes_a_return_and_taking_it_again_records_nothing():
    request = requested()

    request.allocate("Jo", "corr-2")
    request.allocate("Jo", "corr-3")

    [allocated] = request.collect_events()
    assert (type(allocated).__name__, allocated.coordinator) == ("Allocated", "Jo")
    assert request.allocated_to == "Jo"


def test_a_return_allocated_to_one_coordinator_is_refused_to_another():
    # 004 App. 4: allocation prevents two people working the same return.
    request = requested()
    request.allocate("Jo", "corr-2")
    request.collect_events()

    with pytest.raises(AllocatedToSomeoneElse) as refused:
        request.allocate("Sam", "corr-3")

    assert refused.value.field == "coordinator"
    assert "Jo" in refused.value.message
    assert request.collect_events() == []
    assert request.allocated_to == "Jo"


def test_a_released_return_may_be_taken_by_another_coordinator():
    request = requested()
    request.allocate("Jo", "corr-2")

    request.release("Jo", "corr-3")
    request.allocate("Sam", "corr-4")

    assert names(request.collect_events()) == ["Allocated", "Released", "Allocated"]
    assert request.allocated_to == "Sam"


@pytest.mark.parametrize("holder", [None, "Jo"])
def test_only_the_coordinator_holding_a_return_may_release_it(holder):
    request = requested()
    if holder:
        request.allocate(holder, "corr-2")
    request.collect_events()

    with pytest.raises(AllocatedToSomeoneElse):
        request.release("Sam", "corr-3")

    assert request.collect_events() == []
    assert request.allocated_to == holder


def test_each_reminder_is_recorded_once_with_its_date():
    request = requested()

    request.record_reminder(date(2026, 8, 18), "corr-2")
    request.record_reminder(date(2026, 8, 18), "corr-3")
    request.record_reminder(date(2026, 8, 25), "corr-4")

    assert names(request.collect_events()) == ["ReminderSent", "ReminderSent"]
    assert request.reminders == [date(2026, 8, 18), date(2026, 8, 25)]


# Returns asked for outside the calendar (a light-touch self-assessment, 002) -----------------

ROUND = (date(2020, 8, 1), date(2021, 7, 31))
SAQ_DUE = date(2021, 9, 30)


def test_a_return_asked_for_may_fall_due_today_or_later():
    check_due_on(date(2021, 8, 17), date(2021, 8, 17))
    check_due_on(SAQ_DUE, date(2021, 8, 17))


def test_a_return_asked_for_cannot_fall_due_before_today_naming_the_due_date():
    with pytest.raises(InvalidInput) as refused:
        check_due_on(date(2021, 8, 16), date(2021, 8, 17))

    assert refused.value.field == "due_on"
    assert "16 August 2021 is before today (17 August 2021)" in refused.value.message


def test_a_live_contract_may_be_asked_for_a_return():
    placed().check_may_be_asked_for_a_return(date(2026, 3, 31))


def test_an_ended_contract_is_not_asked_for_a_return():
    contract = placed()
    contract.end(date(2026, 8, 31), "ownership transferred", "commissioner", "corr-2")

    with pytest.raises(ContractEnded) as refused:
        contract.check_may_be_asked_for_a_return(date(2026, 8, 17))

    assert isinstance(refused.value, Refused) and refused.value.field == "reference"


def test_a_contract_past_the_end_date_it_was_awarded_with_is_not_asked_for_a_return():
    contract = Contract(
        provider_id="oakwood", reference="OAK-2025", service_type="day-services",
        annual_value=Decimal("50000"), regulator=None, regulator_service_id=None,
        start_date=date(2025, 4, 1), end_date=date(2026, 3, 31), contract_manager="Ann Duncan",
        kpi_returns=False, awarded_on=date(2025, 9, 1), awarded_by="coordinator",
        correlation_id="corr-1",
    )

    with pytest.raises(ContractEnded):
        contract.check_may_be_asked_for_a_return(date(2026, 4, 1))
    contract.check_may_be_asked_for_a_return(date(2026, 3, 31))


def test_a_request_names_who_asked_for_it_and_a_calendar_request_names_no_one():
    asked = ReturnRequest(
        provider_id="wren", contract_reference="NFF-WREN", key="self-assessment:x",
        form="self-assessment", period_start=ROUND[0], period_end=ROUND[1],
        issue_on=date(2021, 8, 17), due_on=SAQ_DUE, kpis=[], correlation_id="corr-1",
        by="Contract coordinator",
    )

    assert asked.requested_by == "Contract coordinator"
    assert requested().requested_by is None


def test_a_request_stored_before_requests_named_who_asked_still_replays():
    [stored] = ReturnRequest(
        provider_id="oakwood", contract_reference="OAK-2025", key="k", form="cmr-level-1",
        period_start=date(2026, 4, 1), period_end=date(2026, 7, 31), issue_on=date(2026, 8, 1),
        due_on=DUE, kpis=[], correlation_id="corr-1",
    ).collect_events()
    state = {k: v for k, v in stored.__dict__.items() if k != "by"}
    old = object.__new__(type(stored))  # as the store's mapper rebuilds an event
    old.__dict__.update(state)

    replayed = old.mutate(None)

    assert (replayed.requested_by, replayed.due_on) == (None, DUE)


@pytest.fixture
def intake() -> Intake:
    """intake on the in-memory store, its clock on the day the 2022 round went out."""
    app = Intake(env={})
    app.tick(date(2021, 8, 17), "corr-0")
    app.register_provider("Wren Care at Home", "wren", "coordinator", "corr-0")
    app.award_contract(Award(
        provider_id="wren", reference="NFF-WREN", service_type="care-at-home",
        annual_value=Decimal("150000"), regulator="care-inspectorate", regulator_service_id=None,
        start_date=date(2019, 4, 1), end_date=None, contract_manager="Ann Duncan",
    ), "coordinator", "corr-0")
    return app


def ask(intake: Intake, form: str = "self-assessment", period: tuple[date, date] = ROUND,
        due_on: date = SAQ_DUE) -> tuple[ReturnRequest, bool]:
    return intake.request_return(
        "NFF-WREN", AskedReturn(form, period[0], period[1], due_on, "Contract coordinator"),
        "corr-ask")


def test_a_self_assessment_asked_for_is_requested_from_today_until_its_due_date(intake):
    request, created = ask(intake)

    assert created
    assert request.id == ReturnRequest.create_id(
        "NFF-WREN", "self-assessment:2020-08-01:2021-07-31")
    assert (request.form, request.period_start, request.period_end) == (
        "self-assessment", *ROUND)
    assert (request.issue_on, request.due_on, request.kpis) == (date(2021, 8, 17), SAQ_DUE, [])
    assert (request.status, request.requested_by) == (RequestStatus.REQUESTED,
                                                      "Contract coordinator")
    [row] = intake.return_log(LogFilter())
    assert (row.form, row.due_on, row.status) == ("self-assessment", SAQ_DUE, "requested")


def test_asking_again_returns_the_first_request_and_records_nothing(intake):
    first, _ = ask(intake)
    stored = len(intake.recorder.select_notifications(1, 1000))

    again, created = ask(intake, due_on=date(2021, 10, 31))

    assert not created
    assert (again.id, again.due_on) == (first.id, SAQ_DUE)
    assert len(intake.recorder.select_notifications(1, 1000)) == stored


def test_a_return_asked_for_and_not_received_by_its_due_date_is_overdue_on_the_tick(intake):
    ask(intake)

    assert intake.tick(SAQ_DUE, "corr-1").overdue == 0
    assert intake.tick(date(2021, 10, 1), "corr-2").overdue == 1
    [row] = intake.return_log(LogFilter(status="overdue"))
    assert row.form == "self-assessment"


def test_a_return_asked_for_is_fulfilled_by_the_return_submitted_for_it(intake):
    request, _ = ask(intake)

    submitted, _ = intake.submit_return("NFF-WREN", Submission(
        "self-assessment", None, example("self-assessment", *ROUND), "Registered manager"),
        "saq-1", "corr-1")

    assert submitted.due_on == SAQ_DUE and not submitted.late
    fulfilled = intake.requests_for("NFF-WREN")[0]
    assert (fulfilled.status, fulfilled.submitted_return) == (
        RequestStatus.SUBMITTED, str(submitted.id))


def test_a_return_already_submitted_fulfils_the_request_at_once(intake):
    sent, _ = intake.submit_return("NFF-WREN", Submission(
        "self-assessment", None, example("self-assessment", *ROUND), "Registered manager"),
        "saq-1", "corr-1")

    request, created = ask(intake)

    assert created
    assert (request.status, request.submitted_return, request.submitted_on) == (
        RequestStatus.SUBMITTED, str(sent.id), date(2021, 8, 17))


def test_a_contract_is_asked_for_its_own_levels_form_but_not_another_levels(intake):
    assert ask(intake, "cmr-level-1", (date(2021, 4, 1), date(2021, 7, 31)))[1]

    with pytest.raises(FormDoesNotMatchLevel) as refused:
        ask(intake, "return-level-3", (date(2021, 4, 1), date(2021, 7, 31)))

    assert refused.value.field == "form"


@pytest.mark.parametrize(("form", "period", "due_on", "field"), [
    ("light-touch", ROUND, SAQ_DUE, "form"),
    ("self-assessment", (ROUND[1], ROUND[0]), SAQ_DUE, "period_end"),
    ("self-assessment", ROUND, date(2021, 8, 16), "due_on"),
])
def test_a_request_with_bad_input_is_refused_naming_the_field(intake, form, period, due_on,
                                                              field):
    with pytest.raises(InvalidInput) as refused:
        ask(intake, form, period, due_on)

    assert refused.value.field == field
    assert intake.requests_for("NFF-WREN") == []


def test_an_ended_contract_is_refused_a_request(intake):
    intake.change_contract("NFF-WREN", "end", ended_on=date(2021, 8, 31), reason="transferred",
                           by="commissioner", correlation_id="corr-1")

    with pytest.raises(ContractEnded):
        ask(intake)


def test_an_unknown_contract_is_not_found(intake):
    with pytest.raises(UnknownContract):
        intake.request_return("NOPE", AskedReturn("self-assessment", *ROUND, SAQ_DUE, "me"),
                              "corr-1")


# The clock ---------------------------------------------------------------------------------


def test_the_clock_moves_forward_and_records_each_move():
    clock = Clock(today=date(2026, 4, 1))

    clock.advance(date(2026, 8, 1))

    assert names(clock.collect_events()) == ["Started", "Advanced"]
    assert clock.today == date(2026, 8, 1)
    assert clock.id == Clock.create_id()


def test_the_clock_set_to_the_day_it_shows_records_nothing():
    clock = Clock(today=date(2026, 4, 1))
    clock.collect_events()

    clock.advance(date(2026, 4, 1))

    assert clock.collect_events() == []


def test_the_clock_cannot_go_back_naming_the_date_asked_for():
    clock = Clock(today=date(2026, 8, 1))
    clock.collect_events()

    with pytest.raises(InvalidInput) as refused:
        clock.advance(date(2026, 7, 31))

    assert refused.value.field == "to"
    assert refused.value.message == "the clock is at 1 August 2026 and cannot go back"
    assert clock.collect_events() == []
    assert clock.today == date(2026, 8, 1)


# Concerns people report --------------------------------------------------------------------


def test_a_concern_reported_by_a_person_is_keyed_by_its_report_key():
    report = ReportedConcern(
        report_key="oakwood:whistle-1", provider_id="oakwood", contract_reference=None,
        source="whistleblowing", description="night staff asleep on shift",
        safety_at_risk=True, reported_by="anonymous", correlation_id="corr-1",
    )

    assert report.id == ReportedConcern.create_id("oakwood:whistle-1")
    assert report.safety_at_risk is True
