"""The alert rules and the Grafana dashboard in deploy/monitoring, checked by Prometheus's own
`promtool` (Debian's `prometheus` package; .ci/run installs it): the rules load, each alert's
unit test passes, and every dashboard query is valid PromQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

MONITORING = Path(__file__).parents[2] / "deploy" / "monitoring"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("promtool is missing: CI installs Debian's prometheus package")
    pytest.skip("promtool is not installed (apt-get install prometheus)")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=MONITORING, capture_output=True, text=True, timeout=60,
                          check=False)


def test_the_alert_rules_load_and_their_unit_tests_pass(promtool: str) -> None:
    checked = run(promtool, "check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run(promtool, "test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    alerts = {rule["alert"] for group in yaml.safe_load((MONITORING / "alerts.yml").read_text())
              ["groups"] for rule in group["rules"]}
    assert {"AssureRelayLagging", "AssureConsumerLagging", "AssureDeadLetter",
            "AssureSafetyNotificationFailed"} <= alerts


def test_every_dashboard_query_is_valid_promql(promtool: str, tmp_path: Path) -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert exprs and dashboard["uid"] == "assure-overview"
    # promtool parses the queries of recording rules: one per panel query.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:panel{n}", "expr": expr} for n, expr in enumerate(exprs)]}]}
    (tmp_path / "dashboard-rules.yml").write_text(yaml.safe_dump(rules))
    checked = subprocess.run([promtool, "check", "rules", str(tmp_path / "dashboard-rules.yml")],
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def metric_names() -> set[str]:
    """Every assure_* metric family the dashboard and the alerts read (a histogram's or a
    counter's series named by its family); tests/e2e/test_operations.py checks that a running
    Assure exposes every one of them."""
    text = (MONITORING / "alerts.yml").read_text() + (MONITORING / "grafana-dashboard.json"
                                                      ).read_text()
    return {family(name) for name in re.findall(r"\bassure_[a-z_]+", text)}


def family(name: str) -> str:
    return re.sub(r"_(bucket|count|sum|total)$", "", name)
