"""What intake accepts as a provider and a LEVEL 1 monitoring return (domain-rules.md §4)."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain.monitoring_return import (
    LEVEL_1_SECTIONS,
    IdempotencyKeyReused,
    MonitoringReturn,
    check_period,
    check_sections,
)
from services.intake.domain.provider import Provider, ProviderAlreadyRegistered
from shared.domain import InvalidInput, Refused

pytestmark = pytest.mark.unit

GREEN = dict.fromkeys(LEVEL_1_SECTIONS, "green")


def test_a_level_1_return_rates_the_five_sections_of_the_form():
    # 004 §10.1.1: leadership and management, sustainability, finance, safety and quality, outcomes.
    assert set(LEVEL_1_SECTIONS) == {
        "leadership_and_management", "sustainability", "finance", "safety_and_quality",
        "outcomes"}


def test_a_return_rating_every_section_green_amber_or_red_is_accepted():
    check_sections(GREEN)
    check_sections({**GREEN, "finance": "amber", "outcomes": "red"})


def test_a_return_missing_a_section_is_refused_naming_the_sections_field():
    sections = {k: v for k, v in GREEN.items() if k != "finance"}

    with pytest.raises(InvalidInput) as refused:
        check_sections(sections)

    assert refused.value.field == "sections"
    assert refused.value.message == "missing section ratings: finance"


def test_every_missing_section_is_named():
    with pytest.raises(InvalidInput) as refused:
        check_sections({"finance": "green"})

    for name in LEVEL_1_SECTIONS:
        if name != "finance":
            assert name in refused.value.message


def test_a_section_not_on_the_form_is_refused():
    with pytest.raises(InvalidInput) as refused:
        check_sections({**GREEN, "catering": "green"})

    assert refused.value.field == "sections"
    assert refused.value.message == "unknown sections: catering"


@pytest.mark.parametrize("rating", ["purple", "GREEN", "", "1"])
def test_a_rating_other_than_green_amber_or_red_is_refused_naming_its_section(rating):
    with pytest.raises(InvalidInput) as refused:
        check_sections({**GREEN, "finance": rating})

    assert refused.value.field == "sections.finance"
    assert "is not green, amber or red" in refused.value.message


def test_a_period_ending_before_it_starts_is_refused_naming_the_end_date():
    with pytest.raises(InvalidInput) as refused:
        check_period(date(2026, 7, 31), date(2026, 4, 1))

    assert refused.value.field == "period_end"


def test_a_period_of_one_day_is_accepted():
    check_period(date(2026, 4, 1), date(2026, 4, 1))


def submitted(digest: str = "digest-1") -> MonitoringReturn:
    return MonitoringReturn(
        provider_id="oakwood",
        submission_key="aug-2026",
        request_digest=digest,
        form="cmr-level-1",
        form_version=1,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 7, 31),
        sections=GREEN,
        submitted_by="Registered manager",
        correlation_id="corr-1",
    )


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


def test_a_submitted_return_keeps_its_own_copy_of_the_ratings():
    sections = dict(GREEN)
    monitoring_return = MonitoringReturn(
        provider_id="oakwood", submission_key="k", request_digest="d", form="cmr-level-1",
        form_version=1, period_start=date(2026, 4, 1), period_end=date(2026, 7, 31),
        sections=sections, submitted_by="Registered manager", correlation_id="c",
    )

    sections["finance"] = "red"

    assert monitoring_return.sections["finance"] == "green"


def registered() -> Provider:
    return Provider(provider_id="oakwood", name="Oakwood Care", registered_by="coordinator",
                    correlation_id="corr-1")


def test_registering_a_provider_again_under_the_same_name_is_accepted():
    registered().check_same_registration("Oakwood Care")


def test_registering_a_provider_id_again_under_another_name_is_refused():
    with pytest.raises(ProviderAlreadyRegistered) as refused:
        registered().check_same_registration("Elmbank Care")

    assert refused.value.field == "provider_id"
    assert "Oakwood Care" in refused.value.message


def test_a_provider_id_names_one_provider():
    assert registered().id == Provider.create_id("oakwood")
