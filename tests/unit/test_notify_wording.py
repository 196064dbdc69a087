"""Notifications are worded for their reader (issue 18): a provider's own users are spoken to
("your return ... tell your contract manager why not"); the council's staff are told which
provider and which period, in UK dates, and never read what the provider is asked to do."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from services.notify.application import Notifications
from services.notify.domain.facts import Fact, fact_of
from services.notify.domain.messages import compose
from services.notify.domain.routing import CONTRACT_MANAGER, is_provider, routes_for
from services.notify.domain.rules import OPERATIONS, SYSTEM_OPERATORS, provider_recipient
from services.notify.domain.templates import DEFAULT_TEMPLATES
from shared.contracts import intake
from shared.contracts.envelope import wrap
from tests.unit.test_notify_messages import every_event

pytestmark = pytest.mark.unit

PROVIDER = "provider-oakwood"
NAME = "Oakwood Care Home"
TO_THE_PROVIDER = ("tell your contract manager", "Please send it", "Your contract manager")


def overdue(**fields: object) -> Fact:
    """An overdue return as notify tells it: with the provider's name and the period, which
    notify adds from what it read before (its registration and the request)."""
    event = intake.ReturnOverdue(provider_id="oakwood", request_id="r-1",
                                 contract_reference="OAK-1", form="kpi",
                                 due_on=date(2026, 7, 15), overdue_on=date(2026, 7, 16))
    fact = fact_of(event, "e-1")
    return Fact(fact.type, fact.id, fact.provider_id, {**fact.fields, **fields})


def named(event: object) -> Fact:
    fact = fact_of(event, "e-1")  # type: ignore[arg-type]
    return Fact(fact.type, fact.id, fact.provider_id, {**fact.fields, "provider_name": NAME})


def test_an_officers_overdue_return_names_the_provider_and_period_without_the_providers_text():
    fact = overdue(provider_name=NAME, period_start=date(2026, 4, 1),
                   period_end=date(2026, 6, 30))

    subject, body = compose(fact, CONTRACT_MANAGER)

    assert subject == f"Return overdue from {NAME} for contract OAK-1"
    assert NAME in body and "1 April 2026 to 30 June 2026" in body
    assert "15 July 2026" in body
    for text in TO_THE_PROVIDER:
        assert text not in subject + body
    assert "oakwood" not in body  # the name, not the id


def test_the_providers_overdue_return_asks_it_to_send_the_return_for_the_period():
    fact = overdue(provider_name=NAME, period_start=date(2026, 4, 1),
                   period_end=date(2026, 6, 30))

    subject, body = compose(fact, PROVIDER)

    assert subject == "Reminder: return overdue for contract OAK-1"
    assert body == ("Your KPI return for 1 April 2026 to 30 June 2026 was due on 15 July 2026 "
                    "and has not been received. Please send it as soon as you can, or tell your "
                    "contract manager why not.")


def test_an_overdue_return_whose_request_notify_never_read_leaves_the_period_out():
    _, body = compose(overdue(provider_name=NAME), CONTRACT_MANAGER)

    assert body.startswith(f"{NAME}'s KPI return on contract OAK-1 was due on 15 July 2026")
    assert "$" not in body and " for  " not in body


def test_an_intervention_tells_the_provider_its_contract_manager_will_call_and_staff_why():
    event = every_event()["InterventionOpened"]

    _, to_provider = compose(named(event), PROVIDER)
    _, to_staff = compose(named(event), CONTRACT_MANAGER)

    assert "Your contract manager will contact you" in to_provider
    assert "Your contract manager" not in to_staff and NAME in to_staff


@pytest.mark.parametrize("name", sorted(every_event()))
def test_staff_are_told_which_provider_by_name_and_never_read_the_providers_instructions(name):
    fact = named(every_event()[name])
    staff = [r.recipient for r in routes_for(fact) if not is_provider(r.recipient)]
    for recipient in staff or [CONTRACT_MANAGER]:
        subject, body = compose(fact, recipient)

        assert NAME in subject + body, (name, recipient)
        assert "Your " not in body and "your contract manager" not in body, (name, recipient)


@pytest.mark.parametrize("name", sorted(set(every_event()) - {"NotificationFailed"}))
def test_every_message_to_a_provider_has_its_own_wording_and_names_it(name):
    fact = named(every_event()[name])

    provider_subject, provider_body = compose(fact, PROVIDER)
    staff_subject, staff_body = compose(fact, CONTRACT_MANAGER)

    assert (provider_subject, provider_body) != (staff_subject, staff_body), name
    assert NAME in provider_subject or "contract OAK-1" in provider_subject, name


def test_notify_names_the_provider_it_read_registered_and_the_period_it_read_requested():
    app = Notifications()
    at = datetime(2026, 7, 16, tzinfo=UTC)
    events = [
        intake.ProviderRegistered(provider_id="oakwood", name=NAME),
        intake.ReturnRequested(provider_id="oakwood", request_id="r-1",
                               contract_reference="OAK-1", form="kpi",
                               period_start=date(2026, 4, 1), period_end=date(2026, 6, 30),
                               issue_on=date(2026, 7, 1), due_on=date(2026, 7, 15)),
        intake.ReturnOverdue(provider_id="oakwood", request_id="r-1",
                             contract_reference="OAK-1", form="kpi", due_on=date(2026, 7, 15),
                             overdue_on=date(2026, 7, 16)),
    ]
    try:
        for position, event in enumerate(events, start=1):
            app.handle(wrap(event, event_id=f"e-{position}", time=at, correlation_id="c"),
                       Tracking("INTAKE#p0", position))

        [told] = app.inbox(CONTRACT_MANAGER)
        [reminded] = [n for n in app.inbox(PROVIDER) if n["about_event_type"] == "ReturnOverdue"]
    finally:
        app.close()
    assert told["subject"] == f"Return overdue from {NAME} for contract OAK-1"
    assert "1 April 2026 to 30 June 2026" in told["body"]
    assert "tell your contract manager" not in told["body"]
    assert "tell your contract manager" in reminded["body"]
    assert "1 April 2026 to 30 June 2026" in reminded["body"]


# What the services name records by: a UUID, with or without its hyphens.
MACHINE_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


def with_machine_ids(event: object, provider_name: str | None) -> Fact:
    """The event as the services send it: every record it names by a UUID, and the provider
    by a UUID's hex, as intake names one registered without an id of the council's."""
    fact = fact_of(event, str(uuid4()))  # type: ignore[arg-type]
    provider_id = uuid4().hex
    fields: dict[str, Any] = {
        name: str(uuid4()) if name.endswith("_id") or name == "reference" else value
        for name, value in fact.fields.items()}
    fields["provider_id"] = provider_id
    if "recipient" in fields:  # a failed delivery's: the provider's own users, here
        fields["recipient"] = provider_recipient(provider_id)
    if provider_name:
        fields["provider_name"] = provider_name
    return Fact(fact.type, fact.id, provider_id, fields)


def test_every_default_template_is_rendered_below():
    assert {key.split("@")[0] for key in DEFAULT_TEMPLATES} <= set(every_event())


@pytest.mark.parametrize("provider_name", [NAME, None], ids=["named", "name-unknown"])
@pytest.mark.parametrize("name", sorted(every_event()))
def test_no_message_names_anything_by_a_machine_id(name, provider_name):
    """Issue 18: no UUIDs or raw ids in what a person reads; the event's id travels in the
    e-mail's headers."""
    fact = with_machine_ids(every_event()[name], provider_name)
    for recipient in (CONTRACT_MANAGER, OPERATIONS, SYSTEM_OPERATORS,
                      provider_recipient(fact.provider_id)):
        subject, body = compose(fact, recipient)

        assert not MACHINE_ID.search(subject), (recipient, subject)
        assert not MACHINE_ID.search(body), (recipient, body)


@pytest.mark.parametrize("name", ["ConcernRaised", "InterventionOpened", "BreachNoticeIssued",
                                  "MonitoringReportIssued"])
def test_staff_are_told_where_the_matter_is_in_assure(name):
    _, body = compose(named(every_event()[name]), CONTRACT_MANAGER)

    assert f"In Assure: Providers, then {NAME}" in body
