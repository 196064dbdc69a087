"""What each durable consumer asks NATS for: read from the services' handler tables, without a
server (the real server's side is tests/integration/test_consumer_filters.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assure.services import ALL
from services.escalation.application import Interventions
from services.notify.adapters.config_file import load_notify_config
from services.notify.application import Notifications
from services.risk.application import RiskAssessment
from shared.contracts import intake, risk
from shared.messaging.consumer import TrackedConsumer, consumer_config
from shared.messaging.topology import Topology, by_upstream, event_types_from

pytestmark = pytest.mark.unit


def test_each_services_table_is_its_policys_handlers():
    for definition in ALL:
        handled = set(definition.application.handlers())
        listed = {model for models in definition.consumes.values() for model in models}
        assert handled <= listed, definition.name
        for upstream, models in definition.consumes.items():
            assert {m.source_service for m in models} == {upstream}
    assert Interventions.handlers() == (risk.ConcernRaised, risk.ConcernRecurred)
    assert set(RiskAssessment.handlers()) == set(ALL[1].consumes["intake"])


def test_a_partitions_filters_name_each_type_for_any_provider():
    topology = Topology(4, namespace="ns1")
    assert topology.event_filters("risk", 3, ["RiskLevelAssessed", "ConcernRaised"]) == [
        "ns1.evt.risk.p3.*.ConcernRaised", "ns1.evt.risk.p3.*.RiskLevelAssessed"]


def test_only_types_the_upstream_publishes_are_asked_for():
    assert event_types_from("risk", {"ConcernRaised", "ReturnSubmitted", "NoSuchEvent"}) == (
        "ConcernRaised",)
    assert event_types_from("escalation", {"ConcernRaised"}) == ()


def test_contracts_are_grouped_by_the_stream_that_carries_them():
    assert by_upstream([risk.ConcernRaised, intake.ReturnSubmitted, risk.RiskScored]) == {
        "intake": (intake.ReturnSubmitted,),
        "risk": (risk.ConcernRaised, risk.RiskScored),
    }


def test_notify_asks_for_what_its_councils_rules_name(tmp_path: Path):
    path = tmp_path / "notify.json"
    path.write_text(json.dumps({"more_rules": [{"event": "RiskScored", "to": ["operations"]}]}))
    council = Notifications(config=load_notify_config(path))
    defaults = Notifications()
    try:
        assert "RiskScored" in council.handled_event_types()
        assert "RiskScored" not in defaults.handled_event_types()
        assert {"ConcernRaised", "ContractAwarded", "ReturnRequested"} <= (
            defaults.handled_event_types())
    finally:
        council.close()
        defaults.close()


def test_a_durable_asks_for_its_types_or_on_an_old_server_its_whole_partition():
    app = Interventions()
    try:
        consumer = TrackedConsumer(app, "risk", 1, 3, event_types=("ConcernRaised",))
        config = consumer_config(consumer, Topology(2), 30.0)
        assert config.filter_subjects == ["evt.risk.p1.*.ConcernRaised"]
        assert not config.filter_subject
        assert (config.durable_name, config.max_ack_pending, config.max_deliver) == (
            "escalation-risk-p1", 1, -1)
        old = consumer_config(consumer, Topology(2), 30.0, multiple_filters=False)
        assert old.filter_subject == "evt.risk.p1.>"
        assert not old.filter_subjects
    finally:
        app.close()
