"""The report reads interventions and escalations from escalation's store by event name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from assure.report.escalation_facts import escalation_facts

pytestmark = pytest.mark.unit


class Intervention(Aggregate):
    """Shaped as escalation's: opened at a level, moved, suspended, closed."""

    @event("Opened")
    def __init__(self, provider_id: str, level: str, contract_reference: str | None = None):
        self.provider_id, self.level = provider_id, level

    @event("StepTaken")
    def take_step(self, provider_id: str, level: str, step: str) -> None:
        self.level = level

    @event("Suspended")
    def suspend(self, provider_id: str, escalation_id: str) -> None:
        self.level = "enforce"

    @event("Closed")
    def close(self, provider_id: str, reason: str) -> None:
        pass


class Escalation(Aggregate):
    @event("Proposed")
    def __init__(self, provider_id: str, step: str) -> None:
        self.provider_id, self.step = provider_id, step

    @event("Approved")
    def approve(self, provider_id: str, approver: str) -> None:
        pass

    @event("Rejected")
    def reject(self, provider_id: str, approver: str) -> None:
        pass


def test_interventions_and_escalations_are_folded_from_the_stored_events():
    app = Application()
    moving = Intervention("p1", "encourage", contract_reference="CH1")
    moving.take_step("p1", "enable", "improvement_plan")
    moving.suspend("p1", "e1")
    closed = Intervention("p2", "enable")
    closed.close("p2", "targets met")
    approved, rejected = Escalation("p1", "suspension"), Escalation("p2", "decommission")
    approved.approve("p1", "Head of Strategic Planning")
    rejected.reject("p2", "General Manager")
    app.save(moving, closed, approved, rejected)

    interventions, escalations = escalation_facts(app)

    today = datetime.now(UTC).date()  # events are stamped in UTC
    found = {i.provider_id: i for i in interventions}
    assert [level for _, level in found["p1"].levels] == ["encourage", "enable", "enforce"]
    assert found["p1"].contract_reference == "CH1" and found["p1"].level_on(today) == "enforce"
    assert found["p2"].closed_on == today and found["p2"].level_on(today) is None
    decided = {e.provider_id: e for e in escalations}
    assert (decided["p1"].step, decided["p1"].approved_on) == ("suspension", today)
    assert decided["p2"].approved_on is None


def test_no_escalation_service_means_nothing_to_count():
    assert escalation_facts(None) == ((), ())
